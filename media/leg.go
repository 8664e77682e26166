package media

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/dtls/v3"
	"github.com/pion/srtp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/earshot/earshot/internal/dtlsconn"
)

// LegID names a leg within its group (the domain uses UUIDs).
type LegID string

// Leg is one client's connection: its microphone (ingress) and its receive
// slots (egress), over one ICE-lite + DTLS-SRTP transport on the SFU's
// shared UDP port. A leg knows nothing of who it is; the group's routes
// decide whom it hears and who hears it.
type Leg struct {
	id       LegID
	sfu      *SFU
	group    *Group
	log      *slog.Logger
	onClosed func(LegID, error)

	answer string
	recv   receiver // ingress: the microphone
	slots  []*slot  // egress: what this leg hears

	counters legCounters
	// levels counts the microphone's RFC 6464 levels for call health (nil
	// with Config.NoLevels).
	levels *levelMeter
	// mic is the microphone's reception state for the receiver reports
	// (updated by the reader goroutine); reports is the reporter
	// goroutine's state for this leg (reports.go).
	mic     recvStats
	reports legReports
	// cname is the leg's RTCP CNAME (RFC 7022: random per session), the
	// same in the answer's a=ssrc lines and in every SDES.
	cname string

	// Transport. localUfrag/localPwd are this side's ICE credentials,
	// remoteUfrag the client's (checked in every binding request).
	localUfrag, localPwd, remoteUfrag string
	offer                             offerTransport
	// remote is the nominated path to the client (nil until a check): a
	// UDP address or an ICE-TCP connection.
	remote atomic.Pointer[path]
	// shard is the index of the shard whose reader last took a valid
	// check from this leg's client over UDP (where its datagrams arrive).
	shard atomic.Int32
	// lastConsent is when the client last sent a valid consent check (an
	// authenticated binding request, RFC 7675), or connected (Unix ns).
	lastConsent atomic.Int64
	// rxMu makes one goroutine at a time the leg's ingress: the UDP
	// reader, or the reader of one of its ICE-TCP connections (a client
	// may send on several paths while it switches). Only TryLock is used:
	// a packet arriving on a second path at that very moment is dropped.
	rxMu sync.Mutex
	// tcpConns are the ICE-TCP connections bound to this leg; closed with
	// it. Guarded by mu.
	tcpConns []*tcpConn
	// micSSRC is the microphone's SSRC: declared in the offer, or the
	// first one seen. Other SSRCs are dropped.
	micSSRC atomic.Uint32
	dc      *dtlsconn.Conn
	// rx decrypts the microphone; used only under rxMu.
	rx atomic.Pointer[srtp.Context]

	// out is kept on cache lines of its own: every shard forwarding to
	// this leg reads it per packet, while the fields above are written per
	// packet by the one shard this leg's own packets arrive at.
	_ cacheLinePad
	// out is what the slots need to send to this leg, published whenever
	// the SRTP context or the path changes (nil until both exist and once
	// the leg is gone): the forwarding path reads it with one atomic load.
	out atomic.Pointer[legOut]
	_   cacheLinePad

	outMu sync.Mutex // serialises publishing out; guards txc and slotTx
	txc   *txContext
	// slotTx are the slots' own SRTP contexts (same keys, one per slot's
	// SSRC): a slot has one speaker at a time, whose packets one shard
	// reads, so its context has one writer and its lock is uncontended
	// even when two shards forward to this leg at once. txc remains for
	// the reports (SRTCP).
	slotTx []*txContext
	// profile is the SRTP protection profile DTLS negotiated.
	profile atomic.Pointer[string]

	connected     chan struct{} // closed when DTLS and SRTP are up
	connectedOnce sync.Once
	ended         chan error    // the transport failed or the client closed it (cap 1)
	done          chan struct{} // closed when the leg is fully torn down
	gone          atomic.Bool   // set first thing when closing: the reader drops its packets

	mu        sync.Mutex // guards the fields below
	closing   bool
	conn      *dtls.Conn
	hsCancel  context.CancelFunc
	workers   sync.WaitGroup // the DTLS goroutine; Add only while !closing
	closeConn sync.Once
}

