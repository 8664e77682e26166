package callcenter

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/store"
)

// A conversation rebuilt on another node from its last snapshot comes back
// with the same parties in the same roles, the supervisor in the same mode
// (Whisper here: never louder, never quieter), the agent busy with it; each
// party's adopted session gets its own view in full and a media.reoffer for
// its voice leg, a supervisor the floor. The takeover is audited. A
// conversation whose customer's session was not adopted is not rebuilt.
func TestRestoreRebuildsFromSnapshots(t *testing.T) {
	m := &memMirror{}
	f := newFloorOn(t, newTestCenterWith(t, Params{Policy: DefaultPolicy(), Mirror: m}))
	id := f.voice(t, f.customer, f.agent)
	f.monitorVoice(t, f.sup, id)
	if _, err := f.c.SetMode(f.sup, id, ModeWhisper); err != nil {
		t.Fatal(err)
	}
	ups, _ := m.since(0)
	var snap ConversationSnapshot
	for _, u := range ups {
		if u.changed != nil && u.changed.ID == id {
			snap = *u.changed
		}
	}
	if len(snap.Parties) != 3 {
		t.Fatalf("last snapshot %+v", snap)
	}

	// The new home: the same clients stand for the adopted sessions.
	g := newTestCenterWith(t, Params{Policy: DefaultPolicy()})
	byID := map[string]Client{f.customer.ID(): f.customer, f.agent.ID(): f.agent, f.sup.ID(): f.sup}
	lookup := func(sid string) Client { return byID[sid] }
	gone := snap
	gone.ID = "other-conversation"
	gone.Parties = append([]PartySnapshot(nil), snap.Parties...)
	gone.Parties[0].Session = "not-adopted"
	res := g.Restore(RestoreParams{Snapshots: []ConversationSnapshot{snap, gone}, From: "node-a", Session: lookup})
	if res.Restored != 1 || res.Dropped != 1 {
		t.Fatalf("restore %+v", res)
	}
	if !g.Live(id) || g.Live("other-conversation") {
		t.Fatal("the wrong conversations are live")
	}
	st := g.Stats()
	if st.Monitors[ModeWhisper.String()] != 1 || st.Conversations["voice"]["active"] != 1 {
		t.Fatalf("stats after restore %+v", st)
	}
	auditorOf(g).waitAction(t, AuditConversationRestored)

	supFrom := len(f.sup.all())
	for _, r := range []*recorder{f.customer, f.agent, f.sup} {
		from := len(r.all())
		g.Adopted(r)
		r.waitFor(t, from, EventMediaReoffer, hasConversation(id))
		v, _ := r.waitFor(t, from, EventConversationUpdated, hasConversation(id))
		if r == f.sup && !strings.Contains(string(v), `"mode":"whisper"`) {
			t.Fatalf("supervisor's view after the takeover: %s", v)
		}
		if r == f.customer && strings.Contains(string(v), "Sam") {
			t.Fatalf("the customer's view names the supervisor: %s", v)
		}
	}
	f.sup.waitFor(t, supFrom, EventFloorConversation, func(b json.RawMessage) bool {
		return hasConversation(id)(b) && strings.Contains(string(b), `"whisper"`)
	})
	// The routes follow the hear-matrix once the legs are back: the agent
	// hears the whisper, the customer does not.
	g.mu.Lock()
	conv := g.conversations[id]
	s := conv.hearState()
	sup, cust, agent := conv.supervisors()[0], conv.customer(), conv.agent()
	g.mu.Unlock()
	if !CanHear(s, agent.id, sup.id) || CanHear(s, cust.id, sup.id) {
		t.Fatal("the restored whisper is not a whisper")
	}
}

// An agent comes back from its record at its desk with its Ready choice,
// and is offered the next call; an agent whose desk was not adopted does
// not come back. A restored chat has its stored transcript.
func TestRestoreBringsAgentsAndTranscriptsBack(t *testing.T) {
	g := newTestCenterWith(t, Params{Policy: DefaultPolicy()})
	alex := newRecorder(ident("alex", "Alex", "t1", auth.RoleAgent, "team-a"))
	bea := newRecorder(ident("bea", "Bea", "t1", auth.RoleAgent, "team-a"))
	cust := newRecorder(ident("cust", "Carla", "t1", auth.RoleCustomer))
	byID := map[string]Client{alex.ID(): alex, cust.ID(): cust}
	res := g.Restore(RestoreParams{
		From:    "node-a",
		Session: func(id string) Client { return byID[id] },
		Agents: []AgentSnapshot{
			{Tenant: "t1", UserID: "alex", Name: "Alex", Teams: []auth.TeamID{"team-a"}, State: AgentReady, Available: true, Desk: alex.ID()},
			{Tenant: "t1", UserID: "bea", Name: "Bea", Teams: []auth.TeamID{"team-a"}, State: AgentReady, Available: true, Desk: bea.ID()},
		},
	})
	if res.Restored != 0 {
		t.Fatalf("restore %+v", res)
	}
	alex.waitFor(t, 0, EventAgentState, func(b json.RawMessage) bool { return strings.Contains(string(b), `"state":"ready"`) })
	if n := len(bea.all()); n != 0 {
		t.Fatalf("bea, whose desk was not adopted, got %d events", n)
	}
	if err := g.Connect(cust); err != nil {
		t.Fatal(err)
	}
	st, err := g.StartConversation(context.Background(), cust, StartParams{Queue: "support", Channel: ChannelChat})
	if err != nil {
		t.Fatal(err)
	}
	alex.waitFor(t, 0, EventConversationOffered, hasConversation(st.View.ConversationID))

	// A chat restored with its stored messages answers the transcript.
	chat := ConversationSnapshot{
		ID: "chat-1", Tenant: "t1", Channel: ChannelChat, State: ConvActive, Queue: "support", Team: "team-a",
		Parties: []PartySnapshot{{PartyID: "p-c", UserID: "cust2", Name: "Chris", Role: PartyCustomer, Session: "s-cust2"}},
	}
	c2 := newRecorder(ident("cust2", "Chris", "t1", auth.RoleCustomer))
	res = g.Restore(RestoreParams{
		From: "node-a", Snapshots: []ConversationSnapshot{chat},
		Session: func(id string) Client {
			if id == "s-cust2" {
				return c2
			}
			return nil
		},
		Transcripts: map[ConversationID][]store.MessageRecord{"chat-1": {
			{ID: "m1", ConversationID: "chat-1", Tenant: "t1", Seq: 1, Kind: "public", From: "cust2", FromName: "Chris", FromRole: "customer", Text: "hello", At: time.Now()},
			{ID: "m2", ConversationID: "chat-1", Tenant: "t1", Seq: 1, Kind: "whisper", Whisper: true, From: "sam", FromName: "Sam", FromRole: "supervisor", Text: "coach", At: time.Now()},
		}},
	})
	if res.Restored != 1 {
		t.Fatalf("chat restore %+v", res)
	}
	msgs, err := g.Transcript(c2, "chat-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || msgs[0].Text != "hello" {
		t.Fatalf("the customer's transcript after the restore: %+v (whispers must stay hidden)", msgs)
	}
}
