package leanrtc

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"math/big"
	mrand "math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/dtls/v3"
	"github.com/pion/logging"
	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
	"github.com/pion/stun/v4"

	"github.com/earshot/earshot/internal/dtlsconn"
)

// Timing of the ICE checks: a retransmission every checkInterval at first,
// backing off to maxCheckInterval, as long as Connect's context allows.
const (
	checkInterval    = 50 * time.Millisecond
	maxCheckInterval = 500 * time.Millisecond
	// consentInterval is how often a connected endpoint renews ICE consent
	// (RFC 7675), as browsers do: the server closes a leg whose checks
	// stop (media alone does not count).
	consentInterval = 5 * time.Second
	// readBufferSize holds any packet on a 1500-byte MTU path.
	readBufferSize = 1500
	// DefaultSlots matches Earshot's default slot layout.
	DefaultSlots = 3
)

// Params configures Hub.NewEndpoint.
type Params struct {
	// Slots is the number of audio m-lines offered (default 3).
	Slots int
	// OnPacket is called on the hub's reader goroutine for every RTP
	// packet the endpoint receives. It must be quick and must not keep pkt
	// or its payload: both are reused for the next packet.
	OnPacket func(pkt *rtp.Packet, at time.Time)
}

// txState is what the Pacer needs to send; set once when SRTP is ready.
type txState struct {
	ctx          *srtp.Context
	remote       netip.AddrPort
	audioLevelID uint8
}

// Endpoint is one leg: one loopback address on the hub, one offer, one
// connection.
type Endpoint struct {
	hub      *Hub
	idx      int
	local    netip.AddrPort
	slots    int
	onPacket func(*rtp.Packet, time.Time)

	ufrag, pwd string
	ssrc       uint32
	tieBreaker uint64
	offer      string

	tid     [stun.TransactionIDSize]byte
	iceOK   chan struct{}
	iceOnce sync.Once

	dc      atomic.Pointer[dtlsconn.Conn]
	rx      atomic.Pointer[srtp.Context] // used by the hub's reader only
	tx      atomic.Pointer[txState]
	profile atomic.Value // string

	// RTP state of the microphone, touched by the Pacer goroutine only.
	rtpSeq   uint16
	rtpTS    uint32
	started  bool
	sendPkt  rtp.Packet
	levelBuf [1]byte

	mu      sync.Mutex
	closed  bool
	conn    *dtls.Conn
	consent *time.Timer // the next consent check, once connected

	received, undecryptable, early atomic.Uint64
}

// NewEndpoint gives a new leg its loopback address and offer.
func (h *Hub) NewEndpoint(p Params) (*Endpoint, error) {
	if p.Slots == 0 {
		p.Slots = DefaultSlots
	}
	e := &Endpoint{
		hub:        h,
		slots:      p.Slots,
		onPacket:   p.OnPacket,
		ufrag:      randomString(8),
		pwd:        randomString(24),
		ssrc:       mrand.Uint32() | 1,
		tieBreaker: mrand.Uint64(),
		tid:        stun.NewTransactionID(),
		iceOK:      make(chan struct{}),
		rtpSeq:     uint16(mrand.Uint32()),
		rtpTS:      mrand.Uint32(),
	}
	if e.onPacket == nil {
		e.onPacket = func(*rtp.Packet, time.Time) {}
	}
	e.profile.Store("")
	local, idx, err := h.add(e)
	if err != nil {
		return nil, fmt.Errorf("new endpoint: %w", err)
	}
	e.local, e.idx = local, idx
	e.offer = buildOffer(offerParams{
		ufrag: e.ufrag, pwd: e.pwd, fingerprint: h.stack.fingerprint,
		ssrc: e.ssrc, cname: "lt" + e.ufrag, addr: e.local, slots: p.Slots,
	})
	return e, nil
}

// Offer returns the SDP offer (complete, non-trickle).
func (e *Endpoint) Offer() string { return e.offer }

// Local is the endpoint's address: the path the server sees.
func (e *Endpoint) Local() netip.AddrPort { return e.local }

// Profile is the negotiated SRTP protection profile ("" before Connect
// succeeded), e.g. "SRTP_AEAD_AES_128_GCM".
func (e *Endpoint) Profile() string { return e.profile.Load().(string) }

// Ready reports whether SRTP is set up (media can flow both ways).
func (e *Endpoint) Ready() bool { return e.tx.Load() != nil }

// Stats are an endpoint's receive counters.
type Stats struct {
	// Received counts RTP packets decrypted and handed to OnPacket.
	Received uint64
	// Undecryptable counts SRTP packets that failed to decrypt.
	Undecryptable uint64
	// Early counts RTP packets that arrived before SRTP was ready.
	Early uint64
}

// Stats returns the endpoint's counters.
func (e *Endpoint) Stats() Stats {
	return Stats{Received: e.received.Load(), Undecryptable: e.undecryptable.Load(), Early: e.early.Load()}
}

