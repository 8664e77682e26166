package main

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/store"
)

type helpMsg struct {
	ID             string `json:"id"`
	ConversationID string `json:"conversation_id"`
	Status         string `json:"status"`
	EndReason      string `json:"end_reason"`
	ProvidedBy     *struct {
		UserID string `json:"user_id"`
	} `json:"provided_by"`
}

func helpOf(b json.RawMessage) helpMsg {
	var h helpMsg
	_ = json.Unmarshal(b, &h)
	return h
}

// waitHelp waits for a help event about request id in status.
func (p *party) waitHelp(t *testing.T, from int, event, id, status string) helpMsg {
	t.Helper()
	ev, err := p.sig.WaitEvent(ctxT(t), from, event, func(b json.RawMessage) bool {
		h := helpOf(b)
		return h.ID == id && h.Status == status
	})
	if err != nil {
		t.Fatalf("%s: %v", p.name, err)
	}
	return helpOf(ev.Data)
}

// countHelp counts help events (any request) since from.
func (p *party) countHelp(from int, event string) int {
	n := 0
	for _, e := range p.sig.Events()[from:] {
		if e.Type == event {
			n++
		}
	}
	return n
}

// chatCall starts a chat from cust on "support", answered by agent.
func chatCall(t *testing.T, cust, agent *party) string {
	t.Helper()
	agent.do(t, "agent.set_state", map[string]string{"state": "ready"}, nil)
	var start startResp
	cust.do(t, "conversation.start", map[string]string{"queue": "support", "channel": "chat"}, &start)
	id := start.Conversation.ConversationID
	if _, err := agent.sig.WaitEvent(ctxT(t), 0, "conversation.offered", func(b json.RawMessage) bool { return convID(b) == id }); err != nil {
		t.Fatal(err)
	}
	agent.do(t, "conversation.accept", map[string]string{"conversation_id": id}, nil)
	return id
}

func raise(t *testing.T, agent *party, conv, reason string) string {
	t.Helper()
	var r struct {
		HelpRequest helpMsg `json:"help_request"`
	}
	agent.do(t, "help.raise", map[string]string{"conversation_id": conv, "reason": reason, "comment": "customer asks for a manager"}, &r)
	if r.HelpRequest.Status != "open" || r.HelpRequest.ID == "" {
		t.Fatalf("raised %+v", r.HelpRequest)
	}
	return r.HelpRequest.ID
}

