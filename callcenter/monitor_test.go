package callcenter

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/earshot/earshot/auth"
)

// The customer is told nothing while a supervisor listens or whispers, and
// told when one barges in and leaves the barge.
func TestCustomerLearnsOnlyOfBarge(t *testing.T) {
	f := newFloor(t, DefaultPolicy())
	id := f.chat(t, f.customer, f.agent)
	ctx := context.Background()
	mark := len(f.customer.all())
	if _, err := f.c.Monitor(ctx, f.sup, MonitorParams{ConversationID: id, Reason: "coaching"}); err != nil {
		t.Fatal(err)
	}
	for _, m := range []Mode{ModeWhisper, ModeListen, ModeWhisper, ModeListen} {
		if _, err := f.c.SetMode(f.sup, id, m); err != nil {
			t.Fatal(err)
		}
	}
	if got := f.customer.all()[mark:]; len(got) != 0 {
		t.Fatalf("customer got %v while a supervisor listened/whispered", got)
	}
	if _, err := f.c.SetMode(f.sup, id, ModeBarge); err != nil {
		t.Fatal(err)
	}
	f.customer.waitFor(t, mark, EventParticipantJoined, nil)
	v, _ := f.customer.waitFor(t, mark, EventConversationUpdated, nil)
	var cv CustomerView
	if err := json.Unmarshal(v, &cv); err != nil {
		t.Fatal(err)
	}
	if len(cv.Participants) != 2 {
		t.Fatalf("customer view after barge: %+v", cv)
	}
	// mute is the Listen shortcut: the customer is told the supervisor left.
	if _, err := f.c.Mute(f.sup, id, true); err != nil {
		t.Fatal(err)
	}
	f.customer.waitFor(t, mark, EventParticipantLeft, nil)
	if row := floorRow(t, f.c, f.sup, id); row.Monitors[0].Mode != ModeListen || row.Monitors[0].Reason != "coaching" {
		t.Fatalf("floor row after mute: %+v", row.Monitors)
	}
}

func TestAgentNotification(t *testing.T) {
	for _, tc := range []struct {
		name             string
		notify, names    bool
		listen, coached  string
		wantNameInListen bool
	}{
		{"off (default)", false, false, "", "coached", false},
		{"on, anonymous", true, false, "monitored", "coached", false},
		{"on, named", true, true, "monitored", "coached", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pol := DefaultPolicy()
			pol.NotifyAgent, pol.NotifyAgentNames = tc.notify, tc.names
			f := newFloor(t, pol)
			id := f.chat(t, f.customer, f.agent)
			if _, err := f.c.Monitor(context.Background(), f.sup, MonitorParams{ConversationID: id}); err != nil {
				t.Fatal(err)
			}
			av := f.agentViewNow(t, id)
			if av.Monitoring != tc.listen || (len(av.Supervisors) > 0) != tc.wantNameInListen {
				t.Fatalf("listen: agent view %+v", av)
			}
			if _, err := f.c.SetMode(f.sup, id, ModeWhisper); err != nil {
				t.Fatal(err)
			}
			if av := f.agentViewNow(t, id); av.Monitoring != tc.coached {
				t.Fatalf("whisper: agent view %+v", av)
			}
		})
	}
}

// agentViewNow returns the last conversation view pushed to the agent.
func (f *floor) agentViewNow(t *testing.T, id ConversationID) AgentView {
	t.Helper()
	var last AgentView
	for _, e := range f.agent.all() {
		if e.Event == EventConversationUpdated && hasConversation(id)(e.Data) {
			last = AgentView{}
			if err := json.Unmarshal(e.Data, &last); err != nil {
				t.Fatal(err)
			}
		}
	}
	return last
}

