package media

import (
	"fmt"
	"testing"

	"github.com/earshot/earshot/media/mediatest"
)

// trio is three connected, sending clients in one group.
type trio struct {
	sfu     *SFU
	g       *Group
	clients map[LegID]*mediatest.Client
	legs    map[LegID]*Leg
}

// newTrio connects A, B and C, applies routes (if any) and only then starts
// the clients sending: a packet sent before the routes exist is counted as
// dropped, which the tests below read as a gating failure.
func newTrio(t *testing.T, routes []Route) *trio {
	t.Helper()
	s := newTestSFU(t, testConfig())
	tr := &trio{sfu: s, g: s.NewGroup("trio"), clients: map[LegID]*mediatest.Client{}, legs: map[LegID]*Leg{}}
	for _, id := range []LegID{"A", "B", "C"} {
		c := newTestClient(t, string(id), 3)
		tr.clients[id] = c
		tr.legs[id] = join(t, tr.g, id, c, nil)
	}
	if routes != nil {
		if err := tr.g.SetRoutes(routes); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range tr.clients {
		c.StartSending()
	}
	return tr
}

// TestForwardingGatesUnheardSpeaker: A and B hear each other, C hears both
// and nobody hears C (a listening supervisor): C's packets are dropped at
// the SFU and reach nobody.
func TestForwardingGatesUnheardSpeaker(t *testing.T) {
	tr := newTrio(t, []Route{{"A", "B"}, {"B", "A"}, {"C", "A"}, {"C", "B"}})
	a, b, c := tr.clients["A"], tr.clients["B"], tr.clients["C"]
	waitMore(t, a, "B", 50)
	waitMore(t, b, "A", 50)
	waitMore(t, c, "A", 50)
	waitMore(t, c, "B", 50)

	t.Run("each hears exactly its speakers", func(t *testing.T) {
		for id, cl := range tr.clients {
			got := cl.ReceivedAll()
			if got["C"] != 0 || got[string(id)] != 0 || got[""] != 0 {
				t.Errorf("%s received %v", id, got)
			}
		}
		if got := a.ReceivedAll(); len(got) != 1 {
			t.Errorf("A received %v, want only B", got)
		}
		if got := b.ReceivedAll(); len(got) != 1 {
			t.Errorf("B received %v, want only A", got)
		}
	})

	t.Run("C is dropped at ingress", func(t *testing.T) {
		legC := tr.legs["C"]
		eventually(t, flowDeadline, "C counted as dropped", func() error {
			st := legC.Stats()
			if st.Received < 50 || st.Forwarded != 0 || st.Dropped != st.Received {
				return fmt.Errorf("C stats %+v", st)
			}
			return nil
		})
		if st := tr.sfu.Stats(); st.PacketsDropped < legC.Stats().Dropped || st.Legs != 3 {
			t.Fatalf("sfu stats %+v", st)
		}
		if st := tr.legs["A"].Stats(); st.Dropped != 0 || st.Forwarded < st.Received {
			t.Fatalf("A forwards to B and C, stats %+v", st)
		}
	})

	t.Run("slots in route order with audio levels", func(t *testing.T) {
		slots := c.SlotStats()
		if slots[0].LastSpeaker != "A" || slots[1].LastSpeaker != "B" || slots[2].Packets != 0 {
			t.Fatalf("C slots %+v", slots)
		}
		for i, s := range slots[:2] {
			if s.AudioLevels != s.Packets {
				t.Errorf("slot %d: %d of %d packets carry the audio level", i, s.AudioLevels, s.Packets)
			}
		}
	})
}

// mode is a supervisor mode as the hear-matrix would route it; media knows
// nothing of modes, the test only names the route sets.
type mode struct {
	name   string
	routes []Route
	hearC  []LegID // who hears C
}

func supervisorModes() (listen, whisper, barge mode) {
	base := []Route{{"A", "B"}, {"B", "A"}, {"C", "A"}, {"C", "B"}}
	with := func(extra ...Route) []Route { return append(append([]Route(nil), base...), extra...) }
	return mode{"listen", with(), nil},
		mode{"whisper", with(Route{"B", "C"}), []LegID{"B"}},
		mode{"barge", with(Route{"A", "C"}, Route{"B", "C"}), []LegID{"A", "B"}}
}

// TestRouteSwitching switches who hears C many times mid-stream: packets
// follow the routes after each SetRoutes, and every slot stays one
// continuous stream (no sequence gap, no SSRC change, no timestamp going
// back) without any renegotiation.
func TestRouteSwitching(t *testing.T) {
	tr := newTrio(t, nil)
	a := tr.clients["A"]
	listen, whisper, barge := supervisorModes()

	t.Run("packets follow routes", func(t *testing.T) {
		sequence := []mode{whisper, barge, listen, barge, whisper, listen, whisper, barge}
		for cycle := range 3 {
			for _, m := range sequence {
				if err := tr.g.SetRoutes(m.routes); err != nil {
					t.Fatal(err)
				}
				hears := map[LegID]bool{}
				for _, id := range m.hearC {
					hears[id] = true
					waitMore(t, tr.clients[id], "C", 3)
				}
				// A hears B in every mode: its stream is the clock that lets
				// packets written before the switch land.
				waitMore(t, a, "B", 3)
				before := map[LegID]uint64{}
				for id, cl := range tr.clients {
					if !hears[id] {
						before[id] = cl.Received("C")
					}
				}
				waitMore(t, a, "B", 5)
				for _, id := range m.hearC {
					waitMore(t, tr.clients[id], "C", 3)
				}
				for id, n := range before {
					if got := tr.clients[id].Received("C"); got != n {
						t.Fatalf("cycle %d %s: %s received %d packets from C after the switch",
							cycle, m.name, id, got-n)
					}
				}
			}
		}
	})

	t.Run("rapid switching", func(t *testing.T) {
		modes := []mode{listen, whisper, barge, whisper, listen, barge}
		for i := range 300 {
			if err := tr.g.SetRoutes(modes[i%len(modes)].routes); err != nil {
				t.Fatal(err)
			}
			if i%10 == 0 {
				waitMore(t, a, "B", 1)
			}
		}
		if err := tr.g.SetRoutes(barge.routes); err != nil {
			t.Fatal(err)
		}
		waitMore(t, a, "C", 10)
		waitMore(t, tr.clients["B"], "C", 10)
	})

	t.Run("slots stay continuous", func(t *testing.T) {
		for id, cl := range tr.clients {
			for i, s := range cl.SlotStats() {
				if s.SeqDiscontinuities != 0 || s.SSRCChanges != 0 || s.TimestampBackwards != 0 {
					t.Errorf("%s slot %d: %+v", id, i, s)
				}
			}
			if n := cl.Renegotiations(); n != 0 {
				t.Errorf("%s saw %d negotiation events", id, n)
			}
		}
		// A's second slot carried C on and off: many source switches.
		if s := a.SlotStats()[1]; s.Markers < 10 || s.Speakers["C"] == 0 {
			t.Errorf("A slot 1 saw %d switches: %+v", s.Markers, s)
		}
	})
}
