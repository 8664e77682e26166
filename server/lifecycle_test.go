package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/earshot/earshot/auth"
)

// voiceCall connects a customer and an agent on a voice conversation and
// returns its id once both hear each other.
func voiceCall(t *testing.T, _ *testServer, cust, agent *party) string {
	t.Helper()
	agent.do(t, "agent.set_state", map[string]string{"state": "ready"}, nil)
	var start startResp
	cust.do(t, "conversation.start", map[string]string{"queue": "support", "channel": "voice", "offer": cust.offer(t)}, &start)
	id := start.Conversation.ConversationID
	cust.connect(t, start.Answer)
	if _, err := agent.sig.WaitEvent(ctxT(t), 0, "conversation.offered", func(b json.RawMessage) bool { return convID(b) == id }); err != nil {
		t.Fatal(err)
	}
	var acc startResp
	agent.do(t, "conversation.accept", map[string]string{"conversation_id": id, "offer": agent.offer(t)}, &acc)
	agent.connect(t, acc.Answer)
	cust.hearsAfter(t, agent, 0, 10)
	agent.hearsAfter(t, cust, 0, 10)
	return id
}

// A dropped socket resumes within the grace period; the media leg never stops.
func TestResumeKeepsTheMediaLeg(t *testing.T) {
	ts := startServer(t, nil)
	cust := newParty(t, ts, "customer", ts.token(t, "carla", "Carla", auth.RoleCustomer))
	agent := newParty(t, ts, "agent", ts.token(t, "alex", "Alex", auth.RoleAgent, "team-a"))
	id := voiceCall(t, ts, cust, agent)

	mark := agent.sig.Mark()
	agent.sig.DropSocket()
	// While the agent's socket is gone the call goes on, and events for it queue.
	c0 := cust.seq()
	agent.hearsAfter(t, cust, c0, 25)
	cust.do(t, "chat.send", map[string]string{"conversation_id": id, "kind": "public", "text": "are you there?"}, nil)
	if err := agent.sig.Resume(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	ev, err := agent.sig.WaitEvent(ctxT(t), mark, "chat.message", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ev.Data), "are you there?") {
		t.Fatalf("replayed %s", ev.Data)
	}
	agent.do(t, "conversation.hold", map[string]any{"conversation_id": id, "on": true}, nil)
	agent.do(t, "conversation.hold", map[string]any{"conversation_id": id, "on": false}, nil)
	cust.hearsAfter(t, agent, agent.seq(), 25)
}

// A customer whose PeerConnection dies ends the conversation; the agent is
// freed and nothing is left behind.
func TestDroppedCustomerLegEndsTheCall(t *testing.T) {
	ts := startServer(t, nil)
	cust := newParty(t, ts, "customer", ts.token(t, "carla", "Carla", auth.RoleCustomer))
	agent := newParty(t, ts, "agent", ts.token(t, "alex", "Alex", auth.RoleAgent, "team-a"))
	sup := newParty(t, ts, "supervisor", ts.token(t, "sam", "Sam", auth.RoleSupervisor, "team-a"))
	id := voiceCall(t, ts, cust, agent)
	var mon startResp
	sup.do(t, "monitor.start", map[string]string{"conversation_id": id, "offer": sup.offer(t)}, &mon)
	sup.connect(t, mon.Answer)

	aMark, sMark := agent.sig.Mark(), sup.sig.Mark()
	_ = cust.media.Close() // the browser tab dies; its socket stays
	if _, err := agent.sig.WaitEvent(ctxT(t), aMark, "conversation.ended", reason("customer_dropped")); err != nil {
		t.Fatal(err)
	}
	if _, err := sup.sig.WaitEvent(ctxT(t), sMark, "monitor.ended", reason("conversation_ended")); err != nil {
		t.Fatal(err)
	}
	if _, err := agent.sig.WaitEvent(ctxT(t), aMark, "agent.state", func(b json.RawMessage) bool {
		return strings.Contains(string(b), `"state":"ready"`)
	}); err != nil {
		t.Fatal(err)
	}
	waitLegs(t, ts, 0)
}

// An agent whose leg dies sends the customer back to the queue, at its head.
func TestDroppedAgentLegRequeuesTheCustomer(t *testing.T) {
	ts := startServer(t, nil)
	cust := newParty(t, ts, "customer", ts.token(t, "carla", "Carla", auth.RoleCustomer))
	agent := newParty(t, ts, "agent", ts.token(t, "alex", "Alex", auth.RoleAgent, "team-a"))
	agent2 := newParty(t, ts, "agent2", ts.token(t, "bea", "Bea", auth.RoleAgent, "team-a"))
	id := voiceCall(t, ts, cust, agent)
	cMark := cust.sig.Mark()
	_ = agent.media.Close()
	if _, err := cust.sig.WaitEvent(ctxT(t), cMark, "conversation.participant_left", nil); err != nil {
		t.Fatal(err)
	}
	agent2.do(t, "agent.set_state", map[string]string{"state": "ready"}, nil)
	if _, err := agent2.sig.WaitEvent(ctxT(t), 0, "conversation.offered", func(b json.RawMessage) bool { return convID(b) == id }); err != nil {
		t.Fatal(err)
	}
	var acc startResp
	agent2.do(t, "conversation.accept", map[string]string{"conversation_id": id, "offer": agent2.offer(t)}, &acc)
	agent2.connect(t, acc.Answer)
	cust.hearsAfter(t, agent2, 0, 10) // the customer's own leg survived
	waitLegs(t, ts, 2)
}