// newLeg parses the offer, prepares the transport and slots, answers, and
// starts waiting for the client's DTLS handshake.
func newLeg(g *Group, p LegParams, ot offerTransport) *Leg {
	s := g.sfu
	l := &Leg{
		id:          p.ID,
		sfu:         s,
		group:       g,
		log:         g.log.With("leg", string(p.ID)),
		onClosed:    p.OnClosed,
		localUfrag:  randomString(ufragLen),
		localPwd:    randomString(pwdLen),
		remoteUfrag: ot.ufrag,
		offer:       ot,
		connected:   make(chan struct{}),
		ended:       make(chan error, 1),
		done:        make(chan struct{}),
		cname:       randomString(cnameLen),
	}
	if !s.cfg.NoLevels {
		l.levels = newLevelMeter(s.cfg.SpeechLevel)
	}
	l.recv = receiver{source: s.nextSource.Add(1), audioLevelID: ot.lines[0].audioLevelID, counters: &l.counters, levels: l.levels}
	l.micSSRC.Store(ot.micSSRC)
	ssrcs := make([]uint32, len(ot.lines))
	l.slots = make([]*slot, len(ot.lines))
	for i, line := range ot.lines {
		ssrcs[i] = rand.Uint32() | 1
		l.slots[i] = &slot{
			writer:       &slotWriter{leg: l, index: i, ssrc: ssrcs[i], pt: line.pt},
			ssrc:         ssrcs[i],
			audioLevelID: line.audioLevelID,
			munger:       newMunger(uint16(rand.Uint32()), rand.Uint32()),
		}
	}
	l.answer = buildAnswer(answerParams{
		offer: ot, ufrag: l.localUfrag, pwd: l.localPwd, fingerprint: s.identity.fingerprint,
		candidates: s.candidates, tcpCandidates: s.tcpCandidates, ssrcs: ssrcs, cname: l.cname, sessionID: rand.Uint64() >> 1,
	})
	l.dc = newDTLSConn(l)
	return l
}

// ID returns the leg's ID.
func (l *Leg) ID() LegID { return l.id }

// Answer returns the SDP answer, complete with the server's candidates.
func (l *Leg) Answer() string { return l.answer }

// AddICECandidate accepts a candidate the client trickled after its offer.
// The SFU is an ICE-lite agent that never sends checks, so the client's
// candidates are not needed: the client's own checks reveal its paths. The
// candidate is only checked for syntax (see checkCandidate).
func (l *Leg) AddICECandidate(c webrtc.ICECandidateInit) error {
	if !checkCandidate(c.Candidate) {
		return fmt.Errorf("leg %s: add ice candidate: %w", l.id, errBadCandidate)
	}
	return nil
}

// Connected is closed when the leg's transport first is up (ICE, DTLS and
// SRTP): media can flow both ways.
func (l *Leg) Connected() <-chan struct{} { return l.connected }

// Done is closed when the leg has ended and its resources are released
// (OnClosed may still be running).
func (l *Leg) Done() <-chan struct{} { return l.done }

// Stats returns the leg's counters as a speaker.
func (l *Leg) Stats() LegStats { return l.counters.snapshot() }

// SRTPProfile returns the negotiated SRTP protection profile (e.g.
// "SRTP_AEAD_AES_128_GCM"), "" before the leg is connected.
func (l *Leg) SRTPProfile() string {
	if p := l.profile.Load(); p != nil {
		return *p
	}
	return ""
}

// consent records a valid consent check from the client (RFC 7675).
func (l *Leg) consent(now time.Time) { l.lastConsent.Store(now.UnixNano()) }

// setRemote makes p the path media and DTLS go to.
func (l *Leg) setRemote(p path) {
	if cur := l.remote.Load(); cur != nil && *cur == p {
		return
	}
	l.remote.Store(&p)
	l.publishOut()
}

// txContext is a leg's SRTP encryption context with the mutex that
// serialises its use (it keeps per-SSRC rollover state).
// It is padded: contexts of legs forwarded to by different shards are
// small neighbouring allocations, and their locks must not share a cache
// line.
type txContext struct {
	mu  sync.Mutex
	ctx *srtp.Context
	_   cacheLinePad
}

