package callcenter

import (
	"context"
	"testing"
	"time"
)

func TestRoutingLongestIdleFirst(t *testing.T) {
	f := newFloor(t, DefaultPolicy())
	ctx := context.Background()
	// bea becomes Ready first, so she has been idle longest.
	if _, err := f.c.SetAgentState(f.agent2, AgentReady); err != nil {
		t.Fatal(err)
	}
	if _, err := f.c.SetAgentState(f.agent, AgentReady); err != nil {
		t.Fatal(err)
	}
	// dan is Ready but in team-b: never offered a support conversation.
	if _, err := f.c.SetAgentState(f.agentB, AgentReady); err != nil {
		t.Fatal(err)
	}
	r1, err := f.c.StartConversation(ctx, f.customer, StartParams{Queue: "support", Channel: ChannelChat})
	if err != nil {
		t.Fatal(err)
	}
	f.agent2.waitFor(t, 0, EventConversationOffered, hasConversation(r1.View.ConversationID))
	r2, err := f.c.StartConversation(ctx, f.customer2, StartParams{Queue: "support", Channel: ChannelChat})
	if err != nil {
		t.Fatal(err)
	}
	f.agent.waitFor(t, 0, EventConversationOffered, hasConversation(r2.View.ConversationID))
	for _, e := range f.agentB.all() {
		if e.Event == EventConversationOffered {
			t.Fatal("a team-b agent was offered a support conversation")
		}
	}
	t.Run("second conversation refused", func(t *testing.T) {
		_, err := f.c.StartConversation(ctx, f.customer, StartParams{Queue: "support", Channel: ChannelChat})
		mustCode(t, err, "already_in_conversation")
	})
	t.Run("unknown queue", func(t *testing.T) {
		c3 := newRecorder(ident("c3", "C3", "t1", 1))
		_, err := f.c.StartConversation(ctx, c3, StartParams{Queue: "nope", Channel: ChannelChat})
		mustCode(t, err, "queue_not_found")
	})
	t.Run("accept by the wrong agent", func(t *testing.T) {
		_, err := f.c.Accept(ctx, f.agent, AcceptParams{ConversationID: r1.View.ConversationID})
		mustCode(t, err, "not_offered")
	})
	t.Run("decline requeues and sets not ready", func(t *testing.T) {
		if err := f.c.Decline(f.agent2, r1.View.ConversationID); err != nil {
			t.Fatal(err)
		}
		if st := f.agentState(t, "bea"); st != AgentNotReady {
			t.Fatalf("declining agent is %s", st)
		}
		if row := floorRow(t, f.c, f.sup, r1.View.ConversationID); row.State != ConvQueued {
			t.Fatalf("declined conversation is %s", row.State)
		}
	})
}

func TestOfferTimeout(t *testing.T) {
	pol := DefaultPolicy()
	pol.OfferTimeout = 50 * time.Millisecond
	f := newFloor(t, pol)
	if _, err := f.c.SetAgentState(f.agent, AgentReady); err != nil {
		t.Fatal(err)
	}
	r, err := f.c.StartConversation(context.Background(), f.customer, StartParams{Queue: "support", Channel: ChannelChat})
	if err != nil {
		t.Fatal(err)
	}
	id := r.View.ConversationID
	f.agent.waitFor(t, 0, EventConversationOffered, hasConversation(id))
	f.agent.waitFor(t, 0, EventConversationEnded, reasonIs(reasonOfferWithdrawn))
	if st := f.agentState(t, "alex"); st != AgentNotReady {
		t.Fatalf("agent who missed the offer is %s", st)
	}
	if row := floorRow(t, f.c, f.sup, id); row.State != ConvQueued {
		t.Fatalf("conversation is %s after a missed offer", row.State)
	}
}
