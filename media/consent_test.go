package media

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/earshot/earshot/media/mediatest"
)

// Consent timing of these tests: the server gives up after 2 s without a
// check; the clients check every 500 ms, so a healthy client has four
// chances per timeout even on a loaded machine.
const (
	testConsentTimeout  = 2 * time.Second
	testConsentInterval = 500 * time.Millisecond
)

func consentClient(t *testing.T, speaker string, tcp bool) *mediatest.Client {
	t.Helper()
	c, err := mediatest.NewClient(mediatest.ClientParams{Speaker: speaker, TCP: tcp, ConsentInterval: testConsentInterval})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// joinVia is join with the answer's candidates rewritten, so that the
// client reaches the SFU only through a relay.
func joinVia(t *testing.T, g *Group, id LegID, c *mediatest.Client, log *closedLog, rewrite func(string) (string, error)) *Leg {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), connectDeadline)
	defer cancel()
	offer, err := c.Offer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	l, err := g.AddLeg(ctx, LegParams{ID: id, Offer: offer, OnClosed: log.onClosed})
	if err != nil {
		t.Fatal(err)
	}
	answer, err := rewrite(l.Answer())
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetAnswer(answer); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitConnected(ctx); err != nil {
		t.Fatalf("%s: %v", id, err)
	}
	select {
	case <-l.Connected():
	case <-ctx.Done():
		t.Fatalf("%s leg not connected", id)
	}
	return l
}

// waitConsentExpiry waits for id's leg to fail for lack of consent and
// checks it happened within the bound: not long before the timeout (the
// last check precedes the block by up to a client interval, more if the
// machine is loaded; half the timeout shows it was not the block itself
// that ended the leg), and not much after it (one server check interval,
// plus room for a loaded machine).
func waitConsentExpiry(t *testing.T, log *closedLog, id LegID, blocked time.Time) {
	t.Helper()
	log.wait(t, id, ErrPeerFailed, flowDeadline)
	took := time.Since(blocked)
	log.mu.Lock()
	reason := log.reasons[id]
	log.mu.Unlock()
	if !strings.Contains(reason.Error(), "consent") {
		t.Fatalf("leg %s failed with %v, want a consent expiry", id, reason)
	}
	if low, high := testConsentTimeout/2, testConsentTimeout+4*time.Second; took < low || took > high {
		t.Fatalf("leg %s ended %s after its checks stopped, want %s..%s", id, took, low, high)
	}
	t.Logf("leg %s ended %s after its checks stopped", id, took.Round(time.Millisecond))
}

// TestConsentFreshnessUDP: with real pion clients on UDP, a client whose
// consent checks stop reaching the SFU is closed within the consent
// timeout — even while its media still arrives (consent is the client's
// authenticated checks, not traffic), and when its network freezes
// entirely — while clients that keep checking stay connected.
func TestConsentFreshnessUDP(t *testing.T) {
	cfg := testConfig()
	cfg.ConsentTimeout = testConsentTimeout
	s := newTestSFU(t, cfg)
	log := newClosedLog()
	g := s.NewGroup("consent")
	server := s.UDPAddr().(*net.UDPAddr).AddrPort()

	h, k := consentClient(t, "H", false), consentClient(t, "K", false)
	join(t, g, "H", h, log)
	join(t, g, "K", k, log)
	relays := map[LegID]*mediatest.UDPRelay{}
	legs := map[LegID]*Leg{}
	clients := map[LegID]*mediatest.Client{}
	for _, id := range []LegID{"M", "F"} { // M: media only; F: frozen
		r, err := mediatest.NewUDPRelay(server)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = r.Close() })
		c := consentClient(t, string(id), false)
		legs[id] = joinVia(t, g, id, c, log, func(a string) (string, error) {
			return mediatest.ViaPort(a, "udp", int(server.Port()), r.Port())
		})
		relays[id], clients[id] = r, c
	}
	if err := g.SetRoutes([]Route{{"H", "K"}, {"K", "H"}, {"H", "M"}, {"H", "F"}}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*mediatest.Client{h, k, clients["M"], clients["F"]} {
		c.StartSending()
	}
	waitMore(t, h, "M", 25) // every path works before the block
	waitMore(t, h, "F", 25)
	waitMore(t, h, "K", 25)

	blocked := time.Now()
	mediaBefore := legs["M"].Stats().Received
	relays["M"].Set(mediatest.RelayNoChecks)
	relays["F"].Set(mediatest.RelayNothing)
	waitConsentExpiry(t, log, "M", blocked)
	waitConsentExpiry(t, log, "F", blocked)
	// M's media kept arriving until the end: it did not keep M alive.
	if got := legs["M"].Stats().Received - mediaBefore; got < uint64(testConsentTimeout/(2*20*time.Millisecond)) {
		t.Fatalf("only %d packets from M after its checks stopped: the test did not show media without consent", got)
	}

	// H and K, checking all along, outlive three more consent timeouts.
	waitMore(t, h, "K", uint64(3*testConsentTimeout/(20*time.Millisecond)))
	if n := log.count("H") + log.count("K"); n != 0 {
		t.Fatalf("a leg that kept checking was closed: %v", log.reasons)
	}
}

// TestConsentFreshnessTCP: the same over ICE-TCP: a TCP-only client whose
// connection freezes (open, but nothing gets through) is closed within the
// consent timeout, and its connection with it.
func TestConsentFreshnessTCP(t *testing.T) {
	cfg := testConfig()
	cfg.ConsentTimeout = testConsentTimeout
	s := newTestSFU(t, cfg)
	log := newClosedLog()
	g := s.NewGroup("consent-tcp")
	relay, err := mediatest.NewTCPRelay(s.TCPAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = relay.Close() })

	u := consentClient(t, "U", false)
	join(t, g, "U", u, log)
	tc := consentClient(t, "T", true)
	tcpPort := s.TCPAddr().(*net.TCPAddr).Port
	leg := joinVia(t, g, "T", tc, log, func(a string) (string, error) {
		return mediatest.ViaPort(a, "tcp", tcpPort, relay.Port())
	})
	if r := leg.remote.Load(); r == nil || r.tcp == nil {
		t.Fatalf("path %+v, want ice-tcp", r)
	}
	if err := g.SetRoutes([]Route{{"U", "T"}, {"T", "U"}}); err != nil {
		t.Fatal(err)
	}
	u.StartSending()
	tc.StartSending()
	waitMore(t, u, "T", 25)
	waitMore(t, tc, "U", 25)
	// Several consent timeouts with checks flowing over TCP: still up.
	waitMore(t, u, "T", uint64(2*testConsentTimeout/(20*time.Millisecond)))
	if log.count("T") != 0 {
		t.Fatalf("checking TCP leg closed: %v", log.reasons)
	}

	blocked := time.Now()
	relay.Set(mediatest.RelayNothing)
	waitConsentExpiry(t, log, "T", blocked)
	eventually(t, flowDeadline, "the frozen leg's ice-tcp connection closed", func() error {
		if n := s.Stats().TCPConnections; n != 0 {
			return fmt.Errorf("%d ice-tcp connections open", n)
		}
		return nil
	})
	if log.count("U") != 0 {
		t.Fatal("the UDP leg was closed")
	}
}
