package callcenter

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/earshot/earshot/auth"
)

func helpView(t *testing.T, b json.RawMessage) HelpRequestView {
	t.Helper()
	var v HelpRequestView
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func helpIs(id HelpRequestID, status HelpStatus) func(json.RawMessage) bool {
	return func(b json.RawMessage) bool {
		var v HelpRequestView
		return json.Unmarshal(b, &v) == nil && v.ID == id && v.Status == status
	}
}

func countEvents(r *recorder, from int, name string) int {
	n := 0
	for _, e := range r.all()[from:] {
		if e.Event == name {
			n++
		}
	}
	return n
}

// The lifecycle: raise → the team's supervisors are alerted once each →
// one accepts (In Progress, HelpProvidedBy) and is offered the controls →
// the others see it taken → the agent closes it and may raise a new one.
func TestHelpRequestLifecycle(t *testing.T) {
	f := newFloor(t, DefaultPolicy())
	a := auditorOf(f.c)
	id := f.chat(t, f.customer, f.agent)
	marks := map[*recorder]int{}
	for _, r := range []*recorder{f.customer, f.agent, f.sup, f.sup2, f.supB, f.outsider} {
		marks[r] = len(r.all())
	}
	v, err := f.c.RaiseHelp(f.agent, RaiseHelpParams{ConversationID: id, Reason: "angry customer", Comment: "wants a refund"})
	if err != nil {
		t.Fatal(err)
	}
	if v.Status != HelpOpen || v.Agent.UserID != "alex" || v.Reason != "angry customer" || v.RaisedAt.IsZero() || v.ProvidedBy != nil {
		t.Fatalf("raised %+v", v)
	}
	for _, s := range []*recorder{f.sup, f.sup2} {
		b, _ := s.waitFor(t, marks[s], EventHelpRequested, helpIs(v.ID, HelpOpen))
		if got := helpView(t, b); got.Comment != "wants a refund" || got.ConversationID != id {
			t.Fatalf("%s alert %+v", s.id, got)
		}
	}
	row := floorRow(t, f.c, f.sup, id)
	if row.Help == nil || row.Help.ID != v.ID || row.Help.Status != HelpOpen {
		t.Fatalf("floor badge %+v", row.Help)
	}
	_, err = f.c.RaiseHelp(f.agent, RaiseHelpParams{ConversationID: id, Reason: "again"})
	mustCode(t, err, "help_already_open")
	_, err = f.c.AcceptHelp(f.supB, v.ID)
	mustCode(t, err, "other_team")
	_, err = f.c.AcceptHelp(f.outsider, v.ID)
	mustCode(t, err, "help_not_found")
	_, err = f.c.CloseHelp(f.agent, v.ID)
	mustCode(t, err, "help_wrong_state")

	res, err := f.c.AcceptHelp(f.sup, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if res.Request.Status != HelpInProgress || res.Request.ProvidedBy == nil || res.Request.ProvidedBy.UserID != "sam" ||
		res.Request.AcceptedAt == nil || res.Monitoring || !slices.Equal(res.Controls, []Mode{ModeListen, ModeWhisper, ModeBarge}) {
		t.Fatalf("accept result %+v", res)
	}
	f.agent.waitFor(t, marks[f.agent], EventHelpUpdated, helpIs(v.ID, HelpInProgress))
	f.sup2.waitFor(t, marks[f.sup2], EventHelpUpdated, helpIs(v.ID, HelpInProgress)) // sees it taken
	_, err = f.c.AcceptHelp(f.sup2, v.ID)
	mustCode(t, err, "help_taken")
	_, err = f.c.CancelHelp(f.agent, v.ID)
	mustCode(t, err, "help_wrong_state")

	// Actions taken while helping name the request.
	if _, err := f.c.Monitor(context.Background(), f.sup, MonitorParams{ConversationID: id, Reason: "help"}); err != nil {
		t.Fatal(err)
	}
	if d := details(t, a.waitAction(t, AuditMonitorStart)); d["help_request_id"] != string(v.ID) {
		t.Fatalf("monitor.start after accept: %v", d)
	}

	closed, err := f.c.CloseHelp(f.agent, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if closed.Status != HelpClosed || closed.ClosedAt == nil || closed.EndReason != "agent" {
		t.Fatalf("closed %+v", closed)
	}
	for _, r := range []*recorder{f.sup, f.sup2} {
		r.waitFor(t, marks[r], EventHelpUpdated, helpIs(v.ID, HelpClosed))
	}
	if row := floorRow(t, f.c, f.sup, id); row.Help != nil {
		t.Fatalf("badge after close %+v", row.Help)
	}
	v2, err := f.c.RaiseHelp(f.agent, RaiseHelpParams{ConversationID: id, Reason: "one more thing"})
	if err != nil || v2.ID == v.ID {
		t.Fatalf("second request: %+v %v", v2, err)
	}
	if _, err := f.c.CancelHelp(f.agent, v2.ID); err != nil {
		t.Fatal(err)
	}

	// Exactly the team's supervisors were alerted, once per request;
	// the customer, other teams and other tenants learnt nothing.
	for r, want := range map[*recorder]int{f.sup: 2, f.sup2: 2, f.supB: 0, f.outsider: 0, f.customer: 0, f.agent: 0} {
		if got := countEvents(r, marks[r], EventHelpRequested); got != want {
			t.Errorf("%s got %d help.requested, want %d", r.id, got, want)
		}
	}
	for _, r := range []*recorder{f.customer, f.supB, f.outsider} {
		if got := countEvents(r, marks[r], EventHelpUpdated); got != 0 {
			t.Errorf("%s got %d help.updated", r.id, got)
		}
	}
	var helpActions []string
	for _, act := range a.actions() {
		if len(act) > 5 && act[:5] == "help." {
			helpActions = append(helpActions, act)
		}
	}
	if want := []string{"help.raise", "help.accept", "help.close", "help.raise", "help.cancel"}; !slices.Equal(helpActions, want) {
		t.Fatalf("help audit %v, want %v", helpActions, want)
	}
	rows := a.all().HelpRequests
	last := rows[len(rows)-1]
	if last.ID != string(v2.ID) || last.Status != "cancelled" || last.CancelledAt.IsZero() || last.EndReason != "agent" {
		t.Fatalf("last help row %+v", last)
	}
}

// A request is cancelled when its conversation is transferred or ends; one
// in progress is closed. The agent and the alerted supervisors are told.
func TestHelpRequestEndsWithConversation(t *testing.T) {
	for _, tc := range []struct {
		name     string
		accept   bool
		act      func(f *floor, id ConversationID) error
		status   HelpStatus
		reason   string
		auditAct AuditAction
	}{
		{"transfer", false, func(f *floor, id ConversationID) error {
			if _, err := f.c.SetAgentState(f.agent2, AgentReady); err != nil {
				return err
			}
			return f.c.Transfer(f.agent, TransferParams{ConversationID: id, ToAgent: "bea"})
		}, HelpCancelled, "transferred", AuditHelpAutoCancel},
		{"end", false, func(f *floor, id ConversationID) error { return f.c.End(f.customer, id) }, HelpCancelled, "conversation_ended", AuditHelpAutoCancel},
		{"end in progress", true, func(f *floor, id ConversationID) error { return f.c.End(f.agent, id) }, HelpClosed, "conversation_ended", AuditHelpAutoClose},
		{"agent drops", false, func(f *floor, id ConversationID) error { f.c.Disconnect(f.agent, false); return nil }, HelpCancelled, "agent_dropped", AuditHelpAutoCancel},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFloor(t, DefaultPolicy())
			a := auditorOf(f.c)
			id := f.chat(t, f.customer, f.agent)
			v, err := f.c.RaiseHelp(f.agent, RaiseHelpParams{ConversationID: id, Reason: "stuck"})
			if err != nil {
				t.Fatal(err)
			}
			if tc.accept {
				if _, err := f.c.AcceptHelp(f.sup, v.ID); err != nil {
					t.Fatal(err)
				}
			}
			if err := tc.act(f, id); err != nil {
				t.Fatal(err)
			}
			b, _ := f.sup2.waitFor(t, 0, EventHelpUpdated, helpIs(v.ID, tc.status))
			if got := helpView(t, b); got.EndReason != tc.reason {
				t.Fatalf("end reason %q, want %q", got.EndReason, tc.reason)
			}
			if tc.name != "agent drops" {
				f.agent.waitFor(t, 0, EventHelpUpdated, helpIs(v.ID, tc.status))
			}
			e := a.waitAction(t, tc.auditAct)
			if e.Actor != "system" || e.Agent != "alex" || details(t, e)["help_request_id"] != string(v.ID) {
				t.Fatalf("auto event %+v", e)
			}
			if _, err := f.c.CancelHelp(f.agent, v.ID); err == nil {
				t.Fatal("an ended request was cancelled again")
			}
			list, err := f.c.HelpRequests(f.sup)
			if err != nil || len(list.Requests) != 0 {
				t.Fatalf("still listed: %+v %v", list, err)
			}
		})
	}
}

// A supervisor who muted help alerts is not alerted, and unmuting brings
// the alerts back; the floor badge is shown either way.
func TestHelpAlertsMute(t *testing.T) {
	f := newFloor(t, DefaultPolicy())
	id := f.chat(t, f.customer, f.agent)
	if on, err := f.c.MuteHelp(f.sup2, true); err != nil || !on {
		t.Fatal(on, err)
	}
	_, err := f.c.MuteHelp(f.agent, true)
	mustCode(t, err, "forbidden_role")
	mark := len(f.sup2.all())
	v, err := f.c.RaiseHelp(f.agent, RaiseHelpParams{ConversationID: id, Reason: "x"})
	if err != nil {
		t.Fatal(err)
	}
	f.sup.waitFor(t, 0, EventHelpRequested, helpIs(v.ID, HelpOpen))
	if n := countEvents(f.sup2, mark, EventHelpRequested); n != 0 {
		t.Fatalf("muted supervisor alerted %d times", n)
	}
	if row := floorRow(t, f.c, f.sup2, id); row.Help == nil {
		t.Fatal("muted supervisor lost the floor badge")
	}
	list, err := f.c.HelpRequests(f.sup2)
	if err != nil || !list.Muted || len(list.Requests) != 1 {
		t.Fatalf("list %+v %v", list, err)
	}
	if _, err := f.c.CancelHelp(f.agent, v.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.c.MuteHelp(f.sup2, false); err != nil {
		t.Fatal(err)
	}
	v2, err := f.c.RaiseHelp(f.agent, RaiseHelpParams{ConversationID: id, Reason: "y"})
	if err != nil {
		t.Fatal(err)
	}
	f.sup2.waitFor(t, mark, EventHelpRequested, helpIs(v2.ID, HelpOpen))
	mutes := 0
	for _, act := range auditorOf(f.c).actions() {
		if act == "help.mute" {
			mutes++
		}
	}
	if mutes != 2 {
		t.Fatalf("%d help.mute events, want 2", mutes)
	}
}

func TestHelpRequestValidation(t *testing.T) {
	f := newFloor(t, DefaultPolicy())
	id := f.chat(t, f.customer, f.agent)
	_, err := f.c.RaiseHelp(f.agent, RaiseHelpParams{ConversationID: id, Reason: "  "})
	mustCode(t, err, "bad_request")
	_, err = f.c.RaiseHelp(f.customer, RaiseHelpParams{ConversationID: id, Reason: "x"})
	mustCode(t, err, "forbidden_role")
	_, err = f.c.RaiseHelp(f.agent2, RaiseHelpParams{ConversationID: id, Reason: "x"})
	mustCode(t, err, "not_participant")
	_, err = f.c.AcceptHelp(f.agent, "nope")
	mustCode(t, err, "forbidden_role")
	_, err = f.c.AcceptHelp(f.sup, "nope")
	mustCode(t, err, "help_not_found")
	_, err = f.c.HelpRequests(f.customer)
	mustCode(t, err, "forbidden_role")
	auditorOf(f.c).setFail(true)
	_, err = f.c.RaiseHelp(f.agent, RaiseHelpParams{ConversationID: id, Reason: "x"})
	mustCode(t, err, "audit_unavailable")
	if list, _ := f.c.HelpRequests(f.sup); len(list.Requests) != 0 {
		t.Fatalf("refused raise left a request: %+v", list)
	}
}

// A supervisor whose teams changed since it was alerted is not told of the
// request any more (F16).
func TestHelpUpdatesFollowPrivileges(t *testing.T) {
	f := newFloor(t, DefaultPolicy())
	id := f.chat(t, f.customer, f.agent)
	v, err := f.c.RaiseHelp(f.agent, RaiseHelpParams{ConversationID: id, Reason: "x"})
	if err != nil {
		t.Fatal(err)
	}
	f.sup2.waitFor(t, 0, EventHelpRequested, helpIs(v.ID, HelpOpen))
	old := f.sup2.Identity()
	moved := ident("sid", "Sid", "t1", auth.RoleSupervisor, "team-b")
	f.sup2.setIdentity(moved)
	if err := f.c.Refresh(f.sup2, old, moved); err != nil {
		t.Fatal(err)
	}
	mark := len(f.sup2.all())
	if _, err := f.c.CancelHelp(f.agent, v.ID); err != nil {
		t.Fatal(err)
	}
	f.sup.waitFor(t, 0, EventHelpUpdated, helpIs(v.ID, HelpCancelled))
	if n := countEvents(f.sup2, mark, EventHelpUpdated); n != 0 {
		t.Fatalf("a supervisor moved to another team got %d help.updated", n)
	}
}
