package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/earshot/earshot/store"
)

// History keeps the latest version of a conversation, its participants, its
// transfers and its transcript with whispers flagged, per tenant.
func testHistory(t *testing.T, newHarness Factory) {
	h := newHarness(t)
	conv := store.ConversationRecord{ID: "c1", Tenant: "t1", Channel: "chat", Queue: "support", Team: "team-a", CreatedAt: base}
	commit(t, h.Store, store.Batch{
		Conversations: []store.ConversationRecord{conv},
		Participants: []store.ParticipantRecord{
			{PartyID: "p1", ConversationID: "c1", Tenant: "t1", User: "carla", Name: "Carla", Role: "customer", JoinedAt: base},
		},
	})
	answered := conv
	answered.AnsweredAt = base.Add(time.Second)
	ended := answered
	ended.Transferred, ended.EndedAt, ended.EndReason = true, base.Add(time.Minute), "customer_ended"
	commit(t, h.Store, store.Batch{
		// Two versions in one batch, as a Writer merges them: the last wins.
		Conversations: []store.ConversationRecord{answered, ended},
		Participants: []store.ParticipantRecord{
			{PartyID: "p2", ConversationID: "c1", Tenant: "t1", User: "alex", Name: "Alex", Role: "agent", JoinedAt: base.Add(time.Second)},
			{PartyID: "p2", ConversationID: "c1", Tenant: "t1", User: "alex", Name: "Alex", Role: "agent", JoinedAt: base.Add(time.Second), LeftAt: base.Add(30 * time.Second), LeftReason: "transferred"},
			{PartyID: "p3", ConversationID: "c1", Tenant: "t1", User: "sam", Name: "Sam", Role: "supervisor", JoinedAt: base.Add(2 * time.Second)},
		},
		Transfers: []store.TransferRecord{{ID: "x1", ConversationID: "c1", Tenant: "t1", From: "alex", To: "bea", By: "alex", ByRole: "agent", At: base.Add(30 * time.Second)}},
		Messages: []store.MessageRecord{
			{ID: "m2", ConversationID: "c1", Tenant: "t1", Seq: 2, Kind: "whisper", Whisper: true, From: "sam", FromName: "Sam", FromRole: "supervisor", Text: "offer the refund", At: base.Add(4 * time.Second)},
			{ID: "m1", ConversationID: "c1", Tenant: "t1", Seq: 1, Kind: "public", From: "carla", FromName: "Carla", FromRole: "customer", Text: "hello", At: base.Add(3 * time.Second)},
		},
	})
	// A message written twice (a retried batch) is kept once.
	commit(t, h.Store, store.Batch{Messages: []store.MessageRecord{{ID: "m1", ConversationID: "c1", Tenant: "t1", Seq: 1, Kind: "public", Text: "hello", At: base.Add(3 * time.Second)}}})

	got, err := h.Store.ConversationHistory(ctxT(t), "t1", "c1")
	if err != nil {
		t.Fatal(err)
	}
	c := got.Conversation
	if !c.EndedAt.Equal(ended.EndedAt) || c.EndReason != "customer_ended" || !c.Transferred || !c.AnsweredAt.Equal(answered.AnsweredAt) || c.Channel != "chat" || c.Team != "team-a" {
		t.Fatalf("conversation %+v", c)
	}
	if len(got.Participants) != 3 || got.Participants[1].User != "alex" || got.Participants[1].LeftReason != "transferred" || got.Participants[2].LeftAt.IsZero() != true {
		t.Fatalf("participants %+v", got.Participants)
	}
	if len(got.Transfers) != 1 || got.Transfers[0].To != "bea" || got.Transfers[0].From != "alex" {
		t.Fatalf("transfers %+v", got.Transfers)
	}
	if len(got.Messages) != 2 || got.Messages[0].ID != "m1" || got.Messages[1].ID != "m2" || !got.Messages[1].Whisper || got.Messages[0].Whisper {
		t.Fatalf("messages %+v", got.Messages)
	}
	if _, err := h.Store.ConversationHistory(ctxT(t), "t2", "c1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("another tenant read the conversation: %v", err)
	}
	list, err := h.Store.Conversations(ctxT(t), store.ConversationQuery{Tenant: "t1", From: base, To: base.Add(time.Hour)})
	if err != nil || len(list) != 1 || list[0].ID != "c1" {
		t.Fatalf("conversations %+v, %v", list, err)
	}
	if list, _ := h.Store.Conversations(ctxT(t), store.ConversationQuery{Tenant: "t2"}); len(list) != 0 {
		t.Fatalf("other tenant lists %+v", list)
	}
}

// Help requests keep every transition's timestamp and filter by tenant,
// time, agent and status.
func testHelpRequests(t *testing.T, newHarness Factory) {
	h := newHarness(t)
	open := store.HelpRequest{ID: "h1", Tenant: "t1", ConversationID: "c1", Agent: "alex", AgentName: "Alex", Reason: "angry customer", Comment: "asks for a manager", Status: "open", RaisedAt: base}
	taken := open
	taken.Status, taken.ProvidedBy, taken.ProvidedByName, taken.AcceptedAt = "in_progress", "sam", "Sam", base.Add(20*time.Second)
	closed := taken
	closed.Status, closed.ClosedAt, closed.EndReason = "closed", base.Add(time.Minute), "agent"
	commit(t, h.Store, store.Batch{HelpRequests: []store.HelpRequest{open}})
	commit(t, h.Store, store.Batch{HelpRequests: []store.HelpRequest{taken, closed}})
	commit(t, h.Store, store.Batch{HelpRequests: []store.HelpRequest{
		{ID: "h2", Tenant: "t1", ConversationID: "c2", Agent: "bea", Reason: "technical", Status: "cancelled", RaisedAt: base.Add(time.Hour), CancelledAt: base.Add(time.Hour + time.Second), EndReason: "transferred"},
		{ID: "h3", Tenant: "t2", ConversationID: "c3", Agent: "alex", Reason: "x", Status: "open", RaisedAt: base},
	}})
	all, err := h.Store.HelpRequests(ctxT(t), store.HelpQuery{Tenant: "t1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].ID != "h1" || all[1].ID != "h2" {
		t.Fatalf("help requests %+v", all)
	}
	g := all[0]
	if g.Status != "closed" || g.ProvidedBy != "sam" || !g.RaisedAt.Equal(base) || !g.AcceptedAt.Equal(taken.AcceptedAt) ||
		!g.ClosedAt.Equal(closed.ClosedAt) || !g.CancelledAt.IsZero() || g.Comment != "asks for a manager" || g.EndReason != "agent" {
		t.Fatalf("h1 %+v", g)
	}
	for _, tc := range []struct {
		q    store.HelpQuery
		want int
	}{
		{store.HelpQuery{Tenant: "t1", Agent: "bea"}, 1},
		{store.HelpQuery{Tenant: "t1", Status: "cancelled"}, 1},
		{store.HelpQuery{Tenant: "t1", From: base.Add(time.Minute)}, 1},
		{store.HelpQuery{Tenant: "t1", To: base.Add(time.Minute)}, 1},
		{store.HelpQuery{Tenant: "t1", ConversationID: "c3"}, 0},
		{store.HelpQuery{Tenant: "t2"}, 1},
	} {
		got, err := h.Store.HelpRequests(ctxT(t), tc.q)
		if err != nil || len(got) != tc.want {
			t.Fatalf("%+v: got %d (%v), want %d", tc.q, len(got), err, tc.want)
		}
	}
}