// Connect applies the server's answer and returns once ICE, DTLS and SRTP
// are up. ctx bounds the whole setup.
func (e *Endpoint) Connect(ctx context.Context, answerSDP string) error {
	a, err := parseAnswer(answerSDP)
	if err != nil {
		return err
	}
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return ErrClosed
	}
	dc := newDTLSConn(e, a.candidate)
	e.dc.Store(dc)
	e.mu.Unlock()

	if err := e.checkICE(ctx, a); err != nil {
		return err
	}
	conn, err := e.handshake(ctx, dc, a)
	if err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		_ = conn.Close()
		return ErrClosed
	}
	e.conn = conn
	if err := e.startSRTP(conn, a); err != nil {
		return err
	}
	e.consent = time.AfterFunc(consentInterval, func() { e.checkConsent(a) })
	return nil
}

// checkConsent sends one consent check (a binding request with its own
// transaction) and schedules the next, until Close. It runs on a timer,
// not a goroutine per endpoint.
func (e *Endpoint) checkConsent(a answer) {
	if req, err := bindingRequest(stun.NewTransactionID(), a, e.ufrag, e.tieBreaker); err == nil {
		_, _ = e.hub.writeFrom(e.local.Addr(), req, a.candidate)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.closed {
		e.consent.Reset(consentInterval)
	}
}

// checkICE sends USE-CANDIDATE checks until one is answered.
func (e *Endpoint) checkICE(ctx context.Context, a answer) error {
	req, err := bindingRequest(e.tid, a, e.ufrag, e.tieBreaker)
	if err != nil {
		return err
	}
	interval := checkInterval
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-e.iceOK:
			return nil
		case <-ctx.Done():
			return fmt.Errorf("%w: %v", ErrICETimeout, ctx.Err())
		case <-timer.C:
			if _, err := e.hub.writeFrom(e.local.Addr(), req, a.candidate); err != nil && errors.Is(err, net.ErrClosed) {
				return ErrClosed
			}
			timer.Reset(interval)
			interval = min(2*interval, maxCheckInterval)
		}
	}
}

// handshake runs DTLS in the role the answer gave this client and checks
// the server's certificate against the answer's fingerprint.
func (e *Endpoint) handshake(ctx context.Context, dc *dtlsconn.Conn, a answer) (*dtls.Conn, error) {
	logs := logging.NewDefaultLoggerFactory()
	logs.DefaultLogLevel = logging.LogLevelDisabled
	cfg := &dtls.Config{
		Certificates:           []tls.Certificate{e.hub.stack.cert},
		SRTPProtectionProfiles: e.hub.stack.profiles,
		ExtendedMasterSecret:   dtls.RequireExtendedMasterSecret,
		ClientAuth:             dtls.RequireAnyClientCert,
		InsecureSkipVerify:     true, // self-signed; the fingerprint is the check
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			if len(raw) == 0 || fingerprintOf(raw[0]) != a.fingerprint {
				return ErrFingerprint
			}
			return nil
		},
		LoggerFactory: logs,
	}
	raddr := net.UDPAddrFromAddrPort(a.candidate)
	var (
		conn *dtls.Conn
		err  error
	)
	if a.role == roleClient {
		conn, err = dtls.Client(dc, raddr, cfg)
	} else {
		conn, err = dtls.Server(dc, raddr, cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("dtls: %w", err)
	}
	if err := conn.HandshakeContext(ctx); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("dtls handshake: %w", err)
	}
	return conn, nil
}

// startSRTP derives the SRTP keys from the DTLS exporter (RFC 5764).
// e.mu is held.
func (e *Endpoint) startSRTP(conn *dtls.Conn, a answer) error {
	dp, ok := conn.SelectedSRTPProtectionProfile()
	if !ok {
		return fmt.Errorf("srtp: %w", errUnknownProfile)
	}
	var profile srtp.ProtectionProfile
	var name string
	switch dp {
	case dtls.SRTP_AEAD_AES_128_GCM:
		profile, name = srtp.ProtectionProfileAeadAes128Gcm, "SRTP_AEAD_AES_128_GCM"
	case dtls.SRTP_AES128_CM_HMAC_SHA1_80:
		profile, name = srtp.ProtectionProfileAes128CmHmacSha1_80, "SRTP_AES128_CM_HMAC_SHA1_80"
	default:
		return fmt.Errorf("srtp profile %d: %w", dp, errUnknownProfile)
	}
	state, ok := conn.ConnectionState()
	if !ok {
		return fmt.Errorf("srtp: no dtls state")
	}
	cfg := srtp.Config{Profile: profile}
	if err := cfg.ExtractSessionKeysFromDTLS(&state, a.role == roleClient); err != nil {
		return fmt.Errorf("srtp keys: %w", err)
	}
	tx, err := srtp.CreateContext(cfg.Keys.LocalMasterKey, cfg.Keys.LocalMasterSalt, profile)
	if err != nil {
		return fmt.Errorf("srtp tx: %w", err)
	}
	// No replay protection: a packet the server duplicated must reach the
	// caller so that it can be counted, not be dropped silently here.
	rx, err := srtp.CreateContext(cfg.Keys.RemoteMasterKey, cfg.Keys.RemoteMasterSalt, profile, srtp.SRTPNoReplayProtection())
	if err != nil {
		return fmt.Errorf("srtp rx: %w", err)
	}
	e.profile.Store(name)
	e.rx.Store(rx)
	e.tx.Store(&txState{ctx: tx, remote: a.candidate, audioLevelID: a.audioLevelID})
	return nil
}

