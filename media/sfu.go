package media

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"

	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"

	"github.com/earshot/earshot/media/internal/pionlog"
)

// Params are New's inputs.
type Params struct {
	Config Config
	// Logger receives the SFU's logs and pion's (Info demoted to Debug).
	// nil means slog.Default().
	Logger *slog.Logger
}

// SFU is the selective forwarding unit: it terminates one PeerConnection per
// leg on a single shared UDP port and forwards RTP between legs as the
// groups' routes say.
type SFU struct {
	cfg  Config
	log  *slog.Logger
	api  *webrtc.API
	conn *net.UDPConn
	mux  ice.UDPMux

	// ctx is cancelled by Close so that legs still negotiating stop waiting.
	ctx    context.Context
	cancel context.CancelFunc

	// nextSource numbers speakers for the slots' source check.
	nextSource atomic.Uint64

	// wg counts everything Close must wait for: AddLeg calls in progress,
	// leg supervisors and OnClosed callbacks.
	wg sync.WaitGroup

	mu     sync.Mutex // lock order: Group.mu before SFU.mu
	closed bool
	groups map[*Group]struct{}
	legs   map[*Leg]struct{}
	// ended holds the counters of legs that have closed, so Stats stays
	// cumulative.
	ended legCounters
}

// New opens the shared UDP socket and prepares the WebRTC stack.
func New(p Params) (*SFU, error) {
	cfg, err := p.Config.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("new sfu: %w", err)
	}
	log := p.Logger
	if log == nil {
		log = slog.Default()
	}
	log = log.With("component", "media")

	laddr := &net.UDPAddr{IP: net.ParseIP(cfg.ListenIP), Port: cfg.UDPPort}
	conn, err := net.ListenUDP("udp", laddr)
	if err != nil {
		return nil, fmt.Errorf("new sfu: listen udp %s: %w", laddr, err)
	}
	mux := webrtc.NewICEUDPMux(pionlog.Factory{Logger: log}.NewLogger("udpmux"), conn)
	api, err := newAPI(apiParams{cfg: cfg, mux: mux, logger: log})
	if err != nil {
		_ = mux.Close()
		return nil, fmt.Errorf("new sfu: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &SFU{
		cfg:    cfg,
		log:    log,
		api:    api,
		conn:   conn,
		mux:    mux,
		ctx:    ctx,
		cancel: cancel,
		groups: make(map[*Group]struct{}),
		legs:   make(map[*Leg]struct{}),
	}
	log.Info("sfu listening", "udp", conn.LocalAddr().String(), "slots", cfg.Slots)
	return s, nil
}

// Config returns the effective configuration (defaults filled in).
func (s *SFU) Config() Config { return s.cfg }

// UDPAddr is the address of the one UDP port all legs share; with
// Config.UDPPort 0 it tells which port was picked.
func (s *SFU) UDPAddr() net.Addr { return s.conn.LocalAddr() }

// Stats returns cumulative packet counters and the number of live legs.
func (s *SFU) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	total := s.ended.snapshot()
	for l := range s.legs {
		ls := l.counters.snapshot()
		total.Received += ls.Received
		total.Forwarded += ls.Forwarded
		total.Dropped += ls.Dropped
	}
	return Stats{
		Legs:             len(s.legs),
		PacketsReceived:  total.Received,
		PacketsForwarded: total.Forwarded,
		PacketsDropped:   total.Dropped,
	}
}

// NewGroup returns an empty group: the legs of one conversation, which may
// be routed to each other. id only labels logs; two groups may share it.
// Close the group when the conversation ends: the SFU keeps it until then.
// After Close the group is born closed and AddLeg fails with ErrSFUClosed.
func (s *SFU) NewGroup(id string) *Group {
	g := &Group{
		id:      id,
		sfu:     s,
		log:     s.log.With("group", id),
		legs:    make(map[LegID]*Leg),
		pending: make(map[LegID]struct{}),
		tables:  make(map[LegID]slotTable),
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		g.closed = true
		g.closeErr = ErrSFUClosed
		return g
	}
	s.groups[g] = struct{}{}
	return g
}

// Close closes every group and leg (OnClosed fires with ErrSFUClosed), waits
// for all of the SFU's goroutines and OnClosed callbacks to finish, then
// releases the UDP port. OnClosed callbacks must therefore not call Close.
// Close is idempotent.
func (s *SFU) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		s.wg.Wait()
		return nil
	}
	s.closed = true
	groups := make([]*Group, 0, len(s.groups))
	for g := range s.groups {
		groups = append(groups, g)
	}
	s.mu.Unlock()
	s.cancel()

	var wg sync.WaitGroup
	for _, g := range groups {
		wg.Go(func() { g.closeWith(ErrSFUClosed) })
	}
	wg.Wait()
	s.wg.Wait()
	if err := s.mux.Close(); err != nil {
		return fmt.Errorf("close sfu: %w", err)
	}
	s.log.Info("sfu closed")
	return nil
}

// beginAdd registers an AddLeg in progress so Close waits for it.
func (s *SFU) beginAdd() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrSFUClosed
	}
	s.wg.Add(1)
	return nil
}

// register makes a fully negotiated leg count as live and accounts for
// its supervisor goroutine. Group.mu is held by the caller.
func (s *SFU) register(l *Leg) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrSFUClosed
	}
	s.legs[l] = struct{}{}
	s.wg.Add(1) // the supervisor
	return nil
}

// unregister moves a closed leg's counters into the cumulative totals.
func (s *SFU) unregister(l *Leg) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.legs[l]; !ok {
		return
	}
	delete(s.legs, l)
	s.ended.add(l.counters.snapshot())
}

func (s *SFU) removeGroup(g *Group) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.groups, g)
}