// legOut is a connected leg's sending side, kept together so that the
// forwarding path touches one small object per listener.
type legOut struct {
	tx *txContext
	// slotTx[i] encrypts slot i's stream (nil in tests that set only tx).
	slotTx []*txContext
	to     netip.AddrPort
	// tcp is set when the nominated path is an ICE-TCP connection: the
	// datagrams are framed into its write queue instead of the UDP batch.
	tcp *tcpConn
}

// publishOut recomputes out from the SRTP context, the path and whether
// the leg is gone.
func (l *Leg) publishOut() {
	l.outMu.Lock()
	defer l.outMu.Unlock()
	to := l.remote.Load()
	if l.gone.Load() || l.txc == nil || to == nil {
		l.out.Store(nil)
		return
	}
	l.out.Store(&legOut{tx: l.txc, slotTx: l.slotTx, to: to.addr, tcp: to.tcp})
}

func (l *Leg) signalEnd(reason error) {
	select {
	case l.ended <- reason:
	default:
	}
}

// start runs the DTLS handshake and then watches the connection until the
// client closes it or the leg ends. It runs as the leg's only goroutine.
func (l *Leg) start() {
	l.mu.Lock()
	if l.closing {
		l.mu.Unlock()
		return
	}
	ctx, cancel := context.WithCancel(l.sfu.ctx)
	l.hsCancel = cancel
	l.workers.Add(1)
	l.mu.Unlock()
	go func() {
		defer l.workers.Done()
		defer cancel()
		conn, err := l.handshake(ctx)
		if err != nil {
			if ctx.Err() == nil {
				l.log.Info("dtls handshake failed", "err", err)
				l.signalEnd(ErrPeerFailed)
			}
			return
		}
		l.watch(conn)
	}()
}

// handshake runs DTLS (this side is the server unless the offer was
// passive), checks the client's certificate against the offer's
// fingerprint and derives the SRTP contexts.
func (l *Leg) handshake(ctx context.Context) (*dtls.Conn, error) {
	s := l.sfu
	cfg := &dtls.Config{
		Certificates:           []tls.Certificate{s.identity.cert},
		SRTPProtectionProfiles: srtpProfiles,
		ExtendedMasterSecret:   dtls.RequestExtendedMasterSecret,
		ClientAuth:             dtls.RequireAnyClientCert,
		// Self-signed certificates: the offer's fingerprint is the check.
		InsecureSkipVerify:    true,
		VerifyPeerCertificate: l.verifyFingerprint,
		LoggerFactory:         s.pionLogs,
	}
	var (
		conn *dtls.Conn
		err  error
	)
	if l.offer.dtlsClient {
		conn, err = dtls.Client(l.dc, l.dc.RemoteAddr(), cfg)
	} else {
		conn, err = dtls.Server(l.dc, l.dc.RemoteAddr(), cfg)
	}
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	if l.closing {
		l.mu.Unlock()
		_ = conn.Close()
		return nil, ErrLegRemoved
	}
	l.conn = conn
	l.mu.Unlock()
	if err := conn.HandshakeContext(ctx); err != nil {
		return nil, err
	}
	if err := l.startSRTP(conn); err != nil {
		return nil, err
	}
	// Consent is counted from here: the ICE check that opened the path
	// came before the handshake, which may have taken a while.
	l.consent(time.Now())
	l.connectedOnce.Do(func() { close(l.connected) })
	l.log.Info("leg connected", "srtp", l.SRTPProfile())
	return conn, nil
}

func (l *Leg) verifyFingerprint(raw [][]byte, _ [][]*x509.Certificate) error {
	if len(raw) == 0 {
		return errFingerprint
	}
	for _, fp := range l.offer.fingerprints {
		h := fp.hash.New()
		h.Write(raw[0])
		if subtle.ConstantTimeCompare(h.Sum(nil), fp.sum) == 1 {
			return nil
		}
	}
	return errFingerprint
}

