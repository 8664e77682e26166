package media

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/logging"

	"github.com/earshot/earshot/media/internal/pionlog"
)

// Params are New's inputs.
type Params struct {
	Config Config
	// Logger receives the SFU's logs and pion's (Info demoted to Debug).
	// nil means slog.Default().
	Logger *slog.Logger
}

// SFU is the selective forwarding unit: it terminates every leg's ICE-lite
// + DTLS-SRTP transport on one shared UDP port and forwards RTP between
// legs as the groups' routes say. Each forwarding shard's reader goroutine
// receives, decrypts, routes, re-encrypts and sends in batches (see
// reader.go and shard.go).
type SFU struct {
	cfg      Config
	log      *slog.Logger
	pionLogs logging.LoggerFactory
	// shards are the forwarding loops, one socket each on the media port.
	shards []*shard
	// conn is the first shard's socket: the plain writes (STUN answers,
	// DTLS, reports) go through it; any shard's would do, as all share
	// the local address.
	conn     *net.UDPConn
	identity identity
	// candidates are the host candidates every answer advertises;
	// tcpCandidates the passive ICE-TCP ones (none if ICE-TCP is off).
	candidates    []netip.AddrPort
	tcpCandidates []netip.AddrPort
	// tcp accepts ICE-TCP connections (nil: UDP only).
	tcp *tcpListener
	// tcpReaders are the forwarding scratch of the TCP readers, which
	// forward on their own goroutines (the UDP reader keeps its own).
	tcpReaders sync.Pool
	// tcpDropped counts packets dropped because an ICE-TCP connection's
	// write queue was full.
	tcpDropped atomic.Uint64

	// ctx is cancelled by Close so that legs still connecting stop waiting.
	ctx    context.Context
	cancel context.CancelFunc

	// nextSource numbers speakers for the slots' source check.
	nextSource atomic.Uint64

	// wg counts everything Close must wait for: AddLeg calls in progress,
	// leg supervisors and OnClosed callbacks.
	wg sync.WaitGroup
	// loops counts the readers, the consent checker and the reporter.
	loops sync.WaitGroup

	ufragMu sync.Mutex
	byUfrag map[string]*Leg // live legs by their answer's ufrag

	mu     sync.Mutex // lock order: Group.mu before SFU.mu
	closed bool
	groups map[*Group]struct{}
	legs   map[*Leg]struct{}
	// ended holds the counters of legs that have closed, so Stats stays
	// cumulative.
	ended legCounters

	// rec is the recording queue and writer (recorder.go).
	rec *recorder
}

// New opens the media port's sockets (one per shard) and starts the
// readers.
func New(p Params) (*SFU, error) {
	cfg, err := p.Config.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("new sfu: %w", err)
	}
	log := p.Logger
	if log == nil {
		log = slog.Default()
	}
	id, err := newIdentity()
	if err != nil {
		return nil, fmt.Errorf("new sfu: %w", err)
	}
	if cfg.Shards > 1 && !reusePortSupported {
		log.Warn("media shards need SO_REUSEPORT (Linux): running one shard", "shards", cfg.Shards)
		cfg.Shards = 1
	}
	conns, err := listenShards(cfg.ListenIP, cfg.UDPPort, cfg.Shards)
	if err != nil {
		return nil, fmt.Errorf("new sfu: %w", err)
	}
	closeAll := func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}
	conn := conns[0]
	udpPort := conn.LocalAddr().(*net.UDPAddr).AddrPort().Port()
	cands, err := hostCandidates(cfg, udpPort)
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("new sfu: %w", err)
	}
	shards := make([]*shard, len(conns))
	for i, c := range conns {
		bio, err := newBatchIO(c)
		if err != nil {
			closeAll()
			return nil, fmt.Errorf("new sfu: %w", err)
		}
		shards[i] = &shard{index: i, conn: c, io: bio}
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &SFU{
		cfg:        cfg,
		log:        log,
		pionLogs:   pionlog.Factory{Logger: log},
		shards:     shards,
		conn:       conn,
		identity:   id,
		candidates: cands,
		ctx:        ctx,
		cancel:     cancel,
		byUfrag:    make(map[string]*Leg),
		groups:     make(map[*Group]struct{}),
		legs:       make(map[*Leg]struct{}),
		rec:        newRecorder(cfg.RecordingQueue, log),
	}
	s.tcpReaders.New = func() any {
		return &reader{s: s, out: &egress{batch: &sendBatch{sink: udpSink{conn: conn}}}}
	}
	if s.tcp = listenTCP(s, udpPort); s.tcp != nil {
		for _, c := range cands {
			s.tcpCandidates = append(s.tcpCandidates, netip.AddrPortFrom(c.Addr(), s.tcp.port()))
		}
		s.tcp.start()
	}
	for _, sh := range shards {
		s.loops.Go(func() { s.read(sh) })
	}
	s.loops.Go(s.checkConsent)
	s.loops.Go(s.report)
	if cfg.ConsentTimeout < minSafeConsentTimeout {
		log.Warn("consent timeout shorter than browsers' check interval allows: healthy legs may be closed",
			"consent_timeout", cfg.ConsentTimeout, "browsers_check_every", "about 5s")
	}
	log.Info("sfu listening", "udp", conn.LocalAddr().String(), "tcp", s.TCPAddr(), "shards", len(shards), "slots", cfg.Slots, "candidates", len(cands))
	return s, nil
}

