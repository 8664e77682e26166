package mediatest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/earshot/earshot/media/internal/pionlog"
)

// Errors returned by the test client.
var (
	// ErrBadParams is returned by NewClient for unusable ClientParams.
	ErrBadParams = errors.New("bad client params")
	// ErrClientFailed is returned by WaitConnected when the PeerConnection
	// failed or closed before connecting.
	ErrClientFailed = errors.New("client peer connection failed")
)

// DefaultSlots matches media.DefaultSlots: one sendrecv m-line and two
// recvonly ones.
const DefaultSlots = 3

// opusPayloadType is what the client offers for Opus; the SFU answers with
// the same.
const opusPayloadType = 111

// ClientParams configure NewClient.
type ClientParams struct {
	// Slots is the number of audio m-lines offered (the first sendrecv,
	// the rest recvonly). Default 3. Set it to something else to make a bad
	// offer on purpose.
	Slots int
	// Speaker is the tag written into every payload this client sends, so
	// receivers can tell whom they hear. 1..MaxSpeakerLen bytes.
	Speaker string
	// ListenIP is the only local address ICE uses; default "127.0.0.1", so
	// tests stay on loopback and gather a single candidate.
	ListenIP string
	// TCP makes the client gather ICE-TCP only, like a browser whose UDP
	// is blocked: it reaches the server's passive TCP candidates with
	// active TCP connections (RFC 6544) and never sends a UDP datagram.
	TCP bool
	// ConsentInterval is how often the connected client sends an ICE
	// consent check (pion's keepalive); 0 keeps pion's 2 s. Tests of
	// consent expiry shorten it together with the server's timeout.
	ConsentInterval time.Duration
	// Logger receives pion's logs; nil discards them.
	Logger *slog.Logger
}

// Client is a pion endpoint that behaves like an Earshot browser client:
// it offers the slot layout once, sends a synthetic microphone and counts
// what it hears per slot and per speaker. It never renegotiates, and it
// counts any sign of renegotiation so tests can assert there was none.
type Client struct {
	params       ClientParams
	pc           *webrtc.PeerConnection
	mic          *micTrack
	micSender    *webrtc.RTPSender
	transceivers []*webrtc.RTPTransceiver

	connected     chan struct{}
	connectedOnce sync.Once
	failed        chan struct{}
	failedOnce    sync.Once

	answered       atomic.Bool
	renegotiations atomic.Uint64

	sender sender

	mu       sync.Mutex // guards the fields below
	closed   bool
	received map[string]uint64
	// seqs logs the payload sequence number of every packet received, per
	// speaker, so tests can tell when each packet was sent.
	seqs    map[string][]uint32
	slots   []slotState
	rtcp    rtcpState
	workers sync.WaitGroup // readers and RTCP drains; Add only while !closed
}

// NewClient creates the PeerConnection with its transceivers: a sendrecv
// one carrying the synthetic microphone, then Slots-1 recvonly ones.
func NewClient(p ClientParams) (*Client, error) {
	if p.Slots == 0 {
		p.Slots = DefaultSlots
	}
	if p.ListenIP == "" {
		p.ListenIP = "127.0.0.1"
	}
	listen := net.ParseIP(p.ListenIP)
	switch {
	case p.Slots < 1:
		return nil, fmt.Errorf("slots %d: %w", p.Slots, ErrBadParams)
	case p.Speaker == "" || len(p.Speaker) > MaxSpeakerLen:
		return nil, fmt.Errorf("speaker %q must be 1..%d bytes: %w", p.Speaker, MaxSpeakerLen, ErrBadParams)
	case listen == nil:
		return nil, fmt.Errorf("listen ip %q: %w", p.ListenIP, ErrBadParams)
	case p.ConsentInterval < 0:
		return nil, fmt.Errorf("consent interval %s: %w", p.ConsentInterval, ErrBadParams)
	}

	api, err := newClientAPI(p, listen)
	if err != nil {
		return nil, err
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, fmt.Errorf("new client: %w", err)
	}
	c := &Client{
		params:    p,
		pc:        pc,
		connected: make(chan struct{}),
		failed:    make(chan struct{}),
		received:  make(map[string]uint64),
		seqs:      make(map[string][]uint32),
		slots:     make([]slotState, p.Slots),
	}
	c.sender.client = c
	pc.OnConnectionStateChange(c.onConnectionState)
	pc.OnTrack(c.onTrack)
	pc.OnNegotiationNeeded(func() {
		if c.answered.Load() {
			c.renegotiations.Add(1)
		}
	})
	pc.OnSignalingStateChange(func(s webrtc.SignalingState) {
		// A renegotiation always passes through a have-*-offer state; the
		// handler for the initial "stable" may run late, so stable is not
		// counted.
		if c.answered.Load() && s != webrtc.SignalingStateStable {
			c.renegotiations.Add(1)
		}
	})

	if err := c.addTransceivers(); err != nil {
		_ = pc.Close()
		return nil, fmt.Errorf("new client: %w", err)
	}
	return c, nil
}

