package callcenter

import (
	"context"
	"sync"
	"testing"
)

// memMirror records what the Center hands its Mirror, in order.
type memMirror struct {
	mu      sync.Mutex
	updates []mirrorUpdate
}

func (m *memMirror) ConversationChanged(s ConversationSnapshot) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.updates = append(m.updates, mirrorUpdate{changed: &s})
}

func (m *memMirror) ConversationEnded(id ConversationID) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.updates = append(m.updates, mirrorUpdate{ended: id})
}

// since returns the updates after the first n, and the new count.
func (m *memMirror) since(n int) ([]mirrorUpdate, int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]mirrorUpdate(nil), m.updates[n:]...), len(m.updates)
}

// last returns the one snapshot the operation handed over.
func lastSnapshot(t *testing.T, m *memMirror, n int) (ConversationSnapshot, int) {
	t.Helper()
	ups, n := m.since(n)
	if len(ups) != 1 || ups[0].changed == nil {
		t.Fatalf("want exactly one snapshot, got %d updates: %+v", len(ups), ups)
	}
	return *ups[0].changed, n
}

func TestMirrorFollowsEveryChange(t *testing.T) {
	m := &memMirror{}
	f := newFloorOn(t, newTestCenterWith(t, Params{Policy: DefaultPolicy(), Mirror: m}))
	ctx := context.Background()

	// An agent's state change alone touches no conversation: nothing mirrored.
	if _, err := f.c.SetAgentState(f.agent, AgentReady); err != nil {
		t.Fatal(err)
	}
	if ups, _ := m.since(0); len(ups) != 0 {
		t.Fatalf("agent state mirrored a conversation: %+v", ups)
	}
	res, err := f.c.StartConversation(ctx, f.customer, StartParams{Queue: "support", Channel: ChannelChat})
	if err != nil {
		t.Fatal(err)
	}
	id := res.View.ConversationID
	s, n := lastSnapshot(t, m, 0)
	if s.ID != id || s.Tenant != "t1" || s.State != ConvOffered || s.OfferedTo != "alex" || s.Queue != "support" || s.Team != "team-a" {
		t.Fatalf("start: %+v", s)
	}
	if len(s.Parties) != 1 || s.Parties[0].Role != PartyCustomer || s.Parties[0].UserID != "cust" || s.Parties[0].Session != f.customer.ID() {
		t.Fatalf("start parties: %+v", s.Parties)
	}
	if _, err := f.c.Accept(ctx, f.agent, AcceptParams{ConversationID: id}); err != nil {
		t.Fatal(err)
	}
	s, n = lastSnapshot(t, m, n)
	if s.State != ConvActive || s.AnsweredAt == nil || len(s.Parties) != 2 || s.Parties[1].Role != PartyAgent || s.Parties[1].UserID != "alex" {
		t.Fatalf("accept: %+v", s)
	}
	if _, err := f.c.Monitor(ctx, f.sup, MonitorParams{ConversationID: id, Reason: "quality"}); err != nil {
		t.Fatal(err)
	}
	s, n = lastSnapshot(t, m, n)
	sup := s.Parties[2]
	if sup.Role != PartySupervisor || sup.Mode != ModeListen || sup.Reason != "quality" || sup.ModeSince == nil {
		t.Fatalf("monitor: %+v", sup)
	}
	if _, err := f.c.SetMode(f.sup, id, ModeWhisper); err != nil {
		t.Fatal(err)
	}
	if s, n = lastSnapshot(t, m, n); s.Parties[2].Mode != ModeWhisper {
		t.Fatalf("whisper: %+v", s.Parties[2])
	}
	// Setting the mode it already has changes nothing: nothing is mirrored.
	if _, err := f.c.SetMode(f.sup, id, ModeWhisper); err != nil {
		t.Fatal(err)
	}
	if ups, _ := m.since(n); len(ups) != 0 {
		t.Fatalf("unchanged conversation mirrored again: %+v", ups)
	}
	if err := f.c.Hold(f.agent, id, true); err != nil {
		t.Fatal(err)
	}
	if s, n = lastSnapshot(t, m, n); !s.Held || s.Parties[2].Mode != ModeWhisper {
		t.Fatalf("hold: %+v", s)
	}
	if err := f.c.End(f.customer, id); err != nil {
		t.Fatal(err)
	}
	ups, _ := m.since(n)
	if len(ups) != 1 || ups[0].changed != nil || ups[0].ended != id {
		t.Fatalf("end: want one end of %s, got %+v", id, ups)
	}
}

func TestMirrorToldOfShutdownEnds(t *testing.T) {
	m := &memMirror{}
	c := newTestCenterWith(t, Params{Policy: DefaultPolicy(), Mirror: m})
	f := newFloorOn(t, c)
	id := f.chat(t, f.customer, f.agent)
	_, n := m.since(0)
	c.Close() // ends the conversation for shutdown
	ups, _ := m.since(n)
	if len(ups) != 1 || ups[0].ended != id {
		t.Fatalf("shutdown: want the end of %s, got %+v", id, ups)
	}
	// A second close has nothing left to end.
	c.Close()
	if more, _ := m.since(n + 1); len(more) != 0 {
		t.Fatalf("second close mirrored %+v", more)
	}
}
