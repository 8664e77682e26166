package leanrtc

import (
	"context"
	"io"
	"log/slog"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/earshot/earshot/media"
	"github.com/earshot/earshot/media/mediatest"
)

// tagSource sends mediatest payloads with a speaker tag.
type tagSource struct {
	tag string
	seq uint32
}

func (s *tagSource) Next(dst []byte, now time.Time) []byte {
	s.seq++
	return mediatest.EncodePayload(dst, s.tag, s.seq, now)
}

// heard counts what one endpoint received, per speaker tag.
type heard struct {
	mu  sync.Mutex
	got map[string]int
}

func (h *heard) onPacket(p *rtp.Packet, _ time.Time) {
	sp, _, _, ok := mediatest.DecodePayload(p.Payload)
	if !ok {
		sp = "?"
	}
	h.mu.Lock()
	h.got[sp]++
	h.mu.Unlock()
}

func (h *heard) count(sp string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.got[sp]
}

// TestEndpointsThroughSFU connects two endpoints to a real Earshot SFU,
// routes each to the other and checks both hear the other's tag only.
func TestEndpointsThroughSFU(t *testing.T) {
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sfu, err := media.New(media.Params{
		Config: media.Config{ListenIP: "127.0.0.1"},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sfu.Close() }()
	stack, err := NewStack(StackParams{})
	if err != nil {
		t.Fatal(err)
	}
	hub, err := NewHub(HubParams{Stack: stack})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = hub.Close() }()
	g := sfu.NewGroup("g")
	pacer := NewPacer(PacerParams{Hub: hub})
	pctx, pstop := context.WithCancel(ctx)
	pacerDone := make(chan struct{})
	go func() { defer close(pacerDone); pacer.Run(pctx) }()

	names := []string{"alice", "bob"}
	eps := make([]*Endpoint, 2)
	hs := make([]*heard, 2)
	for i, name := range names {
		hs[i] = &heard{got: map[string]int{}}
		ep, err := hub.NewEndpoint(Params{OnPacket: hs[i].onPacket})
		if err != nil {
			t.Fatal(err)
		}
		eps[i] = ep
		leg, err := g.AddLeg(ctx, media.LegParams{ID: media.LegID(name), Offer: ep.Offer()})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := ep.Connect(ctx, leg.Answer()); err != nil {
			t.Fatalf("%s connect: %v", name, err)
		}
		pacer.Add(ep, &tagSource{tag: name})
	}
	if err := g.SetRoutes([]media.Route{{Listener: "alice", Speaker: "bob"}, {Listener: "bob", Speaker: "alice"}}); err != nil {
		t.Fatal(err)
	}
	for i, name := range names {
		other := names[1-i]
		for hs[i].count(other) < 50 {
			select {
			case <-ctx.Done():
				t.Fatalf("%s heard %d packets of %s (stats %+v)", name, hs[i].count(other), other, eps[i].Stats())
			case <-time.After(10 * time.Millisecond): // poll interval
			}
		}
		if n := hs[i].count(name) + hs[i].count("?"); n != 0 {
			t.Fatalf("%s heard %d packets of itself or unknown", name, n)
		}
		if p := eps[i].Profile(); p != "SRTP_AEAD_AES_128_GCM" {
			t.Fatalf("%s: srtp profile %q: the SFU, DTLS server, must pick AES-GCM over this client's preference", name, p)
		}
	}
	t.Logf("profile %s, pacer sent %d, errors %d", eps[0].Profile(), pacer.Sent(), pacer.Errors())

	t.Run("close ends the legs", func(t *testing.T) {
		for _, ep := range eps {
			if err := ep.Close(); err != nil {
				t.Fatal(err)
			}
			_ = ep.Close() // idempotent
		}
		for sfu.Stats().Legs != 0 {
			select {
			case <-ctx.Done():
				t.Fatalf("%d legs left after the endpoints closed", sfu.Stats().Legs)
			case <-time.After(10 * time.Millisecond): // poll interval
			}
		}
	})
	pstop()
	<-pacerDone
	g.Close()
	_ = sfu.Close()
	if err := hub.Close(); err != nil {
		t.Fatal(err)
	}
	waitGoroutines(t, before)
}

// waitGoroutines waits until the goroutine count is back near n.
func waitGoroutines(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for runtime.NumGoroutine() > n+2 {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("goroutines: %d, want <= %d\n%s", runtime.NumGoroutine(), n+2, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond) // polling interval, not synchronization
	}
}

// TestHubAddresses checks the endpoints' loopback addresses: distinct,
// never .0 or .255, recycled after Close, and refused once the hub is full.
func TestHubAddresses(t *testing.T) {
	stack, err := NewStack(StackParams{})
	if err != nil {
		t.Fatal(err)
	}
	hub, err := NewHub(HubParams{Stack: stack, MaxEndpoints: 300})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = hub.Close() }()
	seen := map[string]bool{}
	var eps []*Endpoint
	for {
		ep, err := hub.NewEndpoint(Params{})
		if err != nil {
			break
		}
		eps = append(eps, ep)
		a := ep.Local().Addr().As4()
		if a[3] == 0 || a[3] == 255 || a[0] != 127 {
			t.Fatalf("address %s", ep.Local())
		}
		if seen[ep.Local().String()] {
			t.Fatalf("address %s given twice", ep.Local())
		}
		seen[ep.Local().String()] = true
	}
	if len(eps) < 290 || len(eps) > 300 {
		t.Fatalf("%d endpoints from a hub of 300", len(eps))
	}
	if err := eps[7].Close(); err != nil {
		t.Fatal(err)
	}
	ep, err := hub.NewEndpoint(Params{})
	if err != nil || ep.Local() != eps[7].Local() {
		t.Fatalf("freed address not reused: %v %v", ep, err)
	}
	if err := hub.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := hub.NewEndpoint(Params{}); err == nil {
		t.Fatal("endpoint from a closed hub")
	}
}
