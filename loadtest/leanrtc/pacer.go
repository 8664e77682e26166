package leanrtc

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
)

// Pacing of the synthetic microphones: one 20 ms Opus frame per packet.
const (
	// FrameInterval is the packet interval of every microphone.
	FrameInterval = 20 * time.Millisecond
	// opusFrameTicks is one 20 ms frame in 48 kHz RTP ticks.
	opusFrameTicks = 960
	// DefaultPhases spreads the endpoints over that many sub-ticks of a
	// frame interval, so the server sees a steady stream rather than one
	// burst of every leg's packet every 20 ms.
	DefaultPhases = 4
	// maxPayload bounds what a Source may return.
	maxPayload = 1200
	// maxCatchUp is how far behind schedule the Pacer catches up.
	maxCatchUp = 100 * time.Millisecond
)

// Source produces one leg's microphone payloads. Next is called on the
// Pacer goroutine, only while the endpoint is ready, with a buffer to
// append to; returning nil skips this frame (a muted microphone).
type Source interface {
	Next(dst []byte, now time.Time) []byte
}

// scratch are the Pacer's reused buffers: sending allocates nothing.
type scratch struct {
	payload [maxPayload]byte
	plain   [readBufferSize]byte
	hdr     rtp.Header
}

// pacerEntry is one endpoint the Pacer sends for.
type pacerEntry struct {
	ep    *Endpoint
	src   Source
	phase int
}

// PacerParams configures NewPacer.
type PacerParams struct {
	// Hub carries the datagrams. Required.
	Hub *Hub
	// Phases is the number of sub-ticks per frame interval (default 4).
	Phases int
}

// Pacer is the one goroutine that sends every endpoint's microphone, in
// sendmmsg batches through the hub.
type Pacer struct {
	hub    *Hub
	phases int

	mu      sync.Mutex
	next    int
	entries atomic.Pointer[[]*pacerEntry] // copy-on-write

	sent, errors atomic.Uint64
}

// NewPacer creates a Pacer; Run starts it.
func NewPacer(p PacerParams) *Pacer {
	if p.Phases <= 0 {
		p.Phases = DefaultPhases
	}
	pc := &Pacer{hub: p.Hub, phases: p.Phases}
	pc.entries.Store(&[]*pacerEntry{})
	return pc
}

// Add starts sending for ep (as soon as it is ready) and returns the
// function that stops it.
func (p *Pacer) Add(ep *Endpoint, src Source) (remove func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e := &pacerEntry{ep: ep, src: src, phase: p.next % p.phases}
	p.next++
	old := *p.entries.Load()
	next := make([]*pacerEntry, 0, len(old)+1)
	next = append(append(next, old...), e)
	p.entries.Store(&next)
	return func() { p.remove(e) }
}

func (p *Pacer) remove(e *pacerEntry) {
	p.mu.Lock()
	defer p.mu.Unlock()
	old := *p.entries.Load()
	next := make([]*pacerEntry, 0, len(old))
	for _, x := range old {
		if x != e {
			next = append(next, x)
		}
	}
	p.entries.Store(&next)
}

// Sent counts packets handed to the socket; Errors counts failed sends.
func (p *Pacer) Sent() uint64   { return p.sent.Load() }
func (p *Pacer) Errors() uint64 { return p.errors.Load() }

// Run sends until ctx ends. A sub-tick that comes late (a loaded machine)
// is made up for at once, as a browser's microphone keeps producing frames
// while its sender is stalled; after a stall longer than maxCatchUp the
// missed frames are dropped instead of sent in one burst.
func (p *Pacer) Run(ctx context.Context) {
	sub := FrameInterval / time.Duration(p.phases)
	s := &scratch{}
	phase := 0
	next := time.Now()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		now := time.Now()
		if now.Sub(next) > maxCatchUp {
			next = now
		}
		for !next.After(now) {
			p.tick(phase, s)
			phase = (phase + 1) % p.phases
			next = next.Add(sub)
		}
		timer.Reset(next.Sub(now))
	}
}

// tick sends one frame for every ready endpoint of phase, in batches.
func (p *Pacer) tick(phase int, s *scratch) {
	for _, e := range *p.entries.Load() {
		if e.phase != phase || !e.ep.Ready() {
			continue
		}
		payload := e.src.Next(s.payload[:0], time.Now())
		if payload == nil {
			continue
		}
		buf := p.hub.queueBuf()
		out, to, err := e.ep.encrypt(payload, buf, s)
		if err != nil || &out[0] != &buf[0] {
			p.errors.Add(1)
			continue
		}
		p.hub.commit(len(out), e.ep.local.Addr(), to)
		p.sent.Add(1)
	}
	p.hub.flush()
}