// startSRTP derives the leg's SRTP contexts from the DTLS exporter (RFC
// 5764).
func (l *Leg) startSRTP(conn *dtls.Conn) error {
	dp, ok := conn.SelectedSRTPProtectionProfile()
	if !ok {
		return errNoSRTPProfile
	}
	profile, name, err := srtpProfileOf(dp)
	if err != nil {
		return err
	}
	state, ok := conn.ConnectionState()
	if !ok {
		return errNoSRTPProfile
	}
	cfg := srtp.Config{Profile: profile}
	if err := cfg.ExtractSessionKeysFromDTLS(&state, l.offer.dtlsClient); err != nil {
		return fmt.Errorf("srtp keys: %w", err)
	}
	tx, err := srtp.CreateContext(cfg.Keys.LocalMasterKey, cfg.Keys.LocalMasterSalt, profile)
	if err != nil {
		return fmt.Errorf("srtp tx: %w", err)
	}
	rx, err := srtp.CreateContext(cfg.Keys.RemoteMasterKey, cfg.Keys.RemoteMasterSalt, profile, srtpReceiveOptions()...)
	if err != nil {
		return fmt.Errorf("srtp rx: %w", err)
	}
	// Each slot's stream gets its own context: SRTP state is per SSRC
	// anyway (RFC 3711 section 3.2.3), the IV includes the SSRC, and
	// SRTCP uses only tx, so sharing the master key is safe.
	slotTx := make([]*txContext, len(l.slots))
	for i := range slotTx {
		c, err := srtp.CreateContext(cfg.Keys.LocalMasterKey, cfg.Keys.LocalMasterSalt, profile)
		if err != nil {
			return fmt.Errorf("srtp slot %d tx: %w", i, err)
		}
		slotTx[i] = &txContext{ctx: c}
	}
	l.profile.Store(&name)
	l.rx.Store(rx)
	l.outMu.Lock()
	l.txc = &txContext{ctx: tx}
	l.slotTx = slotTx
	l.outMu.Unlock()
	l.publishOut()
	return nil
}

// watch reads the DTLS connection until it ends: a close_notify from the
// client is a hang-up, anything else while the leg lives is a failure.
func (l *Leg) watch(conn *dtls.Conn) {
	buf := make([]byte, packetSize)
	for {
		if _, err := conn.Read(buf); err != nil {
			if l.gone.Load() {
				return
			}
			if errors.Is(err, io.EOF) {
				l.signalEnd(ErrPeerClosed)
			} else {
				l.log.Debug("dtls read", "err", err)
				l.signalEnd(ErrPeerFailed)
			}
			return
		}
		// Application data over DTLS (a data channel) is not used: dropped.
	}
}

// supervise closes the leg on connect timeout or when its transport fails
// or closes. It runs from attach until the leg is done.
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
// or from it), then the transport and its goroutine, then OnClosed in its
// own goroutine. Concurrent callers wait until it is done; the first
// reason wins.
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
	l.stopTransport()
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
	l.stopTransport()
	close(l.done)
}

// stopTransport tells the client (DTLS close_notify, if the handshake was
// done), forgets the leg's ufrag and paths, and waits for its goroutine.
func (l *Leg) stopTransport() {
	l.gone.Store(true)
	l.publishOut() // nothing is sent to a leg that is gone
	l.sfu.forgetUfrag(l)
	l.mu.Lock()
	conn, cancel, tcps := l.conn, l.hsCancel, l.tcpConns
	l.tcpConns = nil
	l.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	if conn != nil {
		l.closeConn.Do(func() { _ = conn.Close() })
	}
	_ = l.dc.Close()
	l.workers.Wait()
	// After close_notify went into their queues: the writers send what is
	// queued before the connections close.
	for _, c := range tcps {
		c.closeAfterFlush()
	}
}

// addTCP binds an ICE-TCP connection to the leg, so that it is closed with
// it; false if the leg is closing or has maxTCPPerLeg connections already.
func (l *Leg) addTCP(c *tcpConn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closing || len(l.tcpConns) >= maxTCPPerLeg {
		return false
	}
	l.tcpConns = append(l.tcpConns, c)
	return true
}

// removeTCP forgets a connection that ended.
func (l *Leg) removeTCP(c *tcpConn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, have := range l.tcpConns {
		if have == c {
			l.tcpConns = append(l.tcpConns[:i], l.tcpConns[i+1:]...)
			return
		}
	}
}