// Config returns the effective configuration (defaults filled in).
func (s *SFU) Config() Config { return s.cfg }

// UDPAddr is the address of the one UDP port all legs share; with
// Config.UDPPort 0 it tells which port was picked.
func (s *SFU) UDPAddr() net.Addr { return s.conn.LocalAddr() }

// TCPAddr is the address of the ICE-TCP listener, nil if ICE-TCP is off
// or its port could not be bound.
func (s *SFU) TCPAddr() net.Addr {
	if s.tcp == nil {
		return nil
	}
	return s.tcp.ln.Addr()
}

// Stats returns cumulative packet counters, the number of live legs and
// each shard's datagram counters.
func (s *SFU) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	total := s.ended.snapshot()
	for l := range s.legs {
		ls := l.counters.snapshot()
		total.Received += ls.Received
		total.Forwarded += ls.Forwarded
		total.Dropped += ls.Dropped
		total.RTCPReceived += ls.RTCPReceived
		total.RTCPDropped += ls.RTCPDropped
		total.RTCPSent += ls.RTCPSent
	}
	tcpConns := 0
	if s.tcp != nil {
		tcpConns = s.tcp.count()
	}
	shards := make([]ShardStats, len(s.shards))
	for i, sh := range s.shards {
		shards[i] = ShardStats{Received: sh.received.Load(), Sent: sh.sent.Load()}
	}
	return Stats{
		Shards:           shards,
		Legs:             len(s.legs),
		TCPConnections:   tcpConns,
		TCPDropped:       s.tcpDropped.Load(),
		PacketsReceived:  total.Received,
		PacketsForwarded: total.Forwarded,
		PacketsDropped:   total.Dropped,
		RTCPReceived:     total.RTCPReceived,
		RTCPDropped:      total.RTCPDropped,
		RTCPSent:         total.RTCPSent,
		RecordingWritten: s.rec.written.Load(),
		RecordingDropped: s.rec.dropped.Load(),
		RecordingBytes:   s.rec.bytes.Load(),
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
// releases the UDP port and the ICE-TCP listener. OnClosed callbacks must therefore not call Close.
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
	s.rec.close()
	if s.tcp != nil {
		s.tcp.close()
	}
	var err error
	for _, sh := range s.shards {
		if cerr := sh.conn.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}
	s.loops.Wait()
	if err != nil {
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
	s.ufragMu.Lock()
	s.byUfrag[l.localUfrag] = l
	s.ufragMu.Unlock()
	return nil
}

// forgetUfrag stops answering checks for a closing leg.
func (s *SFU) forgetUfrag(l *Leg) {
	s.ufragMu.Lock()
	defer s.ufragMu.Unlock()
	if s.byUfrag[l.localUfrag] == l {
		delete(s.byUfrag, l.localUfrag)
	}
}

// socketBuffer is the kernel buffer size asked for each shard's socket.
const socketBuffer = 8 << 20

// consentInterval is how often checkConsent looks, at most: a leg
// without consent ends within ConsentTimeout plus this.
const consentInterval = time.Second

// minSafeConsentTimeout is the shortest consent timeout that leaves a
// browser (a check every 5 s or so, RFC 7675 section 5.1) room to lose a
// check; shorter ones are allowed (tests) but logged.
const minSafeConsentTimeout = 15 * time.Second

// checkConsent fails connected legs whose client stopped sending consent
// checks (RFC 7675): it vanished without a close_notify, or the network
// broke. As an ICE-lite agent the SFU sends no checks; the client's
// authenticated binding requests, on UDP or TCP, are the consent.
func (s *SFU) checkConsent() {
	t := time.NewTicker(max(min(consentInterval, s.cfg.ConsentTimeout/4), time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case now := <-t.C:
			s.checkConsentAt(now)
		}
	}
}

// checkConsentAt fails every connected leg whose last consent check is
// older than ConsentTimeout before now. Media does not count (RFC 7675:
// consent is the peer's authenticated check, which proves the client is
// still there and still wants this media; packets alone prove neither).
func (s *SFU) checkConsentAt(now time.Time) {
	limit := now.Add(-s.cfg.ConsentTimeout).UnixNano()
	s.mu.Lock()
	defer s.mu.Unlock()
	for l := range s.legs {
		select {
		case <-l.connected:
			if last := l.lastConsent.Load(); last < limit {
				silent := now.Sub(time.Unix(0, last)).Round(time.Millisecond)
				l.log.Info("ice consent expired", "since", silent)
				l.signalEnd(fmt.Errorf("%w: no ice consent check for %s", ErrPeerFailed, silent))
			}
		default:
		}
	}
}

func (s *SFU) removeGroup(g *Group) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.groups, g)
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
