package media

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/earshot/earshot/media/mediatest"
)

// routesMention reports whether a group's routing still refers to id: in
// the route list, in any slot table, or through a destination slot owned by
// the leg.
func routesMention(g *Group, l *Leg) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, r := range g.routes {
		if r.Listener == l.id || r.Speaker == l.id {
			return fmt.Errorf("route %v remains", r)
		}
	}
	for id, table := range g.tables {
		if id == l.id || slices.Contains(table, l.id) {
			return fmt.Errorf("slot table of %s mentions %s: %q", id, l.id, table)
		}
	}
	for id, other := range g.legs {
		if d := other.recv.dest.Load(); d != nil {
			for _, s := range d.slots {
				if slices.Contains(l.slots, s) {
					return fmt.Errorf("%s still forwards to %s", id, l.id)
				}
			}
		}
	}
	if l.recv.dest.Load() != nil {
		return fmt.Errorf("%s still has destinations", l.id)
	}
	return nil
}

func TestLegEnds(t *testing.T) {
	s := newTestSFU(t, testConfig())
	log := newClosedLog()

	t.Run("client hangs up", func(t *testing.T) {
		g := s.NewGroup("hangup")
		clients := map[LegID]*mediatest.Client{}
		legs := map[LegID]*Leg{}
		for _, id := range []LegID{"A", "B", "C"} {
			clients[id] = newTestClient(t, string(id), 3)
			legs[id] = join(t, g, id, clients[id], log)
			clients[id].StartSending()
		}
		if err := g.SetRoutes([]Route{{"A", "B"}, {"B", "A"}, {"C", "A"}, {"C", "B"}, {"B", "C"}}); err != nil {
			t.Fatal(err)
		}
		waitMore(t, clients["A"], "B", 5)
		if err := clients["B"].Close(); err != nil {
			t.Fatal(err)
		}
		log.wait(t, "B", ErrPeerClosed, flowDeadline)
		if err := routesMention(g, legs["B"]); err != nil {
			t.Fatal(err)
		}
		if _, ok := g.Leg("B"); ok {
			t.Fatal("B still in the group")
		}
		// The rest of the routing stays: C still hears A.
		waitMore(t, clients["C"], "A", 5)
		if err := g.SetRoutes([]Route{{"A", "B"}}); !errors.Is(err, ErrUnknownLeg) {
			t.Fatalf("routing to a closed leg: %v", err)
		}
	})

	t.Run("RemoveLeg", func(t *testing.T) {
		g := s.NewGroup("remove")
		a, b := newTestClient(t, "RA", 3), newTestClient(t, "RB", 3)
		la := join(t, g, "RA", a, log)
		join(t, g, "RB", b, log)
		if err := g.SetRoutes([]Route{{"RA", "RB"}, {"RB", "RA"}}); err != nil {
			t.Fatal(err)
		}
		if err := g.RemoveLeg("RA"); err != nil {
			t.Fatal(err)
		}
		select {
		case <-la.Done():
		default:
			t.Fatal("RemoveLeg returned before the leg was done")
		}
		log.wait(t, "RA", ErrLegRemoved, flowDeadline)
		if err := routesMention(g, la); err != nil {
			t.Fatal(err)
		}
		if err := g.RemoveLeg("RA"); !errors.Is(err, ErrUnknownLeg) {
			t.Fatalf("second RemoveLeg: %v", err)
		}
		// The client notices the hang-up.
		eventually(t, flowDeadline, "client sees the close", func() error {
			if st := a.ConnectionState().String(); st != "closed" && st != "failed" {
				return fmt.Errorf("client state %s", st)
			}
			return nil
		})
	})

	t.Run("Group.Close", func(t *testing.T) {
		g := s.NewGroup("close")
		for _, id := range []LegID{"GA", "GB"} {
			join(t, g, id, newTestClient(t, string(id), 3), log)
		}
		g.Close()
		log.wait(t, "GA", ErrGroupClosed, flowDeadline)
		log.wait(t, "GB", ErrGroupClosed, flowDeadline)
		ctx, cancel := context.WithTimeout(context.Background(), connectDeadline)
		defer cancel()
		if _, err := g.AddLeg(ctx, LegParams{ID: "late", Offer: offerOf(t, 3)}); !errors.Is(err, ErrGroupClosed) {
			t.Fatalf("AddLeg on closed group: %v", err)
		}
		if err := g.SetRoutes(nil); !errors.Is(err, ErrGroupClosed) {
			t.Fatalf("SetRoutes on closed group: %v", err)
		}
		g.Close() // idempotent
	})

	t.Run("connect timeout", func(t *testing.T) {
		cfg := testConfig()
		cfg.ConnectTimeout = 500 * time.Millisecond
		s2 := newTestSFU(t, cfg)
		ctx, cancel := context.WithTimeout(context.Background(), connectDeadline)
		defer cancel()
		// The client never gets the answer, so it never connects.
		if _, err := s2.NewGroup("timeout").AddLeg(ctx, LegParams{ID: "T", Offer: offerOf(t, 3), OnClosed: log.onClosed}); err != nil {
			t.Fatal(err)
		}
		log.wait(t, "T", ErrConnectTimeout, flowDeadline)
		eventually(t, flowDeadline, "leg count", func() error {
			if n := s2.Stats().Legs; n != 0 {
				return fmt.Errorf("%d legs", n)
			}
			return nil
		})
	})

	// SFU.Close waits for OnClosed callbacks, so the counts are final.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	log.mu.Lock()
	defer log.mu.Unlock()
	for id, n := range log.calls {
		if n != 1 {
			t.Errorf("OnClosed(%s) called %d times", id, n)
		}
	}
	if len(log.calls) != 8 {
		t.Errorf("OnClosed calls for %d legs, want 8: %v", len(log.calls), log.calls)
	}
}

