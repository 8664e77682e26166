package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/earshot/earshot/auth"
)

// TestPCIPauseWithRealMedia: while an agent's PCI pause is on, not one
// customer packet reaches a supervisor, in Listen or in Barge, while
// customer and agent keep hearing each other (and the customer the barged
// supervisor); after the resume the supervisors hear the customer again.
// The customer's signaling carries nothing of it.
func TestPCIPauseWithRealMedia(t *testing.T) {
	ts := startServer(t, nil)
	cust := newParty(t, ts, "customer", ts.token(t, "carla", "Carla", auth.RoleCustomer))
	agent := newParty(t, ts, "agent", ts.token(t, "alex", "Alex", auth.RoleAgent, "team-a"))
	barger := newParty(t, ts, "barger", ts.token(t, "bo", "Bo", auth.RoleSupervisor, "team-a"))
	listener := newParty(t, ts, "listener", ts.token(t, "sam", "Sam", auth.RoleSupervisor, "team-a"))
	const n = 25 // half a second of audio

	id := voiceCall(t, ts, cust, agent)
	// One silent monitor is allowed at a time: the barger joins and barges
	// first, then the listener joins.
	for _, s := range []*party{barger, listener} {
		var mon startResp
		s.do(t, "monitor.start", map[string]string{"conversation_id": id, "offer": s.offer(t)}, &mon)
		s.connect(t, mon.Answer)
		if s == barger {
			s.do(t, "monitor.set_mode", map[string]string{"conversation_id": id, "mode": "barge"}, nil)
		}
	}
	for _, s := range []*party{barger, listener} {
		s.hearsAfter(t, cust, cust.seq(), n)
	}
	listener.refused(t, "conversation.pci", map[string]any{"conversation_id": id, "on": true}, "not_allowed_in_mode")
	cust.refused(t, "conversation.pci", map[string]any{"conversation_id": id, "on": true}, "forbidden_role")

	custMark, supMark := cust.sig.Mark(), listener.sig.Mark()
	var paused struct {
		Conversation struct {
			PCIPause *struct {
				By struct{ Role string } `json:"by"`
			} `json:"pci_pause"`
		} `json:"conversation"`
	}
	agent.do(t, "conversation.pci", map[string]any{"conversation_id": id, "on": true}, &paused)
	if paused.Conversation.PCIPause == nil || paused.Conversation.PCIPause.By.Role != "agent" {
		t.Fatalf("agent's view after the pause: %+v", paused)
	}
	// Every customer packet sent after the acknowledgement is routed by the
	// paused matrix.
	c0, a0, b0 := cust.seq(), agent.seq(), barger.seq()
	agent.hearsAfter(t, cust, c0, n)
	cust.hearsAfter(t, agent, a0, n)
	cust.hearsAfter(t, barger, b0, n)
	listener.hearsAfter(t, agent, a0, n)
	barger.hearsAfter(t, agent, a0, n)
	cust.waitSent(t, c0, 2*n)
	agent.hearsAfter(t, cust, c0, 2*n) // the last of those reached the agent: the supervisors had their chance
	c1 := cust.seq()
	for _, s := range []*party{listener, barger} {
		if got := s.heardAfter(cust, c0); got != 0 {
			t.Errorf("%s heard %d customer packets during the PCI pause", s.name, got)
		}
	}
	if _, err := listener.sig.WaitEvent(ctxT(t), supMark, "floor.conversation", func(b json.RawMessage) bool {
		return convID(b) == id && strings.Contains(string(b), `"pci_pause"`)
	}); err != nil {
		t.Fatalf("the listener's floor does not show the pause: %v", err)
	}

	// The barged supervisor resumes.
	barger.do(t, "conversation.pci", map[string]any{"conversation_id": id, "on": false}, nil)
	r0 := cust.seq()
	listener.hearsAfter(t, cust, r0, n)
	barger.hearsAfter(t, cust, r0, n)
	agent.hearsAfter(t, cust, r0, n)
	if extra := cust.sig.Events()[custMark:]; len(extra) != 0 {
		t.Fatalf("customer received %d events from a pause and resume: %v", len(extra), eventTypes(extra))
	}
	// No customer packet sent between the pause's acknowledgement and the
	// last one checked above reached a supervisor later either.
	for _, s := range []*party{listener, barger} {
		leaks := 0
		for _, q := range s.media.ReceivedSeqs(cust.name) {
			if q > c0 && q <= c1 {
				leaks++
			}
		}
		if leaks != 0 {
			t.Errorf("%s: %d customer packets of the pause arrived late", s.name, leaks)
		}
	}
	t.Logf("pause: the customer sent %d packets after the acknowledgement; the agent heard them", c1-c0)
}

