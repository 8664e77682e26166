package callcenter

import (
	"encoding/json"
	"strings"
	"testing"
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
	res := g.Restore([]ConversationSnapshot{snap, gone}, "node-a", lookup)
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
