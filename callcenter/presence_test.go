package callcenter

import (
	"context"
	"testing"
	"time"

	"github.com/earshot/earshot/auth"
)

// supersedable is a recorder that can be told it was signed in elsewhere,
// like a signaling session.
type supersedable struct {
	*recorder
	superseded chan struct{}
}

func (s *supersedable) Superseded() { close(s.superseded) }

// A second session of the same agent takes the desk and the first one is
// told (once) that it was signed in elsewhere; the conversation follows the
// new session and goes on.
func TestSecondLoginSupersedesDesk(t *testing.T) {
	f := newFloor(t, DefaultPolicy())
	old := &supersedable{recorder: newRecorder(ident("ann", "Ann", "t1", auth.RoleAgent, "team-a")), superseded: make(chan struct{})}
	if err := f.c.Connect(old); err != nil {
		t.Fatal(err)
	}
	if _, err := f.c.SetAgentState(old, AgentReady); err != nil {
		t.Fatal(err)
	}
	res, err := f.c.StartConversation(context.Background(), f.customer, StartParams{Queue: "support", Channel: ChannelChat})
	if err != nil {
		t.Fatal(err)
	}
	id := res.View.ConversationID
	old.waitFor(t, 0, EventConversationOffered, hasConversation(id))
	if _, err := f.c.Accept(context.Background(), old, AcceptParams{ConversationID: id}); err != nil {
		t.Fatal(err)
	}

	tab2 := newRecorder(ident("ann", "Ann", "t1", auth.RoleAgent, "team-a"))
	tab2.id = "session-ann-2"
	if err := f.c.Connect(tab2); err != nil {
		t.Fatal(err)
	}
	select {
	case <-old.superseded:
	case <-time.After(10 * time.Second):
		t.Fatal("the older session was not told it was signed in elsewhere")
	}
	tab2.waitFor(t, 0, EventAgentState, nil)
	// The old session no longer acts for the agent; the new one does.
	_, err = f.c.SetAgentState(old, AgentReady)
	mustCode(t, err, "forbidden_role")
	if err := f.c.Hold(tab2, id, true); err != nil {
		t.Fatalf("new desk cannot act on the conversation: %v", err)
	}
	// Its end (as signaling reports it) leaves the conversation alone.
	f.c.Disconnect(old, false)
	if _, err := f.c.SetAgentState(tab2, AgentNotReady); err != nil {
		t.Fatal(err)
	}
	if err := f.c.Hold(tab2, id, false); err != nil {
		t.Fatalf("conversation ended with the superseded session: %v", err)
	}

}