func (c *Client) addTransceivers() error {
	opus, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{
		MimeType:    webrtc.MimeTypeOpus,
		ClockRate:   48000,
		Channels:    2,
		SDPFmtpLine: "minptime=10;useinbandfec=1",
	}, "mic", "mediatest-"+c.params.Speaker)
	if err != nil {
		return err
	}
	mic := &micTrack{TrackLocalStaticRTP: opus}
	tr, err := c.pc.AddTransceiverFromTrack(mic, webrtc.RTPTransceiverInit{
		Direction: webrtc.RTPTransceiverDirectionSendrecv,
	})
	if err != nil {
		return fmt.Errorf("mic transceiver: %w", err)
	}
	c.mic = mic
	c.micSender = tr.Sender()
	c.transceivers = append(c.transceivers, tr)
	for i := 1; i < c.params.Slots; i++ {
		tr, err := c.pc.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio, webrtc.RTPTransceiverInit{
			Direction: webrtc.RTPTransceiverDirectionRecvonly,
		})
		if err != nil {
			return fmt.Errorf("slot %d transceiver: %w", i, err)
		}
		c.transceivers = append(c.transceivers, tr)
	}

	// Read RTCP so pion's report interceptors run, buffers stay empty and
	// tests can see the SFU's reports.
	c.mu.Lock()
	defer c.mu.Unlock()
	readers := []interface {
		Read([]byte) (int, interceptor.Attributes, error)
	}{c.micSender}
	for _, tr := range c.transceivers {
		readers = append(readers, tr.Receiver())
	}
	for _, r := range readers {
		c.workers.Go(func() {
			buf := make([]byte, 1500)
			for {
				n, _, err := r.Read(buf)
				if err != nil {
					return
				}
				c.recordRTCP(buf[:n])
			}
		})
	}
	return nil
}

// newClientAPI mirrors the SFU's media setup (Opus with in-band FEC,
// telephone-event, the audio-level extension, RTCP reports) on one local
// address.
func newClientAPI(p ClientParams, listen net.IP) (*webrtc.API, error) {
	m := &webrtc.MediaEngine{}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType:    webrtc.MimeTypeOpus,
			ClockRate:   48000,
			Channels:    2,
			SDPFmtpLine: "minptime=10;useinbandfec=1",
		},
		PayloadType: opusPayloadType,
	}, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, fmt.Errorf("register opus: %w", err)
	}
	// RFC 4733 DTMF, offered as browsers do (SendDigits).
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: "audio/telephone-event", ClockRate: 48000, SDPFmtpLine: "0-15"},
		PayloadType:        dtmfPayloadType,
	}, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, fmt.Errorf("register telephone-event: %w", err)
	}
	if err := m.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: sdp.AudioLevelURI},
		webrtc.RTPCodecTypeAudio); err != nil {
		return nil, fmt.Errorf("register audio level: %w", err)
	}
	reg := &interceptor.Registry{}
	if err := webrtc.ConfigureRTCPReports(reg); err != nil {
		return nil, fmt.Errorf("rtcp reports: %w", err)
	}

	logger := p.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	se := webrtc.SettingEngine{LoggerFactory: pionlog.Factory{Logger: logger.With("client", p.Speaker)}}
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetIPFilter(func(ip net.IP) bool { return ip.Equal(listen) })
	if listen.IsLoopback() {
		se.SetIncludeLoopbackCandidate(true)
	}
	switch v4 := listen.To4() != nil; {
	case p.TCP && v4:
		se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeTCP4})
	case p.TCP:
		se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeTCP6})
	case v4:
		se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	default:
		se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP6})
	}
	if p.ConsentInterval > 0 {
		// pion's defaults for the other two.
		se.SetICETimeouts(5*time.Second, 25*time.Second, p.ConsentInterval)
	}
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(reg),
		webrtc.WithSettingEngine(se)), nil
}

// Offer creates the offer and returns it once ICE gathering is complete, so
// it carries all of the client's candidates.
func (c *Client) Offer(ctx context.Context) (string, error) {
	offer, err := c.pc.CreateOffer(nil)
	if err != nil {
		return "", fmt.Errorf("create offer: %w", err)
	}
	gathered := webrtc.GatheringCompletePromise(c.pc)
	if err := c.pc.SetLocalDescription(offer); err != nil {
		return "", fmt.Errorf("set local description: %w", err)
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		return "", fmt.Errorf("gathering: %w", ctx.Err())
	}
	return c.pc.LocalDescription().SDP, nil
}

// SetAnswer applies the SFU's answer. From then on any negotiation event
// counts as a renegotiation.
func (c *Client) SetAnswer(answer string) error {
	if err := c.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		return fmt.Errorf("set answer: %w", err)
	}
	c.answered.Store(true)
	return nil
}

// WaitConnected waits until the PeerConnection is connected; it fails
// early if the connection fails or closes first.
func (c *Client) WaitConnected(ctx context.Context) error {
	select {
	case <-c.connected:
		return nil
	case <-c.failed:
		return ErrClientFailed
	case <-ctx.Done():
		return fmt.Errorf("wait connected (%s): %w", c.pc.ConnectionState(), ctx.Err())
	}
}

// Renegotiations counts negotiation-needed events and non-stable signaling
// states seen after SetAnswer. Earshot never renegotiates: tests assert 0.
func (c *Client) Renegotiations() uint64 { return c.renegotiations.Load() }

// ConnectionState returns the PeerConnection's state.
func (c *Client) ConnectionState() webrtc.PeerConnectionState { return c.pc.ConnectionState() }

func (c *Client) onConnectionState(s webrtc.PeerConnectionState) {
	switch s {
	case webrtc.PeerConnectionStateConnected:
		c.connectedOnce.Do(func() { close(c.connected) })
	case webrtc.PeerConnectionStateFailed, webrtc.PeerConnectionStateClosed:
		c.failedOnce.Do(func() { close(c.failed) })
	}
}

// Close stops sending, closes the PeerConnection (the SFU sees a DTLS
// close_notify, i.e. a hang-up) and waits for the client's goroutines.
func (c *Client) Close() error {
	c.StopSending()
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	err := c.pc.GracefulClose()
	c.workers.Wait()
	if err != nil {
		return fmt.Errorf("close client: %w", err)
	}
	return nil
}