// The help-request lifecycle over the real signaling and store: alerts reach
// exactly the agent's team's supervisors (not muted ones, not other teams or
// tenants, never the customer); accept, cancel, close; automatic cancel on
// transfer and on end; every transition persisted and audited.
func TestHelpRequestsOverSignaling(t *testing.T) {
	ts := startServer(t, nil)
	cust := newParty(t, ts, "customer", ts.token(t, "carla", "Carla", auth.RoleCustomer))
	alex := newParty(t, ts, "alex", ts.token(t, "alex", "Alex", auth.RoleAgent, "team-a"))
	bea := newParty(t, ts, "bea", ts.token(t, "bea", "Bea", auth.RoleAgent, "team-a"))
	sam := newParty(t, ts, "sam", ts.token(t, "sam", "Sam", auth.RoleSupervisor, "team-a"))
	sid := newParty(t, ts, "sid", ts.token(t, "sid", "Sid", auth.RoleSupervisor, "team-a", "team-b"))
	sue := newParty(t, ts, "sue", ts.token(t, "sue", "Sue", auth.RoleSupervisor, "team-b"))
	olga := newParty(t, ts, "olga", ts.tokenFor(t, auth.Identity{Subject: "olga", Name: "Olga", Tenant: "t2",
		Roles: []auth.Role{auth.RoleSupervisor}, Teams: []auth.TeamID{"team-a"}}, time.Hour))
	everyone := []*party{cust, alex, bea, sam, sid, sue, olga}
	conv := chatCall(t, cust, alex)

	var reqs []string
	t.Run("raise alerts the team once each", func(t *testing.T) {
		marks := map[*party]int{}
		for _, p := range everyone {
			marks[p] = p.sig.Mark()
		}
		id := raise(t, alex, conv, "angry customer")
		reqs = append(reqs, id)
		sam.waitHelp(t, marks[sam], "help.requested", id, "open")
		sid.waitHelp(t, marks[sid], "help.requested", id, "open")
		alex.refused(t, "help.raise", map[string]string{"conversation_id": conv, "reason": "again"}, "help_already_open")
		sue.refused(t, "help.accept", map[string]string{"help_request_id": id}, "other_team")
		olga.refused(t, "help.accept", map[string]string{"help_request_id": id}, "help_not_found")
		cust.refused(t, "help.raise", map[string]string{"conversation_id": conv, "reason": "x"}, "forbidden_role")
		// The cancel is seen by the alerted supervisors.
		alex.do(t, "help.cancel", map[string]string{"help_request_id": id}, nil)
		sam.waitHelp(t, marks[sam], "help.updated", id, "cancelled")
		sid.waitHelp(t, marks[sid], "help.updated", id, "cancelled")
		for p, want := range map[*party]int{sam: 1, sid: 1, sue: 0, olga: 0, cust: 0, bea: 0, alex: 0} {
			if got := p.countHelp(marks[p], "help.requested"); got != want {
				t.Errorf("%s got %d help.requested, want %d", p.name, got, want)
			}
		}
	})

	t.Run("accept, others see it taken, close", func(t *testing.T) {
		var muted struct {
			Muted bool `json:"muted"`
		}
		sid.do(t, "help.mute", map[string]any{"on": false}, &muted)
		sue.do(t, "help.mute", map[string]any{"on": true}, &muted)
		if !muted.Muted {
			t.Fatal("mute not acknowledged")
		}
		marks := map[*party]int{}
		for _, p := range everyone {
			marks[p] = p.sig.Mark()
		}
		id := raise(t, alex, conv, "refund policy")
		reqs = append(reqs, id)
		sid.waitHelp(t, marks[sid], "help.requested", id, "open")
		var acc struct {
			HelpRequest  helpMsg  `json:"help_request"`
			Controls     []string `json:"controls"`
			Monitoring   bool     `json:"monitoring"`
			Conversation struct {
				ConversationID string `json:"conversation_id"`
			} `json:"conversation"`
		}
		sam.do(t, "help.accept", map[string]string{"help_request_id": id}, &acc)
		if acc.HelpRequest.Status != "in_progress" || acc.HelpRequest.ProvidedBy == nil || acc.HelpRequest.ProvidedBy.UserID != "sam" ||
			len(acc.Controls) != 3 || acc.Monitoring || acc.Conversation.ConversationID != conv {
			t.Fatalf("accept %+v", acc)
		}
		alex.waitHelp(t, marks[alex], "help.updated", id, "in_progress")
		sid.waitHelp(t, marks[sid], "help.updated", id, "in_progress") // taken
		sid.refused(t, "help.accept", map[string]string{"help_request_id": id}, "help_taken")
		alex.refused(t, "help.cancel", map[string]string{"help_request_id": id}, "help_wrong_state")
		// The offered controls work.
		sam.do(t, "monitor.start", map[string]string{"conversation_id": conv, "reason": "help request"}, nil)
		sam.do(t, "monitor.set_mode", map[string]string{"conversation_id": conv, "mode": "whisper"}, nil)
		alex.do(t, "help.close", map[string]string{"help_request_id": id}, nil)
		sam.waitHelp(t, marks[sam], "help.updated", id, "closed")
		sam.do(t, "monitor.leave", map[string]string{"conversation_id": conv}, nil)
		if got := sue.countHelp(marks[sue], "help.requested"); got != 0 {
			t.Fatalf("muted, other-team supervisor alerted %d times", got)
		}
	})

	t.Run("cancelled on transfer", func(t *testing.T) {
		marks := map[*party]int{alex: alex.sig.Mark(), sam: sam.sig.Mark()}
		id := raise(t, alex, conv, "transfer me")
		reqs = append(reqs, id)
		sam.waitHelp(t, marks[sam], "help.requested", id, "open")
		bea.do(t, "agent.set_state", map[string]string{"state": "ready"}, nil)
		alex.do(t, "conversation.transfer", map[string]string{"conversation_id": conv, "to_agent": "bea"}, nil)
		if h := alex.waitHelp(t, marks[alex], "help.updated", id, "cancelled"); h.EndReason != "transferred" {
			t.Fatalf("end reason %q", h.EndReason)
		}
		sam.waitHelp(t, marks[sam], "help.updated", id, "cancelled")
	})

	t.Run("cancelled on end", func(t *testing.T) {
		if _, err := bea.sig.WaitEvent(ctxT(t), 0, "conversation.offered", func(b json.RawMessage) bool { return convID(b) == conv }); err != nil {
			t.Fatal(err)
		}
		bea.do(t, "conversation.accept", map[string]string{"conversation_id": conv}, nil)
		marks := map[*party]int{bea: bea.sig.Mark(), sam: sam.sig.Mark()}
		id := raise(t, bea, conv, "one more")
		reqs = append(reqs, id)
		sam.waitHelp(t, marks[sam], "help.requested", id, "open")
		cust.do(t, "conversation.end", map[string]string{"conversation_id": conv}, nil)
		if h := bea.waitHelp(t, marks[bea], "help.updated", id, "cancelled"); h.EndReason != "conversation_ended" {
			t.Fatalf("end reason %q", h.EndReason)
		}
		sam.waitHelp(t, marks[sam], "help.updated", id, "cancelled")
		var list struct {
			HelpRequests []helpMsg `json:"help_requests"`
		}
		sam.do(t, "help.list", nil, &list)
		if len(list.HelpRequests) != 0 {
			t.Fatalf("still listed: %+v", list)
		}
	})

	for _, e := range cust.sig.Events() {
		if len(e.Type) >= 5 && e.Type[:5] == "help." {
			t.Fatalf("the customer received %s", e.Type)
		}
	}

	// Every request and transition is in the store, and in the audit trail.
	ts.shutdown(t) // flushes the writer
	st, err := openStore(context.Background(), ts.a.cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rows, err := st.HelpRequests(context.Background(), store.HelpQuery{Tenant: "t1"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{reqs[0]: "cancelled/agent", reqs[1]: "closed/agent", reqs[2]: "cancelled/transferred", reqs[3]: "cancelled/conversation_ended"}
	if len(rows) != len(want) {
		t.Fatalf("%d help rows, want %d", len(rows), len(want))
	}
	for _, r := range rows {
		if got := r.Status + "/" + r.EndReason; got != want[r.ID] {
			t.Errorf("request %s stored as %s, want %s", r.ID, got, want[r.ID])
		}
		if r.RaisedAt.IsZero() || (r.Status == "closed" && (r.AcceptedAt.IsZero() || r.ClosedAt.IsZero() || r.ProvidedBy != "sam")) ||
			(r.Status == "cancelled" && r.CancelledAt.IsZero()) {
			t.Errorf("request %s timestamps %+v", r.ID, r)
		}
	}
	page, err := st.SearchAudit(context.Background(), store.AuditQuery{Tenant: "t1", Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, e := range page.Events {
		count[e.Action]++
		if e.Action == "monitor.whisper" && !json.Valid([]byte(e.Details)) {
			t.Fatal("bad details")
		}
	}
	for action, n := range map[string]int{"help.raise": 4, "help.cancel": 1, "help.accept": 1, "help.close": 1, "help.auto_cancel": 2, "help.mute": 1,
		"monitor.start": 1, "monitor.whisper": 1, "monitor.leave": 1, "conversation.transfer": 1} {
		if count[action] != n {
			t.Errorf("%d %s events, want %d (all: %v)", count[action], action, n, count)
		}
	}
}
