package media

import (
	"context"
	"errors"
	"maps"
	"slices"
	"testing"

	"github.com/pion/webrtc/v4"
)

// offerOf returns a mediatest client's offer without connecting it.
func offerOf(t *testing.T, slots int) string {
	t.Helper()
	c := newTestClient(t, "offerer", slots)
	ctx, cancel := context.WithTimeout(context.Background(), connectDeadline)
	defer cancel()
	offer, err := c.Offer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return offer
}

// pionOffer builds an offer with arbitrary transceivers using pion's
// default API (which also knows video).
func pionOffer(t *testing.T, lines ...struct {
	kind webrtc.RTPCodecType
	dir  webrtc.RTPTransceiverDirection
}) string {
	t.Helper()
	pc, err := webrtc.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	for _, l := range lines {
		if _, err := pc.AddTransceiverFromKind(l.kind, webrtc.RTPTransceiverInit{Direction: l.dir}); err != nil {
			t.Fatal(err)
		}
	}
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	return offer.SDP
}

type line = struct {
	kind webrtc.RTPCodecType
	dir  webrtc.RTPTransceiverDirection
}

var (
	audioSendrecv = line{webrtc.RTPCodecTypeAudio, webrtc.RTPTransceiverDirectionSendrecv}
	audioRecvonly = line{webrtc.RTPCodecTypeAudio, webrtc.RTPTransceiverDirectionRecvonly}
	videoRecvonly = line{webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverDirectionRecvonly}
)

func TestAddLegErrors(t *testing.T) {
	s := newTestSFU(t, testConfig())
	g := s.NewGroup("errors")
	ctx, cancel := context.WithTimeout(context.Background(), connectDeadline)
	defer cancel()
	good := offerOf(t, 3)

	bad := map[string]string{
		"2 m-lines when 3 expected": offerOf(t, 2),
		"video line":                pionOffer(t, audioSendrecv, videoRecvonly, audioRecvonly),
		"first line recvonly":       pionOffer(t, audioRecvonly, audioRecvonly, audioRecvonly),
		"not sdp":                   "v=0 nonsense",
	}
	for name, offer := range bad {
		t.Run(name, func(t *testing.T) {
			_, err := g.AddLeg(ctx, LegParams{ID: LegID(name), Offer: offer})
			if !errors.Is(err, ErrBadOffer) {
				t.Fatalf("got %v, want ErrBadOffer", err)
			}
			t.Log(err)
		})
	}

	t.Run("duplicate id", func(t *testing.T) {
		if _, err := g.AddLeg(ctx, LegParams{ID: "dup", Offer: good}); err != nil {
			t.Fatal(err)
		}
		if _, err := g.AddLeg(ctx, LegParams{ID: "dup", Offer: good}); !errors.Is(err, ErrLegExists) {
			t.Fatalf("got %v, want ErrLegExists", err)
		}
		// The same ID in another group is fine.
		if _, err := s.NewGroup("other").AddLeg(ctx, LegParams{ID: "dup", Offer: good}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("empty id", func(t *testing.T) {
		if _, err := g.AddLeg(ctx, LegParams{Offer: good}); !errors.Is(err, ErrInvalidLegID) {
			t.Fatalf("got %v, want ErrInvalidLegID", err)
		}
	})

	t.Run("cancelled context", func(t *testing.T) {
		cctx, ccancel := context.WithCancel(ctx)
		ccancel()
		if _, err := g.AddLeg(cctx, LegParams{ID: "cancelled", Offer: good}); !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
		// The ID was released.
		if _, err := g.AddLeg(ctx, LegParams{ID: "cancelled", Offer: good}); err != nil {
			t.Fatal(err)
		}
	})

	if n := s.Stats().Legs; n != 3 {
		t.Fatalf("%d live legs, want 3", n)
	}
}

// routingState snapshots a group's routing for "nothing changed" checks.
type routingState struct {
	routes []Route
	tables map[LegID]slotTable
	dests  map[LegID]*destinations
}

func snapshotRouting(g *Group) routingState {
	g.mu.Lock()
	defer g.mu.Unlock()
	st := routingState{
		routes: slices.Clone(g.routes),
		tables: maps.Clone(g.tables),
		dests:  map[LegID]*destinations{},
	}
	for id, l := range g.legs {
		st.dests[id] = l.recv.dest.Load()
	}
	return st
}

func (a routingState) equal(b routingState) bool {
	return slices.Equal(a.routes, b.routes) &&
		maps.EqualFunc(a.tables, b.tables, func(x, y slotTable) bool { return slices.Equal(x, y) }) &&
		maps.Equal(a.dests, b.dests)
}

func TestSetRoutesErrors(t *testing.T) {
	s := newTestSFU(t, testConfig())
	g := s.NewGroup("routes")
	ctx, cancel := context.WithTimeout(context.Background(), connectDeadline)
	defer cancel()
	offer := offerOf(t, 3)
	// Legs need not be connected to be routed.
	for _, id := range []LegID{"L", "S1", "S2", "S3", "S4"} {
		if _, err := g.AddLeg(ctx, LegParams{ID: id, Offer: offer}); err != nil {
			t.Fatal(err)
		}
	}
	initial := []Route{{"L", "S1"}, {"L", "S2"}, {"S1", "L"}}
	if err := g.SetRoutes(initial); err != nil {
		t.Fatal(err)
	}
	before := snapshotRouting(g)

	cases := map[string]struct {
		routes []Route
		err    error
	}{
		"too many speakers": {[]Route{{"L", "S1"}, {"L", "S2"}, {"L", "S3"}, {"L", "S4"}}, ErrTooManySpeakers},
		"unknown speaker":   {[]Route{{"L", "S1"}, {"L", "ghost"}}, ErrUnknownLeg},
		"unknown listener":  {[]Route{{"ghost", "S1"}}, ErrUnknownLeg},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			if err := g.SetRoutes(c.routes); !errors.Is(err, c.err) {
				t.Fatalf("got %v, want %v", err, c.err)
			}
			if !before.equal(snapshotRouting(g)) {
				t.Fatal("routing changed after a refused SetRoutes")
			}
		})
	}

	t.Run("full slots are fine and sticky", func(t *testing.T) {
		if err := g.SetRoutes([]Route{{"L", "S3"}, {"L", "S2"}, {"L", "S1"}}); err != nil {
			t.Fatal(err)
		}
		got := snapshotRouting(g).tables["L"]
		if want := (slotTable{"S1", "S2", "S3"}); !slices.Equal(got, want) {
			t.Fatalf("L slots %q, want %q", got, want)
		}
		if got := g.Slots("L"); !slices.Equal(got, []LegID{"S1", "S2", "S3"}) {
			t.Fatalf("Slots(L) = %q", got)
		}
		if got := g.Slots("S4"); !slices.Equal(got, []LegID{"", "", ""}) {
			t.Fatalf("Slots of an unrouted leg = %q", got)
		}
		if got := g.Slots("ghost"); len(got) != 3 || got[0] != "" {
			t.Fatalf("Slots of an unknown leg = %q", got)
		}
	})
}