// handle demultiplexes one datagram (RFC 7983) on the hub's reader
// goroutine; hdr, pkt and dec are the reader's scratch.
func (e *Endpoint) handle(b []byte, from netip.AddrPort, now time.Time, hdr *rtp.Header, pkt *rtp.Packet, dec []byte) {
	switch {
	case len(b) == 0:
	case b[0] < 4:
		e.handleSTUN(b, from)
	case b[0] >= 20 && b[0] <= 63:
		if dc := e.dc.Load(); dc != nil {
			dc.Deliver(b)
		}
	case b[0] >= 128 && b[0] <= 191:
		if len(b) < 12 || (b[1] >= 192 && b[1] <= 223) {
			return // RTCP: the server's reports are not needed
		}
		rx := e.rx.Load()
		if rx == nil {
			e.early.Add(1)
			return
		}
		out, err := rx.DecryptRTP(dec, b, hdr)
		if err != nil || pkt.Unmarshal(out) != nil {
			e.undecryptable.Add(1)
			return
		}
		e.received.Add(1)
		e.onPacket(pkt, now)
	}
}

func (e *Endpoint) handleSTUN(b []byte, from netip.AddrPort) {
	m := &stun.Message{Raw: append([]byte(nil), b...)}
	if err := m.Decode(); err != nil {
		return
	}
	switch m.Type {
	case stun.BindingRequest:
		if resp, err := bindingSuccess(m, from, e.pwd); err == nil {
			_, _ = e.hub.writeFrom(e.local.Addr(), resp, from)
		}
	case stun.BindingSuccess:
		if m.TransactionID == e.tid {
			e.iceOnce.Do(func() { close(e.iceOK) })
		}
	}
}

// encrypt builds and encrypts the next microphone packet into dst and
// returns it with its destination. Pacer goroutine only.
func (e *Endpoint) encrypt(payload, dst []byte, s *scratch) ([]byte, netip.AddrPort, error) {
	tx := e.tx.Load()
	if tx == nil {
		return nil, netip.AddrPort{}, errNotReady
	}
	e.rtpSeq++
	e.rtpTS += opusFrameTicks
	p := &e.sendPkt
	p.Header = rtp.Header{
		Version:        2,
		Marker:         !e.started,
		PayloadType:    opusPayloadType,
		SequenceNumber: e.rtpSeq,
		Timestamp:      e.rtpTS,
		SSRC:           e.ssrc,
		Extensions:     p.Header.Extensions[:0],
	}
	e.started = true
	if tx.audioLevelID != 0 {
		e.levelBuf[0] = 0x80 | 30 // voice, -30 dBov
		_ = p.Header.SetExtension(tx.audioLevelID, e.levelBuf[:])
	}
	p.Payload = payload
	n, err := p.MarshalTo(s.plain[:])
	if err != nil {
		return nil, netip.AddrPort{}, fmt.Errorf("marshal rtp: %w", err)
	}
	out, err := tx.ctx.EncryptRTP(dst[:0], s.plain[:n], &s.hdr)
	if err != nil {
		return nil, netip.AddrPort{}, fmt.Errorf("encrypt rtp: %w", err)
	}
	return out, tx.remote, nil
}

// Close closes DTLS (the server sees a close_notify: a hang-up) and gives
// the endpoint's address back to the hub. Idempotent.
func (e *Endpoint) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	conn := e.conn
	if e.consent != nil {
		e.consent.Stop()
	}
	e.mu.Unlock()
	if conn != nil {
		_ = conn.Close()
	}
	if dc := e.dc.Load(); dc != nil {
		_ = dc.Close()
	}
	e.hub.remove(e.idx, e)
	return nil
}

// randomString returns n characters from the ICE alphabet.
func randomString(n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	max := big.NewInt(int64(len(alphabet)))
	for i := range b {
		v, err := rand.Int(rand.Reader, max)
		if err != nil {
			b[i] = alphabet[mrand.IntN(len(alphabet))]
			continue
		}
		b[i] = alphabet[v.Int64()]
	}
	return string(b)
}
