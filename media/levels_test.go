package media

import (
	"fmt"
	"testing"

	"github.com/earshot/earshot/media/mediatest"
)

func TestLevelMeterCounts(t *testing.T) {
	m := newLevelMeter(-45)
	for _, b := range []byte{
		0x80 | 30, // voiced, -30 dBov: speech
		30,        // -30 dBov without the V flag: loud, not voiced
		0x80 | 45, // exactly the speech level
		0x80 | 46, // just below it
		127,       // silence
	} {
		m.record([]byte{b})
	}
	m.record(nil) // a packet without the extension is not counted
	got := m.snapshot("a")
	want := LegLevels{Leg: "a", Packets: 5, Voiced: 3, Speech: 3,
		Loudness: 97 + 97 + 82 + 81 + 0, SpeechLoudness: 97 + 97 + 82}
	if got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

func TestSpeechLevelConfig(t *testing.T) {
	for _, lvl := range []int{-128, 1, 5} {
		if _, err := (Config{SpeechLevel: lvl}).withDefaults(); err == nil {
			t.Errorf("speech level %d accepted", lvl)
		}
	}
	c, err := Config{}.withDefaults()
	if err != nil || c.SpeechLevel != DefaultSpeechLevel {
		t.Fatalf("default speech level %d, %v", c.SpeechLevel, err)
	}
}

// TestGroupLevelsFromRealClients: the levels pion clients put in their
// packets' audio-level extension are counted per leg, whether or not
// anybody hears the leg (C is routed to nobody: gated, yet measured).
func TestGroupLevelsFromRealClients(t *testing.T) {
	tr := newTrio(t, []Route{{"A", "B"}, {"B", "A"}})
	tr.clients["B"].SetAudioLevel(mediatest.SilentAudioLevel)
	levels := func() map[LegID]LegLevels {
		out := map[LegID]LegLevels{}
		for _, l := range tr.g.Levels(nil) {
			out[l.Leg] = l
		}
		return out
	}
	eventually(t, flowDeadline, "levels counted", func() error {
		got := levels()
		if len(got) != 3 {
			return fmt.Errorf("%d legs measured", len(got))
		}
		for _, id := range []LegID{"A", "B", "C"} {
			if got[id].Packets < 25 {
				return fmt.Errorf("leg %s: %d packets", id, got[id].Packets)
			}
		}
		return nil
	})
	got := levels()
	for _, id := range []LegID{"A", "C"} {
		if l := got[id]; l.Speech != l.Packets || l.Voiced != l.Packets || l.SpeechLoudness != 97*l.Speech {
			t.Errorf("leg %s sends -30 dBov speech, counted %+v", id, l)
		}
	}
	// B's first packets (before SetAudioLevel took effect) may be speech.
	if b := got["B"]; b.Packets-b.Speech < b.Packets/2 || b.Packets-b.Voiced < b.Packets/2 {
		t.Errorf("B is silent, counted %+v", b)
	}
}

func TestNoLevels(t *testing.T) {
	cfg := testConfig()
	cfg.NoLevels = true
	s := newTestSFU(t, cfg)
	g := s.NewGroup("g")
	c := newTestClient(t, "A", 3)
	l := join(t, g, "A", c, nil)
	if l.levels != nil || len(g.Levels(nil)) != 0 {
		t.Fatal("levels counted with NoLevels")
	}
}
