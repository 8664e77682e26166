package main

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/callcenter"
	"github.com/earshot/earshot/media/mediatest"
	"github.com/earshot/earshot/signaling/sigclient"
)

// floorHealth is the part of a floor row this test reads.
type floorHealth struct {
	ConversationID string      `json:"conversation_id"`
	Health         *healthJSON `json:"health"`
}

// healthJSON is callcenter.HealthView as a client decodes it.
type healthJSON struct {
	Parties []struct {
		Role  string                      `json:"role"`
		State callcenter.PartyHealthState `json:"state"`
		TalkS int                         `json:"talk_s"`
	} `json:"parties"`
	CustomerTalkS   int                     `json:"customer_talk_s"`
	AgentTalkS      int                     `json:"agent_talk_s"`
	SilenceS        int                     `json:"silence_s"`
	LongestSilenceS int                     `json:"longest_silence_s"`
	OverTalkCount   int                     `json:"over_talk_count"`
	Alerts          []callcenter.HealthRule `json:"alerts"`
}

// lastHealth returns the health of the latest floor row of conversation
// id a supervisor received after mark, nil if none.
func lastHealth(sig *sigclient.Client, mark int, id string) *healthJSON {
	var out *healthJSON
	for _, e := range sig.Events()[mark:] {
		if e.Type != "floor.conversation" {
			continue
		}
		var row floorHealth
		if json.Unmarshal(e.Data, &row) == nil && row.ConversationID == id && row.Health != nil {
			out = row.Health
		}
	}
	return out
}

// waitHealth waits for a floor row of conversation id whose health passes ok.
func waitHealth(t *testing.T, sig *sigclient.Client, mark int, id string, what string, ok func(*healthJSON) bool) *healthJSON {
	t.Helper()
	ev, err := sig.WaitEvent(ctxT(t), mark, "floor.conversation", func(b json.RawMessage) bool {
		var row floorHealth
		return json.Unmarshal(b, &row) == nil && row.ConversationID == id && row.Health != nil && ok(row.Health)
	})
	if err != nil {
		t.Fatalf("%s: %v (last health %+v)", what, err, lastHealth(sig, mark, id))
	}
	var row floorHealth
	_ = json.Unmarshal(ev.Data, &row)
	return row.Health
}

func partyState(v *healthJSON, role callcenter.PartyRole) callcenter.PartyHealthState {
	for _, p := range v.Parties {
		if p.Role == role.String() {
			return p.State
		}
	}
	return callcenter.PartyHealthUnknown
}

func alerts(sig *sigclient.Client, id string) []callcenter.HealthAlert {
	var out []callcenter.HealthAlert
	for _, e := range sig.Events() {
		var a callcenter.HealthAlert
		if e.Type == "health.alert" && json.Unmarshal(e.Data, &a) == nil && string(a.ConversationID) == id {
			out = append(out, a)
		}
	}
	return out
}