func TestTakeOver(t *testing.T) {
	f := newFloor(t, DefaultPolicy())
	id := f.chat(t, f.customer, f.agent)
	ctx := context.Background()
	for _, s := range []*recorder{f.sup, f.sup2} {
		if _, err := f.c.Monitor(ctx, s, MonitorParams{ConversationID: id}); err != nil {
			t.Fatal(err)
		}
	}
	v, err := f.c.TakeOver(f.sup, id)
	if err != nil {
		t.Fatal(err)
	}
	if v.Customer == nil || v.State != ConvActive {
		t.Fatalf("take-over view %+v", v)
	}
	f.agent.waitFor(t, 0, EventConversationEnded, reasonIs("taken_over"))
	f.sup2.waitFor(t, 0, EventMonitorEnded, reasonIs("taken_over"))
	row := floorRow(t, f.c, f.sup, id)
	if row.Agent == nil || row.Agent.UserID != "sam" || len(row.Monitors) != 0 {
		t.Fatalf("floor after take-over: %+v", row)
	}
	// The supervisor now acts as the agent: it can write to the customer and end.
	if _, err := f.c.SendMessage(f.sup, SendParams{ConversationID: id, Kind: MessagePublic, Text: "I'll take it from here"}); err != nil {
		t.Fatal(err)
	}
	if err := f.c.End(f.sup, id); err != nil {
		t.Fatal(err)
	}
	f.customer.waitFor(t, 0, EventConversationEnded, reasonIs("agent_ended"))
	// The released agent is routable again.
	if st := f.agentState(t, "alex"); st != AgentReady {
		t.Fatalf("released agent is %s", st)
	}
}

func (f *floor) agentState(t *testing.T, user auth.UserID) AgentState {
	t.Helper()
	agents, err := f.c.Agents(f.sup)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range agents {
		if a.UserID == user {
			return a.State
		}
	}
	t.Fatalf("agent %s not listed", user)
	return AgentUnknown
}

func reasonIs(reason string) func(json.RawMessage) bool {
	return func(b json.RawMessage) bool {
		var v endedEvent
		return json.Unmarshal(b, &v) == nil && v.Reason == reason
	}
}

// A refreshed token without the supervisor role ends monitoring at once (F16).
func TestRefreshRevokesMonitoring(t *testing.T) {
	f := newFloor(t, DefaultPolicy())
	id := f.chat(t, f.customer, f.agent)
	if _, err := f.c.Monitor(context.Background(), f.sup, MonitorParams{ConversationID: id}); err != nil {
		t.Fatal(err)
	}
	old := f.sup.Identity()
	demoted := old
	demoted.Roles = []auth.Role{auth.RoleAgent}
	f.sup.setIdentity(demoted)
	if err := f.c.Refresh(f.sup, old, demoted); err != nil {
		t.Fatal(err)
	}
	f.sup.waitFor(t, 0, EventMonitorEnded, reasonIs("privileges_revoked"))
	if row := floorRow(t, f.c, f.sup2, id); len(row.Monitors) != 0 {
		t.Fatalf("monitor survived the refresh: %+v", row.Monitors)
	}
	// Moving to another team ends it too.
	if _, err := f.c.Monitor(context.Background(), f.sup2, MonitorParams{ConversationID: id}); err != nil {
		t.Fatal(err)
	}
	old2 := f.sup2.Identity()
	moved := old2
	moved.Teams = []auth.TeamID{"team-b"}
	f.sup2.setIdentity(moved)
	if err := f.c.Refresh(f.sup2, old2, moved); err != nil {
		t.Fatal(err)
	}
	f.sup2.waitFor(t, 0, EventMonitorEnded, reasonIs("privileges_revoked"))
}

