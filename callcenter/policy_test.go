package callcenter

import (
	"context"
	"reflect"
	"testing"

	"github.com/earshot/earshot/auth"
)

// Every monitoring refusal has a stable code and changes nothing.
func TestMonitorRefusals(t *testing.T) {
	f := newFloor(t, DefaultPolicy())
	id := f.chat(t, f.customer, f.agent)
	ctx := context.Background()

	// supAgent is a supervisor who is also the agent of a conversation.
	supAgent := newRecorder(auth.Identity{Subject: "max", Name: "Max", Tenant: "t1",
		Roles: []auth.Role{auth.RoleAgent, auth.RoleSupervisor}, Teams: []auth.TeamID{"team-a"}})
	if err := f.c.Connect(supAgent); err != nil {
		t.Fatal(err)
	}
	own := f.chat(t, f.customer2, supAgent)

	before := floorRow(t, f.c, f.sup, id)
	cases := []struct {
		name string
		who  *recorder
		conv ConversationID
		code string
	}{
		{"agent cannot monitor", f.agent2, id, "forbidden_role"},
		{"customer cannot monitor", f.customer2, id, "forbidden_role"},
		{"other tenant sees nothing", f.outsider, id, "conversation_not_found"},
		{"unknown id", f.sup, "no-such-id", "conversation_not_found"},
		{"other team", f.supB, id, "other_team"},
		{"own conversation", supAgent, own, "self_monitoring"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.c.Monitor(ctx, tc.who, MonitorParams{ConversationID: tc.conv})
			mustCode(t, err, tc.code)
		})
	}
	if after := floorRow(t, f.c, f.sup, id); !reflect.DeepEqual(before, after) {
		t.Fatalf("refusals changed the conversation:\n%+v\n%+v", before, after)
	}

	t.Run("already monitoring", func(t *testing.T) {
		if _, err := f.c.Monitor(ctx, f.sup, MonitorParams{ConversationID: id, Reason: "quality check"}); err != nil {
			t.Fatal(err)
		}
		_, err := f.c.Monitor(ctx, f.sup, MonitorParams{ConversationID: id})
		mustCode(t, err, "already_monitoring")
	})
	t.Run("reason too long", func(t *testing.T) {
		long := make([]byte, maxReasonBytes+1)
		for i := range long {
			long[i] = 'x'
		}
		_, err := f.c.Monitor(ctx, f.sup2, MonitorParams{ConversationID: id, Reason: string(long)})
		mustCode(t, err, "bad_request")
	})
	t.Run("queued conversation is not active", func(t *testing.T) {
		c3 := newRecorder(ident("cust3", "Cleo", "t1", auth.RoleCustomer))
		res, err := f.c.StartConversation(ctx, c3, StartParams{Queue: "sales", Channel: ChannelChat})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.c.Monitor(ctx, f.supB, MonitorParams{ConversationID: res.View.ConversationID})
		mustCode(t, err, "conversation_not_active")
	})
	t.Run("mode switch by a non-monitor", func(t *testing.T) {
		_, err := f.c.SetMode(f.sup2, id, ModeBarge)
		mustCode(t, err, "not_monitoring")
		_, err = f.c.SetMode(f.agent, id, ModeBarge)
		mustCode(t, err, "forbidden_role")
	})
}

func TestBargeLimit(t *testing.T) {
	pol := DefaultPolicy()
	pol.MaxBargeParticipants = 3
	f := newFloor(t, pol)
	id := f.chat(t, f.customer, f.agent)
	ctx := context.Background()
	if _, err := f.c.Monitor(ctx, f.sup, MonitorParams{ConversationID: id}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.c.Monitor(ctx, f.sup2, MonitorParams{ConversationID: id}); err != nil {
		t.Fatal(err)
	}
	// Four parties: nobody may barge into a conversation capped at three.
	_, err := f.c.SetMode(f.sup, id, ModeBarge)
	mustCode(t, err, "barge_limit")
	if row := floorRow(t, f.c, f.sup, id); row.Monitors[0].Mode != ModeListen {
		t.Fatalf("refused barge changed the mode: %+v", row.Monitors)
	}
	if err := f.c.Leave(f.sup2, id); err != nil {
		t.Fatal(err)
	}
	if _, err := f.c.SetMode(f.sup, id, ModeBarge); err != nil {
		t.Fatal(err)
	}
	// Barged with three: a fourth cannot join.
	_, err = f.c.Monitor(ctx, f.sup2, MonitorParams{ConversationID: id})
	mustCode(t, err, "barge_limit")
}

func TestTransferredPolicy(t *testing.T) {
	pol := DefaultPolicy()
	pol.MonitorTransferred = false
	f := newFloor(t, pol)
	id := f.chat(t, f.customer, f.agent)
	if _, err := f.c.SetAgentState(f.agent2, AgentReady); err != nil {
		t.Fatal(err)
	}
	if err := f.c.Transfer(f.agent, TransferParams{ConversationID: id, ToAgent: "bea"}); err != nil {
		t.Fatal(err)
	}
	f.agent2.waitFor(t, 0, EventConversationOffered, hasConversation(id))
	if _, err := f.c.Accept(context.Background(), f.agent2, AcceptParams{ConversationID: id}); err != nil {
		t.Fatal(err)
	}
	_, err := f.c.Monitor(context.Background(), f.sup, MonitorParams{ConversationID: id})
	mustCode(t, err, "policy_forbidden")
}