func reason(r string) func(json.RawMessage) bool {
	return func(b json.RawMessage) bool {
		var v struct{ Reason string }
		return json.Unmarshal(b, &v) == nil && v.Reason == r
	}
}

func waitLegs(t *testing.T, ts *testServer, n int) {
	t.Helper()
	ctx := ctxT(t)
	for ts.a.sfu.Stats().Legs != n {
		select {
		case <-ctx.Done():
			t.Fatalf("%d legs, want %d", ts.a.sfu.Stats().Legs, n)
		case <-time.After(10 * time.Millisecond): // poll interval
		}
	}
}

// At most one silent monitor per voice call by default; a refused monitor
// leaves no leg behind.
func TestSilentMonitorLimitOnVoice(t *testing.T) {
	ts := startServer(t, nil)
	cust := newParty(t, ts, "customer", ts.token(t, "carla", "Carla", auth.RoleCustomer))
	agent := newParty(t, ts, "agent", ts.token(t, "alex", "Alex", auth.RoleAgent, "team-a"))
	sup := newParty(t, ts, "supervisor", ts.token(t, "sam", "Sam", auth.RoleSupervisor, "team-a"))
	sup2 := newParty(t, ts, "supervisor2", ts.token(t, "sid", "Sid", auth.RoleSupervisor, "team-a"))
	id := voiceCall(t, ts, cust, agent)
	var mon startResp
	sup.do(t, "monitor.start", map[string]string{"conversation_id": id, "offer": sup.offer(t)}, &mon)
	sup.connect(t, mon.Answer)

	sup2.refused(t, "monitor.start", map[string]string{"conversation_id": id, "offer": sup2.offer(t)}, "monitor_limit")
	waitLegs(t, ts, 3)
	sup.do(t, "monitor.set_mode", map[string]string{"conversation_id": id, "mode": "whisper"}, nil)
	sup2.do(t, "monitor.start", map[string]string{"conversation_id": id, "offer": sup2.offer(t)}, &mon)
	sup2.connect(t, mon.Answer)
	sup.refused(t, "monitor.set_mode", map[string]string{"conversation_id": id, "mode": "listen"}, "monitor_limit")
	// Each sees who else monitors, in which mode.
	var floor struct {
		Conversations []struct {
			Monitors []struct{ UserID, Mode string } `json:"monitors"`
		} `json:"conversations"`
	}
	sup2.do(t, "floor.conversations", nil, &floor)
	if len(floor.Conversations) != 1 || len(floor.Conversations[0].Monitors) != 2 {
		t.Fatalf("floor: %+v", floor)
	}
	// Both barge: four participants, the default limit, all hearing each other.
	sup.do(t, "monitor.set_mode", map[string]string{"conversation_id": id, "mode": "barge"}, nil)
	sup2.do(t, "monitor.set_mode", map[string]string{"conversation_id": id, "mode": "barge"}, nil)
	for _, l := range []*party{cust, agent, sup, sup2} {
		for _, s := range []*party{cust, agent, sup, sup2} {
			if l != s {
				l.hearsAfter(t, s, s.seq(), 10)
			}
		}
	}
}

// An agent calls a connected customer; the call is monitored like any other.
func TestOutboundVoiceCall(t *testing.T) {
	ts := startServer(t, nil)
	cust := newParty(t, ts, "customer", ts.token(t, "carla", "Carla", auth.RoleCustomer))
	agent := newParty(t, ts, "agent", ts.token(t, "alex", "Alex", auth.RoleAgent, "team-a"))
	sup := newParty(t, ts, "supervisor", ts.token(t, "sam", "Sam", auth.RoleSupervisor, "team-a"))

	var dial startResp
	agent.do(t, "conversation.dial", map[string]string{"customer_id": "carla", "channel": "voice", "offer": agent.offer(t)}, &dial)
	agent.connect(t, dial.Answer)
	id := dial.Conversation.ConversationID
	if _, err := cust.sig.WaitEvent(ctxT(t), 0, "conversation.incoming", func(b json.RawMessage) bool { return convID(b) == id }); err != nil {
		t.Fatal(err)
	}
	var ans startResp
	cust.do(t, "conversation.answer", map[string]string{"conversation_id": id, "offer": cust.offer(t)}, &ans)
	cust.connect(t, ans.Answer)
	cust.hearsAfter(t, agent, agent.seq(), 10)
	agent.hearsAfter(t, cust, cust.seq(), 10)

	var mon startResp
	sup.do(t, "monitor.start", map[string]string{"conversation_id": id, "offer": sup.offer(t)}, &mon)
	sup.connect(t, mon.Answer)
	sup.do(t, "monitor.set_mode", map[string]string{"conversation_id": id, "mode": "whisper"}, nil)
	s0 := sup.seq()
	agent.hearsAfter(t, sup, s0, 10)
	if got := cust.heardAfter(sup, 0); got != 0 {
		t.Fatalf("customer of an outbound call heard %d whisper packets", got)
	}
}
