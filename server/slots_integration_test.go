package main

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/earshot/earshot/auth"
)

// slotsMsg is a monitor.slots event.
type slotsMsg struct {
	ConversationID string `json:"conversation_id"`
	Slots          []*struct {
		PartyID string `json:"party_id"`
		UserID  string `json:"user_id"`
		Name    string `json:"name"`
		Role    string `json:"role"`
	} `json:"slots"`
}

// users is the slot map as user ids ("" for a silent slot).
func (m slotsMsg) users() []string {
	out := make([]string, len(m.Slots))
	for i, s := range m.Slots {
		if s != nil {
			out[i] = s.UserID
		}
	}
	return out
}

// waitSlots waits for the supervisor's monitor.slots event (after mark)
// naming exactly want (user ids by slot) and returns it.
func waitSlots(t *testing.T, sup *party, mark int, id string, want []string) slotsMsg {
	t.Helper()
	var last slotsMsg
	_, err := sup.sig.WaitEvent(ctxT(t), mark, "monitor.slots", func(b json.RawMessage) bool {
		var m slotsMsg
		if json.Unmarshal(b, &m) != nil || m.ConversationID != id {
			return false
		}
		last = m
		return slices.Equal(m.users(), want)
	})
	if err != nil {
		t.Fatalf("no monitor.slots %q (last %q): %v", want, last.users(), err)
	}
	return last
}

// checkSlotsCarry proves with real media that each slot carries exactly the
// party the map names: every named slot receives n new packets whose last
// one is that party's, and a silent slot receives nothing once the named
// ones have moved on by n packets twice (so nothing was still in flight).
func checkSlotsCarry(t *testing.T, sup *party, m slotsMsg, byUser map[string]*party, n uint64) {
	t.Helper()
	waitRound := func() []uint64 {
		start := sup.media.SlotStats()
		for i, s := range m.Slots {
			if s == nil {
				continue
			}
			sp := byUser[s.UserID]
			ctx := ctxT(t)
			for {
				st := sup.media.SlotStats()[i]
				if st.Speakers[sp.name] >= start[i].Speakers[sp.name]+n && st.LastSpeaker == sp.name {
					break
				}
				select {
				case <-ctx.Done():
					t.Fatalf("slot %d, announced as %s, carries %v (last %q)", i, sp.name, st.Speakers, st.LastSpeaker)
				case <-time.After(5 * time.Millisecond): // poll interval
				}
			}
		}
		var counts []uint64
		for _, st := range sup.media.SlotStats() {
			counts = append(counts, st.Packets)
		}
		return counts
	}
	first := waitRound()
	second := waitRound()
	for i, s := range m.Slots {
		if s == nil && second[i] != first[i] {
			t.Fatalf("slot %d is announced silent but received %d packets", i, second[i]-first[i])
		}
	}
}

// TestSlotMapMatchesMedia: the server announces the number of slots at
// auth and each monitoring supervisor's slot → party map whenever it
// changes; real pion media proves that the party named on each slot is the
// one whose audio arrives there, through Listen, a second supervisor
// barging in, hold, and back.
func TestSlotMapMatchesMedia(t *testing.T) {
	// Two supervisors may listen at once here.
	ts := startServer(t, func(c *Config) { c.Policy.MaxSilentVoiceMonitors = 0 })
	cust := newParty(t, ts, "customer", ts.token(t, "carla", "Carla", auth.RoleCustomer))
	agent := newParty(t, ts, "agent", ts.token(t, "alex", "Alex", auth.RoleAgent, "team-a"))
	sup := newParty(t, ts, "supervisor", ts.token(t, "sam", "Sam", auth.RoleSupervisor, "team-a"))
	sup2 := newParty(t, ts, "supervisor2", ts.token(t, "sid", "Sid", auth.RoleSupervisor, "team-a"))
	if got := sup.sig.Session.MediaSlots; got != 3 {
		t.Fatalf("auth announced %d media slots, want 3", got)
	}
	byUser := map[string]*party{"carla": cust, "alex": agent, "sid": sup2}
	const n = 15
	id := voiceCall(t, ts, cust, agent)

	mark := sup.sig.Mark()
	var mon startResp
	sup.do(t, "monitor.start", map[string]string{"conversation_id": id, "offer": sup.offer(t)}, &mon)
	sup.connect(t, mon.Answer)
	m := waitSlots(t, sup, mark, id, []string{"carla", "alex", ""})
	if s := m.Slots[0]; s.Role != "customer" || s.Name != "Carla" || s.PartyID == "" {
		t.Fatalf("slot 0 %+v", *s)
	}
	if s := m.Slots[1]; s.Role != "agent" || s.Name != "Alex" {
		t.Fatalf("slot 1 %+v", *s)
	}
	checkSlotsCarry(t, sup, m, byUser, n)

	t.Run("a second supervisor barges in", func(t *testing.T) {
		mark := sup.sig.Mark()
		var mon2 startResp
		sup2.do(t, "monitor.start", map[string]string{"conversation_id": id, "offer": sup2.offer(t)}, &mon2)
		sup2.connect(t, mon2.Answer)
		sup2.do(t, "monitor.set_mode", map[string]string{"conversation_id": id, "mode": "barge"}, nil)
		m := waitSlots(t, sup, mark, id, []string{"carla", "alex", "sid"})
		if m.Slots[2].Role != "supervisor" || m.Slots[2].Name != "Sid" {
			t.Fatalf("slot 2 %+v", *m.Slots[2])
		}
		checkSlotsCarry(t, sup, m, byUser, n)
	})

	t.Run("hold silences the customer's slot; the others keep theirs", func(t *testing.T) {
		mark := sup.sig.Mark()
		agent.do(t, "conversation.hold", map[string]any{"conversation_id": id, "on": true}, nil)
		m := waitSlots(t, sup, mark, id, []string{"", "alex", "sid"})
		checkSlotsCarry(t, sup, m, byUser, n)
	})

	t.Run("back to listen and resume", func(t *testing.T) {
		mark := sup.sig.Mark()
		sup2.do(t, "monitor.set_mode", map[string]string{"conversation_id": id, "mode": "listen"}, nil)
		agent.do(t, "conversation.hold", map[string]any{"conversation_id": id, "on": false}, nil)
		m := waitSlots(t, sup, mark, id, []string{"carla", "alex", ""})
		checkSlotsCarry(t, sup, m, byUser, n)
	})

	// Nobody but monitoring supervisors is told a slot map.
	for _, p := range []*party{cust, agent} {
		for _, e := range p.sig.Events() {
			if e.Type == "monitor.slots" {
				t.Fatalf("%s got monitor.slots: %s", p.name, e.Data)
			}
		}
	}
}