// TestWatchWithRealMedia: a supervisor watching an agent's next call joins
// it in Listen when the agent accepts, connects its leg and hears both;
// a second watcher is refused by the silent-monitor limit; a continuous
// watch can be cancelled.
func TestWatchWithRealMedia(t *testing.T) {
	ts := startServer(t, nil)
	cust := newParty(t, ts, "customer", ts.token(t, "carla", "Carla", auth.RoleCustomer))
	agent := newParty(t, ts, "agent", ts.token(t, "alex", "Alex", auth.RoleAgent, "team-a"))
	sup := newParty(t, ts, "supervisor", ts.token(t, "sam", "Sam", auth.RoleSupervisor, "team-a"))
	sup2 := newParty(t, ts, "supervisor2", ts.token(t, "sid", "Sid", auth.RoleSupervisor, "team-a"))
	const n = 25

	type watchResp struct {
		Watch struct {
			WatchID string `json:"watch_id"`
		} `json:"watch"`
	}
	var w1, w2, w3 watchResp
	sup.do(t, "monitor.watch", map[string]string{"agent": "alex", "scope": "next", "reason": "new hire"}, &w1)
	sup2.do(t, "monitor.watch", map[string]string{"agent": "alex", "scope": "next"}, &w2)
	sup.refused(t, "monitor.watch", map[string]string{"agent": "alex", "scope": "all"}, "already_watching")
	sup.refused(t, "monitor.watch", map[string]string{"agent": "alex", "scope": "sometimes"}, "bad_request")
	agent.refused(t, "monitor.watch", map[string]string{"agent": "alex", "scope": "next"}, "forbidden_role")

	mark, mark2 := sup.sig.Mark(), sup2.sig.Mark()
	id := voiceCall(t, ts, cust, agent)
	ev, err := sup.sig.WaitEvent(ctxT(t), mark, "monitor.watch_started", nil)
	if err != nil {
		t.Fatal(err)
	}
	if convID(mustField(t, ev.Data, "conversation")) != id || !strings.Contains(string(ev.Data), w1.Watch.WatchID) {
		t.Fatalf("watch_started %s", ev.Data)
	}
	ref, err := sup2.sig.WaitEvent(ctxT(t), mark2, "monitor.watch_refused", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ref.Data), `"code":"monitor_limit"`) {
		t.Fatalf("watch_refused %s", ref.Data)
	}
	var conn struct{ Answer string }
	sup.do(t, "monitor.connect", map[string]string{"conversation_id": id, "offer": sup.offer(t)}, &conn)
	sup.connect(t, conn.Answer)
	s0 := sup.seq()
	sup.hearsAfter(t, cust, cust.seq(), n)
	sup.hearsAfter(t, agent, agent.seq(), n)
	sup.waitSent(t, s0, n)
	if got := cust.heardAfter(sup, 0) + agent.heardAfter(sup, 0); got != 0 {
		t.Fatalf("customer or agent heard %d packets of the watching supervisor in Listen", got)
	}

	sup2.do(t, "monitor.watch", map[string]string{"agent": "alex", "scope": "all"}, &w3)
	var list struct {
		Watches []struct {
			WatchID string `json:"watch_id"`
		} `json:"watches"`
	}
	sup2.do(t, "monitor.watches", map[string]any{}, &list)
	if len(list.Watches) != 1 || list.Watches[0].WatchID != w3.Watch.WatchID {
		t.Fatalf("watches %+v", list)
	}
	sup2.do(t, "monitor.unwatch", map[string]string{"watch_id": w3.Watch.WatchID}, nil)
	sup2.refused(t, "monitor.unwatch", map[string]string{"watch_id": w3.Watch.WatchID}, "watch_not_found")
}

// mustField returns one field of a JSON object.
func mustField(t *testing.T, b json.RawMessage, name string) json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil || m[name] == nil {
		t.Fatalf("no %q in %s", name, b)
	}
	return m[name]
}
