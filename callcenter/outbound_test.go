package callcenter

import (
	"context"
	"testing"
	"time"
)

func TestOutboundConversation(t *testing.T) {
	f := newFloor(t, DefaultPolicy())
	ctx := context.Background()
	t.Run("refusals", func(t *testing.T) {
		_, err := f.c.Dial(ctx, f.agent, DialParams{Customer: "nobody", Channel: ChannelChat})
		mustCode(t, err, "customer_unavailable")
		_, err = f.c.Dial(ctx, f.customer, DialParams{Customer: "cust2", Channel: ChannelChat})
		mustCode(t, err, "forbidden_role")
		_, err = f.c.Dial(ctx, f.agent, DialParams{Customer: "cust2", Channel: ChannelVoice})
		mustCode(t, err, "offer_required")
	})
	res, err := f.c.Dial(ctx, f.agent, DialParams{Customer: "cust", Channel: ChannelChat})
	if err != nil {
		t.Fatal(err)
	}
	id := res.View.ConversationID
	if !res.View.Outbound || res.View.State != ConvOffered {
		t.Fatalf("dial view %+v", res.View)
	}
	f.customer.waitFor(t, 0, EventConversationIncoming, hasConversation(id))
	if st := f.agentState(t, "alex"); st != AgentBusy {
		t.Fatalf("dialing agent is %s", st)
	}
	_, err = f.c.Answer(ctx, f.customer2, AnswerParams{ConversationID: id})
	mustCode(t, err, "not_offered")
	ans, err := f.c.Answer(ctx, f.customer, AnswerParams{ConversationID: id})
	if err != nil {
		t.Fatal(err)
	}
	if ans.View.State != ConvActive || len(ans.View.Participants) != 1 {
		t.Fatalf("answer view %+v", ans.View)
	}
	f.agent.waitFor(t, 0, EventParticipantJoined, nil)
	// Outbound conversations can be monitored (the seed vendors cannot).
	if _, err := f.c.Monitor(ctx, f.sup, MonitorParams{ConversationID: id}); err != nil {
		t.Fatal(err)
	}
	if row := floorRow(t, f.c, f.sup, id); !row.Outbound || row.Agent == nil || row.Customer == nil {
		t.Fatalf("floor row %+v", row)
	}
	if err := f.c.End(f.customer, id); err != nil {
		t.Fatal(err)
	}
}

func TestOutboundPolicyAndUnanswered(t *testing.T) {
	pol := DefaultPolicy()
	pol.MonitorOutbound = false
	pol.OfferTimeout = 50 * time.Millisecond
	f := newFloor(t, pol)
	ctx := context.Background()

	res, err := f.c.Dial(ctx, f.agent, DialParams{Customer: "cust", Channel: ChannelChat})
	if err != nil {
		t.Fatal(err)
	}
	// Nobody answers: the ringing ends for both, and the agent is free again.
	f.customer.waitFor(t, 0, EventConversationEnded, reasonIs(reasonNoAnswer))
	f.agent.waitFor(t, 0, EventConversationEnded, reasonIs("not_answered"))
	_, err = f.c.Answer(ctx, f.customer, AnswerParams{ConversationID: res.View.ConversationID})
	mustCode(t, err, "conversation_not_found")

	// The customer declines (a floor whose calls ring long enough).
	pol.OfferTimeout = time.Minute
	f = newFloor(t, pol)
	res, err = f.c.Dial(ctx, f.agent, DialParams{Customer: "cust", Channel: ChannelChat})
	if err != nil {
		t.Fatal(err)
	}
	mark := len(f.agent.all())
	if err := f.c.Decline(f.customer, res.View.ConversationID); err != nil {
		t.Fatal(err)
	}
	f.agent.waitFor(t, mark, EventConversationEnded, nil)

	// Answered, but the policy forbids monitoring outbound conversations.
	res, err = f.c.Dial(ctx, f.agent, DialParams{Customer: "cust", Channel: ChannelChat})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.c.Answer(ctx, f.customer, AnswerParams{ConversationID: res.View.ConversationID}); err != nil {
		t.Fatal(err)
	}
	_, err = f.c.Monitor(ctx, f.sup, MonitorParams{ConversationID: res.View.ConversationID})
	mustCode(t, err, "policy_forbidden")
}