// TestCallHealthWithRealMedia plays a known voice-activity pattern through
// real pion endpoints (the RFC 6464 byte of every packet) and checks what
// supervisors see: the floor's talk times within a second of the
// pattern's, a long-silence alert raised once and cleared once, only for
// supervisors in scope who did not mute health alerts.
func TestCallHealthWithRealMedia(t *testing.T) {
	const longSilence = 4 * time.Second
	ts := startServer(t, func(c *Config) { c.Policy.Health.LongSilence = longSilence })
	cust := newParty(t, ts, "customer", ts.token(t, "carla", "Carla", auth.RoleCustomer))
	agent := newParty(t, ts, "agent", ts.token(t, "alex", "Alex", auth.RoleAgent, "team-a"))
	sam := newParty(t, ts, "sam", ts.token(t, "sam", "Sam", auth.RoleSupervisor, "team-a"))
	sue := newParty(t, ts, "sue", ts.token(t, "sue", "Sue", auth.RoleSupervisor, "team-a"))
	bob := newParty(t, ts, "bob", ts.token(t, "bob", "Bob", auth.RoleSupervisor, "team-b"))
	for _, s := range []*party{sam, sue, bob} {
		s.do(t, "floor.conversations", map[string]any{}, nil)
	}
	var muted struct {
		Muted bool `json:"muted"`
	}
	sue.do(t, "health.mute", map[string]any{"on": true}, &muted)
	if !muted.Muted {
		t.Fatal("health.mute did not mute")
	}
	var settings callcenter.HealthSettings
	sam.do(t, "health.settings", map[string]any{}, &settings)
	if !settings.Enabled || settings.Muted || settings.LongSilenceS != longSilence.Seconds() {
		t.Fatalf("settings %+v", settings)
	}
	agent.refused(t, "health.settings", map[string]any{}, "forbidden_role")

	// Both microphones silent from their first packet.
	agent.do(t, "agent.set_state", map[string]string{"state": "ready"}, nil)
	var start startResp
	cust.do(t, "conversation.start", map[string]string{"queue": "support", "channel": "voice", "offer": cust.offer(t)}, &start)
	id := start.Conversation.ConversationID
	cust.media.SetAudioLevel(mediatest.SilentAudioLevel)
	cust.connect(t, start.Answer)
	if _, err := agent.sig.WaitEvent(ctxT(t), 0, "conversation.offered", func(b json.RawMessage) bool { return convID(b) == id }); err != nil {
		t.Fatal(err)
	}
	var acc startResp
	agent.do(t, "conversation.accept", map[string]string{"conversation_id": id, "offer": agent.offer(t)}, &acc)
	agent.media.SetAudioLevel(mediatest.SilentAudioLevel)
	agent.connect(t, acc.Answer)
	agent.hearsAfter(t, cust, 0, 10)
	cust.hearsAfter(t, agent, 0, 10)

	// The pattern: the customer talks 3 s, then the agent 2 s (the sleeps
	// are the pattern's timing, not synchronisation).
	mark := sam.sig.Mark()
	cust.media.SetAudioLevel(mediatest.DefaultAudioLevel)
	waitHealth(t, sam.sig, mark, id, "customer talking", func(v *healthJSON) bool {
		return partyState(v, callcenter.PartyCustomer) == callcenter.PartyHealthTalking
	})
	time.Sleep(3 * time.Second)
	cust.media.SetAudioLevel(mediatest.SilentAudioLevel)
	agent.media.SetAudioLevel(mediatest.DefaultAudioLevel)
	time.Sleep(2 * time.Second)
	agent.media.SetAudioLevel(mediatest.SilentAudioLevel)

	// Silence until the rule fires.
	raised, err := sam.sig.WaitEvent(ctxT(t), mark, "health.alert", nil)
	if err != nil {
		t.Fatal(err)
	}
	var a callcenter.HealthAlert
	if err := json.Unmarshal(raised.Data, &a); err != nil || string(a.ConversationID) != id || a.Rule != callcenter.HealthLongSilence ||
		!a.Active || a.Value < longSilence.Seconds() || a.Agent == nil || a.Agent.Name != "Alex" {
		t.Fatalf("alert %s", raised.Data)
	}
	v := waitHealth(t, sam.sig, mark, id, "silence on the floor", func(v *healthJSON) bool {
		return len(v.Alerts) == 1 && v.Alerts[0] == callcenter.HealthLongSilence
	})
	// The pattern's numbers, within a second (a talk starts after 200 ms
	// of speech; the start counts, the 800 ms hangover does not).
	if v.CustomerTalkS < 2 || v.CustomerTalkS > 4 || v.AgentTalkS < 1 || v.AgentTalkS > 3 {
		t.Errorf("talk customer %d s, agent %d s; played 3 s and 2 s", v.CustomerTalkS, v.AgentTalkS)
	}
	if v.SilenceS < int(longSilence.Seconds())-1 || v.LongestSilenceS < v.SilenceS {
		t.Errorf("silence %d s, longest %d s", v.SilenceS, v.LongestSilenceS)
	}
	if partyState(v, callcenter.PartyCustomer) != callcenter.PartyHealthQuiet || partyState(v, callcenter.PartyAgent) != callcenter.PartyHealthQuiet {
		t.Errorf("parties %+v", v.Parties)
	}
	if v.OverTalkCount > 1 {
		t.Errorf("over-talk %d times in a pattern without overlap", v.OverTalkCount)
	}

	// Someone talks: the alert clears.
	cust.media.SetAudioLevel(mediatest.DefaultAudioLevel)
	clearMark := sam.sig.Mark()
	if _, err := sam.sig.WaitEvent(ctxT(t), clearMark, "health.alert", func(b json.RawMessage) bool {
		var a callcenter.HealthAlert
		return json.Unmarshal(b, &a) == nil && !a.Active && a.Rule == callcenter.HealthLongSilence
	}); err != nil {
		t.Fatal(err)
	}
	waitHealth(t, sam.sig, clearMark, id, "alert gone from the floor", func(v *healthJSON) bool { return len(v.Alerts) == 0 })
	if got := alerts(sam.sig, id); len(got) != 2 {
		t.Errorf("sam got %d alerts, want raised and cleared once: %+v", len(got), got)
	}
	if got := alerts(sue.sig, id); len(got) != 0 {
		t.Errorf("sue muted health alerts and got %+v", got)
	}
	if got := alerts(bob.sig, id); len(got) != 0 || lastHealth(bob.sig, 0, id) != nil {
		t.Errorf("bob (another team) saw the conversation's health: %+v", got)
	}
	// The customer and the agent never see health.
	for _, p := range []*party{cust, agent} {
		for _, e := range p.sig.Events() {
			if e.Type == "health.alert" || json.Valid(e.Data) && containsKey(e.Data, "health") {
				t.Errorf("%s received health: %s %s", p.name, e.Type, e.Data)
			}
		}
	}
	st := ts.a.center.Stats()
	if st.HealthAlertsRaised["long_silence"] != 1 || st.HealthAlerts["long_silence"] != 0 {
		t.Errorf("stats raised %v active %v", st.HealthAlertsRaised, st.HealthAlerts)
	}
}

// containsKey reports whether a JSON object has key at its top level.
func containsKey(b json.RawMessage, key string) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(b, &m) != nil {
		return false
	}
	_, ok := m[key]
	return ok
}