// Monitoring ends by itself when the conversation ends or the agent leaves.
func TestMonitoringEndsWithConversationAndAgent(t *testing.T) {
	f := newFloor(t, DefaultPolicy())
	id := f.chat(t, f.customer, f.agent)
	ctx := context.Background()
	if _, err := f.c.Monitor(ctx, f.sup, MonitorParams{ConversationID: id}); err != nil {
		t.Fatal(err)
	}
	// The agent's session ends for good: the customer goes back to the queue.
	f.c.Disconnect(f.agent, false)
	f.sup.waitFor(t, 0, EventMonitorEnded, reasonIs("agent_dropped"))
	f.customer.waitFor(t, 0, EventConversationUpdated, func(b json.RawMessage) bool {
		var v CustomerView
		return json.Unmarshal(b, &v) == nil && v.State == ConvQueued
	})
	// Another agent takes it; a new monitor; the customer hangs up.
	if _, err := f.c.SetAgentState(f.agent2, AgentReady); err != nil {
		t.Fatal(err)
	}
	f.agent2.waitFor(t, 0, EventConversationOffered, hasConversation(id))
	if _, err := f.c.Accept(ctx, f.agent2, AcceptParams{ConversationID: id}); err != nil {
		t.Fatal(err)
	}
	mark := len(f.sup.all())
	if _, err := f.c.Monitor(ctx, f.sup, MonitorParams{ConversationID: id}); err != nil {
		t.Fatal(err)
	}
	if err := f.c.End(f.customer, id); err != nil {
		t.Fatal(err)
	}
	f.sup.waitFor(t, mark, EventMonitorEnded, reasonIs("conversation_ended"))
	f.sup.waitFor(t, mark, EventFloorConversationRemoved, hasConversation(id))
	_, err := f.c.SetMode(f.sup, id, ModeBarge)
	mustCode(t, err, "conversation_not_found")
}

// What a customer receives must not depend on whether a supervisor is
// silently monitoring: not the events, not their number, not their content.
func TestCustomerCannotTellSilentMonitors(t *testing.T) {
	scenario := func(t *testing.T, monitors int, act func(f *floor, id ConversationID)) []pushed {
		f := newFloor(t, func() Policy { p := DefaultPolicy(); p.MaxSilentVoiceMonitors = 0; return p }())
		id := f.chat(t, f.customer, f.agent)
		for _, s := range []*recorder{f.sup, f.sup2}[:monitors] {
			if _, err := f.c.Monitor(context.Background(), s, MonitorParams{ConversationID: id}); err != nil {
				t.Fatal(err)
			}
			if _, err := f.c.SetMode(s, id, ModeWhisper); err != nil {
				t.Fatal(err)
			}
		}
		mark := len(f.customer.all())
		act(f, id)
		return f.customer.all()[mark:]
	}
	actions := map[string]func(f *floor, id ConversationID){
		"agent drops":    func(f *floor, id ConversationID) { f.c.Disconnect(f.agent, false) },
		"agent logs out": func(f *floor, id ConversationID) { f.c.Disconnect(f.agent, true) },
		"transfer": func(f *floor, id ConversationID) {
			if _, err := f.c.SetAgentState(f.agent2, AgentReady); err != nil {
				t.Fatal(err)
			}
			if err := f.c.Transfer(f.agent, TransferParams{ConversationID: id, ToAgent: "bea"}); err != nil {
				t.Fatal(err)
			}
		},
		"hold and resume": func(f *floor, id ConversationID) {
			_ = f.c.Hold(f.agent, id, true)
			_ = f.c.Hold(f.agent, id, false)
		},
		"agent ends": func(f *floor, id ConversationID) { _ = f.c.End(f.agent, id) },
	}
	for name, act := range actions {
		t.Run(name, func(t *testing.T) {
			base := scenario(t, 0, act)
			for _, n := range []int{1, 2} {
				got := scenario(t, n, act)
				if len(got) != len(base) {
					t.Fatalf("with %d whispering monitor(s) the customer got %d events, without %d: %v vs %v", n, len(got), len(base), got, base)
				}
				for i := range got {
					if got[i].Event != base[i].Event || !sameButIDs(got[i].Data, base[i].Data) {
						t.Fatalf("event %d differs with %d monitor(s):\n%s %s\n%s %s", i, n, got[i].Event, got[i].Data, base[i].Event, base[i].Data)
					}
				}
			}
		})
	}
}

// sameButIDs compares two JSON payloads ignoring conversation ids and times,
// which differ between runs.
func sameButIDs(a, b json.RawMessage) bool {
	norm := func(r json.RawMessage) string {
		var m map[string]any
		if json.Unmarshal(r, &m) != nil {
			return string(r)
		}
		for _, k := range []string{"conversation_id", "created_at", "answered_at", "at", "id"} {
			delete(m, k)
		}
		out, _ := json.Marshal(m)
		return string(out)
	}
	return norm(a) == norm(b)
}