// TestSFUClose: every leg's OnClosed fires once with ErrSFUClosed, no
// goroutine is left behind, and the UDP port is free again.
func TestSFUClose(t *testing.T) {
	base := runtime.NumGoroutine()
	s, err := New(Params{Config: testConfig(), Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	port := s.UDPAddr().(*net.UDPAddr).Port
	log := newClosedLog()
	g := s.NewGroup("all")
	var clients []*mediatest.Client
	for _, id := range []LegID{"A", "B", "C"} {
		c, err := mediatest.NewClient(mediatest.ClientParams{Speaker: string(id)})
		if err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
		join(t, g, id, c, log)
		c.StartSending()
	}
	if err := g.SetRoutes([]Route{{"A", "B"}, {"B", "A"}, {"C", "A"}}); err != nil {
		t.Fatal(err)
	}
	waitMore(t, clients[2], "A", 10)

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, id := range []LegID{"A", "B", "C"} {
		if n := log.count(id); n != 1 {
			t.Errorf("OnClosed(%s) called %d times", id, n)
		}
		log.wait(t, id, ErrSFUClosed, 0)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
	// A subtest, so that the offering client is closed before counting
	// goroutines.
	t.Run("AddLeg after Close", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), connectDeadline)
		defer cancel()
		offer := offerOf(t, 3)
		if _, err := g.AddLeg(ctx, LegParams{ID: "late", Offer: offer}); !errors.Is(err, ErrSFUClosed) {
			t.Fatalf("AddLeg on a closed SFU's group: %v", err)
		}
		if _, err := s.NewGroup("late").AddLeg(ctx, LegParams{ID: "late", Offer: offer}); !errors.Is(err, ErrSFUClosed) {
			t.Fatalf("AddLeg on a group made after Close: %v", err)
		}
	})

	for _, c := range clients {
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
	waitGoroutines(t, base, 20*time.Second)

	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
	if err != nil {
		t.Fatalf("port %d not released: %v", port, err)
	}
	_ = conn.Close()
}

// candidatePorts returns the port of every a=candidate line of an SDP.
func candidatePorts(t *testing.T, sdp string) (ports []int, addrs []string) {
	t.Helper()
	for _, line := range strings.Split(sdp, "\r\n") {
		if !strings.HasPrefix(line, "a=candidate:") {
			continue
		}
		// foundation component transport priority address port typ ...
		f := strings.Fields(line)
		if len(f) < 8 {
			t.Fatalf("short candidate %q", line)
		}
		p, err := strconv.Atoi(f[5])
		if err != nil {
			t.Fatalf("candidate port in %q: %v", line, err)
		}
		ports = append(ports, p)
		addrs = append(addrs, f[4])
	}
	return ports, addrs
}

// TestSharedPort: every leg's answer offers only the one shared UDP port.
func TestSharedPort(t *testing.T) {
	free, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	fixed := free.LocalAddr().(*net.UDPAddr).Port
	_ = free.Close()

	for name, port := range map[string]int{"free port": 0, "configured port": fixed} {
		t.Run(name, func(t *testing.T) {
			cfg := testConfig()
			cfg.UDPPort = port
			s := newTestSFU(t, cfg)
			want := s.UDPAddr().(*net.UDPAddr).Port
			if port != 0 && want != port {
				t.Fatalf("listening on %d, configured %d", want, port)
			}
			g := s.NewGroup("port")
			for _, id := range []LegID{"A", "B", "C"} {
				l := join(t, g, id, newTestClient(t, string(id), 3), nil)
				ports, _ := candidatePorts(t, l.Answer())
				if len(ports) == 0 {
					t.Fatalf("%s: answer has no candidates", id)
				}
				for _, p := range ports {
					if p != want {
						t.Fatalf("%s: candidate port %d, shared port %d", id, p, want)
					}
				}
			}
		})
	}
}

// TestPublicIPs: with 1:1 NAT the answer advertises the public address
// instead of the local one.
func TestPublicIPs(t *testing.T) {
	cfg := testConfig()
	cfg.PublicIPs = []string{"203.0.113.7"}
	s := newTestSFU(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), connectDeadline)
	defer cancel()
	l, err := s.NewGroup("nat").AddLeg(ctx, LegParams{ID: "N", Offer: offerOf(t, 3)})
	if err != nil {
		t.Fatal(err)
	}
	ports, addrs := candidatePorts(t, l.Answer())
	if len(addrs) == 0 {
		t.Fatal("no candidates")
	}
	// UDP candidates on the UDP port, ICE-TCP ones on the TCP listener's
	// (the same number unless that was taken on TCP: the port is random).
	ours := map[int]bool{s.UDPAddr().(*net.UDPAddr).Port: true}
	if a := s.TCPAddr(); a != nil {
		ours[a.(*net.TCPAddr).Port] = true
	}
	for i, a := range addrs {
		if a != "203.0.113.7" || !ours[ports[i]] {
			t.Fatalf("candidate %s:%d", a, ports[i])
		}
	}
}

func TestConfig(t *testing.T) {
	bad := map[string]Config{
		"slots":      {Slots: -1},
		"too many":   {Slots: maxSlots + 1},
		"port":       {UDPPort: 70000},
		"listen ip":  {ListenIP: "nope"},
		"public ip":  {PublicIPs: []string{"1.2.3"}},
		"timeout":    {ConnectTimeout: -time.Second},
		"shards":     {Shards: -1},
		"shards max": {Shards: maxShards + 1},
	}
	for name, cfg := range bad {
		t.Run(name, func(t *testing.T) {
			if _, err := New(Params{Config: cfg}); !errors.Is(err, ErrBadConfig) {
				t.Fatalf("got %v, want ErrBadConfig", err)
			}
		})
	}
	t.Run("zero config gets defaults", func(t *testing.T) {
		s := newTestSFU(t, Config{ListenIP: "127.0.0.1"})
		if got := s.Config(); got.Slots != DefaultSlots || got.ConnectTimeout != DefaultConnectTimeout || got.Shards != DefaultShards {
			t.Fatalf("config %+v", got)
		}
	})
}
