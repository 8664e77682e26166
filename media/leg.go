package media

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"
)

// LegID names a leg within its group (the domain uses UUIDs).
type LegID string

// Leg is one client's PeerConnection: its microphone (ingress) and its
// receive slots (egress). A leg knows nothing of who it is; the group's
// routes decide whom it hears and who hears it.
type Leg struct {
	id       LegID
	sfu      *SFU
	group    *Group
	log      *slog.Logger
	pc       *webrtc.PeerConnection
	onClosed func(LegID, error)

	answer string
	recv   receiver // ingress: the microphone
	slots  []*slot  // egress: what this leg hears

	counters legCounters

	connected     chan struct{} // closed at the first "connected"
	connectedOnce sync.Once
	ended         chan error    // the PeerConnection failed or closed (cap 1)
	done          chan struct{} // closed when the leg is fully torn down

	mu      sync.Mutex // guards the fields below
	closing bool
	mic     *webrtc.RTPReceiver
	// workers are the goroutines reading the leg's media and RTCP; Add only
	// while !closing.
	workers sync.WaitGroup
}

// newLeg creates the PeerConnection and answers the offer.
func newLeg(ctx context.Context, g *Group, p LegParams) (*Leg, error) {
	s := g.sfu
	l := &Leg{
		id:        p.ID,
		sfu:       s,
		group:     g,
		log:       g.log.With("leg", string(p.ID)),
		onClosed:  p.OnClosed,
		connected: make(chan struct{}),
		ended:     make(chan error, 1),
		done:      make(chan struct{}),
	}
	l.recv = receiver{source: s.nextSource.Add(1), counters: &l.counters}

	pc, err := s.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, fmt.Errorf("new peer connection: %w", err)
	}
	l.pc = pc
	pc.OnConnectionStateChange(l.onConnectionState)
	pc.OnTrack(l.onTrack)

	n, err := negotiate(ctx, pc, p.Offer, s.cfg.Slots)
	if err != nil {
		l.teardown()
		return nil, err
	}
	l.answer = n.answer
	l.slots = make([]*slot, len(n.tracks))
	for i, t := range n.tracks {
		l.slots[i] = &slot{
			writer:       t,
			audioLevelID: n.slotAudioLevelIDs[i],
			munger:       newMunger(uint16(rand.Uint32()), rand.Uint32()),
		}
	}

	l.mu.Lock()
	l.recv.audioLevelID = n.micAudioLevelID
	l.mic = n.mic
	readers := make([]packetReader, 0, len(n.senders)+1)
	for _, snd := range n.senders {
		readers = append(readers, snd)
	}
	if n.mic != nil {
		readers = append(readers, n.mic)
	}
	for _, r := range readers {
		l.workers.Go(func() { drain(r) })
	}
	l.mu.Unlock()
	return l, nil
}

// ID returns the leg's ID.
func (l *Leg) ID() LegID { return l.id }

// Answer returns the SDP answer, complete with the server's candidates.
func (l *Leg) Answer() string { return l.answer }

// AddICECandidate adds a candidate the client trickled after its offer.
func (l *Leg) AddICECandidate(c webrtc.ICECandidateInit) error {
	if err := l.pc.AddICECandidate(c); err != nil {
		return fmt.Errorf("leg %s: add ice candidate: %w", l.id, err)
	}
	return nil
}

// Connected is closed when the PeerConnection first reaches "connected".
func (l *Leg) Connected() <-chan struct{} { return l.connected }

// Done is closed when the leg has ended and its resources are released
// (OnClosed may still be running).
func (l *Leg) Done() <-chan struct{} { return l.done }

// Stats returns the leg's counters as a speaker.
func (l *Leg) Stats() LegStats { return l.counters.snapshot() }

// onConnectionState runs on a pion goroutine; it only signals.
func (l *Leg) onConnectionState(st webrtc.PeerConnectionState) {
	switch st {
	case webrtc.PeerConnectionStateConnected:
		l.connectedOnce.Do(func() { close(l.connected) })
		l.log.Debug("leg connected")
	case webrtc.PeerConnectionStateFailed:
		l.signalEnd(ErrPeerFailed)
	case webrtc.PeerConnectionStateClosed:
		l.signalEnd(ErrPeerClosed)
	}
}

func (l *Leg) signalEnd(reason error) {
	select {
	case l.ended <- reason:
	default:
	}
}

// onTrack runs on a pion goroutine for each incoming track and becomes the
// reader of the microphone until the PeerConnection closes.
func (l *Leg) onTrack(t *webrtc.TrackRemote, r *webrtc.RTPReceiver) {
	l.mu.Lock()
	if l.closing {
		l.mu.Unlock()
		return
	}
	mic := l.mic
	l.workers.Add(1)
	l.mu.Unlock()
	defer l.workers.Done()

	if r != mic {
		// Only the first m-line may send; anything else is read and
		// discarded so pion's buffers do not fill.
		l.log.Warn("unexpected incoming track", "ssrc", uint32(t.SSRC()))
		drain(t)
		return
	}
	l.recv.run(t)
}

// supervise closes the leg on connect timeout or when its PeerConnection
// fails or closes. It runs from attach until the leg is done.
func (l *Leg) supervise() {
	defer l.sfu.wg.Done()
	timer := time.NewTimer(l.sfu.cfg.ConnectTimeout)
	defer timer.Stop()
	connected := l.connected
	for {
		select {
		case <-l.done:
			return
		case <-connected:
			timer.Stop()
			connected = nil
		case <-timer.C:
			select {
			case <-l.connected:
				connected = nil
				continue
			default:
			}
			l.log.Info("leg not connected in time", "timeout", l.sfu.cfg.ConnectTimeout)
			l.close(ErrConnectTimeout)
			return
		case reason := <-l.ended:
			l.close(reason)
			return
		}
	}
}

// close ends a live leg once: routes first (so nothing more is forwarded to
// or from it), then the PeerConnection and the leg's goroutines, then
// OnClosed in its own goroutine. Concurrent callers wait until it is done;
// the first reason wins.
func (l *Leg) close(reason error) {
	l.mu.Lock()
	if l.closing {
		l.mu.Unlock()
		<-l.done
		return
	}
	l.closing = true
	l.mu.Unlock()

	l.group.detach(l)
	l.stopPC()
	l.sfu.unregister(l)
	l.log.Info("leg closed", "reason", reason)

	// Counted before done is closed: the supervisor (itself counted) is
	// alive until then, so SFU.Close cannot miss this callback.
	l.sfu.wg.Add(1)
	close(l.done)
	go func() {
		defer l.sfu.wg.Done()
		if l.onClosed != nil {
			l.onClosed(l.id, reason)
		}
	}()
}

// teardown releases a leg that never became live (AddLeg failed).
func (l *Leg) teardown() {
	l.mu.Lock()
	l.closing = true
	l.mu.Unlock()
	l.stopPC()
	close(l.done)
}

// stopPC closes the PeerConnection gracefully (waiting for pion's own
// goroutines) and then for the leg's readers, which end with it.
func (l *Leg) stopPC() {
	if err := l.pc.GracefulClose(); err != nil {
		l.log.Debug("closing peer connection", "err", err)
	}
	l.workers.Wait()
}
