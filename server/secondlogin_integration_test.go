package main

import (
	"encoding/json"
	"testing"

	"github.com/earshot/earshot/auth"
)

// TestSecondLoginClosesFirstSession: an agent signing in again (another tab,
// another machine) takes the desk, and the first session is told why it
// ends — session.closed "signed_in_elsewhere", not resumable — instead of
// silently losing the desk.
func TestSecondLoginClosesFirstSession(t *testing.T) {
	ts := startServer(t, nil)
	tok := ts.token(t, "alex", "Alex", auth.RoleAgent, "team-a")
	first := newParty(t, ts, "first", tok)
	first.do(t, "agent.set_state", map[string]string{"state": "ready"}, nil)
	other := newParty(t, ts, "bea", ts.token(t, "bea", "Bea", auth.RoleAgent, "team-a"))

	second := newParty(t, ts, "second", tok)
	ev, err := first.sig.WaitEvent(ctxT(t), 0, "session.closed", nil)
	if err != nil {
		t.Fatal(err)
	}
	var closed struct {
		Reason    string `json:"reason"`
		Resumable bool   `json:"resumable"`
	}
	if err := json.Unmarshal(ev.Data, &closed); err != nil {
		t.Fatal(err)
	}
	if closed.Reason != "signed_in_elsewhere" || closed.Resumable {
		t.Fatalf("first session closed with %+v", closed)
	}
	// The first session is gone: it can neither act nor resume.
	if err := first.sig.Request(ctxT(t), "agent.set_state", map[string]string{"state": "ready"}, nil); err == nil {
		t.Fatal("the superseded session still answers requests")
	}
	if err := first.sig.Resume(ctxT(t)); err == nil {
		t.Fatal("the superseded session could be resumed")
	}
	// The second session has the desk; the other agent's session was not
	// touched.
	var st struct {
		Agent struct {
			State string `json:"state"`
		} `json:"agent"`
	}
	second.do(t, "agent.set_state", map[string]string{"state": "ready"}, &st)
	if st.Agent.State != "ready" {
		t.Fatalf("second session's state %q", st.Agent.State)
	}
	other.do(t, "agent.set_state", map[string]string{"state": "ready"}, nil)
	for _, e := range other.sig.Events() {
		if e.Type == "session.closed" {
			t.Fatalf("another agent's session was closed: %s", e.Data)
		}
	}
}
