package main

import (
	"testing"
	"time"

	"github.com/earshot/earshot/auth"
)

// Requests that the domain's permissions refuse: each gets its code and
// changes nothing (conversation, modes, history, audit trail).
func TestHostileDomainPermissions(t *testing.T) {
	w := newWorld(t, nil)
	ts := w.ts
	in := func(tenant auth.TenantID, user, name string, roles []auth.Role, teams ...auth.TeamID) string {
		return ts.tokenFor(t, auth.Identity{Subject: auth.UserID(user), Name: name, Tenant: tenant, Roles: roles, Teams: teams}, time.Hour)
	}
	sup := []auth.Role{auth.RoleSupervisor}

	// A conversation that already ended: dave with bea, ended by dave.
	bea := newParty(t, ts, "agent2", ts.token(t, "bea", "Bea", auth.RoleAgent, "team-a"))
	dave := newParty(t, ts, "customer2", ts.token(t, "dave", "Dave", auth.RoleCustomer))
	ended := chatCall(t, dave, bea)
	mark := bea.sig.Mark()
	dave.do(t, "conversation.end", map[string]string{"conversation_id": ended}, nil)
	if _, err := bea.sig.WaitEvent(ctxT(t), mark, "conversation.ended", nil); err != nil {
		t.Fatal(err)
	}
	bea.do(t, "agent.set_state", map[string]string{"state": "ready"}, nil) // a transfer target

	bob := newParty(t, ts, "bob", ts.token(t, "bob", "Bob", auth.RoleSupervisor, "team-b"))
	eve := newParty(t, ts, "eve", ts.token(t, "eve", "Eve", auth.RoleSupervisor, "team-a"))
	// Same user names and teams, but tenant t2.
	samT2 := newParty(t, ts, "sam-t2", in("t2", "sam", "Sam", sup, "team-a"))
	alexT2 := newParty(t, ts, "alex-t2", in("t2", "alex", "Alex", []auth.Role{auth.RoleAgent}, "team-a"))
	carlaT2 := newParty(t, ts, "carla-t2", in("t2", "carla", "Carla", []auth.Role{auth.RoleCustomer}))
	// The conversation's own customer and agent, in sessions holding only
	// the supervisor role.
	carlaSup := newParty(t, ts, "carla-sup", in("t1", "carla", "Carla", sup, "team-a"))
	alexSup := newParty(t, ts, "alex-sup", in("t1", "alex", "Alex", sup, "team-a"))

	// eve monitors and leaves once: the second leave is refused below.
	eve.do(t, "monitor.start", map[string]string{"conversation_id": w.conv}, nil)
	eve.do(t, "monitor.leave", map[string]string{"conversation_id": w.conv}, nil)

	conv := map[string]string{"conversation_id": w.conv}
	with := func(kv ...string) map[string]string {
		m := map[string]string{"conversation_id": w.conv}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	endedRef := map[string]string{"conversation_id": ended}
	for _, tc := range []refusal{
		{"agent calls monitor.start", w.agent, "monitor.start", conv, "forbidden_role"},
		{"customer calls monitor.start", w.cust, "monitor.start", conv, "forbidden_role"},
		{"customer switches a mode", w.cust, "monitor.set_mode", with("mode", "barge"), "forbidden_role"},
		{"agent takes over", w.agent, "monitor.take_over", conv, "forbidden_role"},
		{"customer reads the floor", w.cust, "floor.conversations", nil, "forbidden_role"},
		{"supervisor of another team", bob, "monitor.start", conv, "other_team"},
		{"supervisor of another tenant with a real conversation id", samT2, "monitor.start", conv, "conversation_not_found"},
		{"agent of another tenant holds it", alexT2, "conversation.hold", map[string]any{"conversation_id": w.conv, "on": true}, "conversation_not_found"},
		{"customer of another tenant writes into it", carlaT2, "chat.send", with("kind", "public", "text", "hi"), "conversation_not_found"},
		{"its customer monitors it", carlaSup, "monitor.start", conv, "self_monitoring"},
		{"its agent monitors it", alexSup, "monitor.start", conv, "self_monitoring"},
		{"monitoring twice", w.sup, "monitor.start", conv, "already_monitoring"},
		{"whisper chat without monitoring", eve, "chat.send", with("kind", "whisper", "text", "psst"), "not_participant"},
		{"whisper mode without monitoring", eve, "monitor.set_mode", with("mode", "whisper"), "not_monitoring"},
		{"leave twice", eve, "monitor.leave", conv, "not_monitoring"},
		{"customer whispers", w.cust, "chat.send", with("kind", "whisper", "text", "let me in"), "forbidden_role"},
		{"silent monitor writes to the customer", w.sup, "chat.send", with("kind", "public", "text", "hello customer"), "not_allowed_in_mode"},
		{"silent monitor transfers", w.sup, "conversation.transfer", with("to_agent", "bea"), "not_allowed_in_mode"},
		{"customer transfers", w.cust, "conversation.transfer", with("to_agent", "bea"), "forbidden_role"},
		{"supervisor ends the conversation", w.sup, "conversation.end", conv, "forbidden_role"},
		{"agent of the same team accepts someone else's conversation", bea, "conversation.accept", conv, "not_offered"},
		{"talk-back without a whispering supervisor", w.agent, "conversation.talk_back", map[string]any{"conversation_id": w.conv, "on": true}, "not_coached"},
		{"ended: hold", bea, "conversation.hold", map[string]any{"conversation_id": ended, "on": true}, "conversation_not_found"},
		{"ended: chat", dave, "chat.send", map[string]string{"conversation_id": ended, "kind": "public", "text": "hello?"}, "conversation_not_found"},
		{"ended: end again", dave, "conversation.end", endedRef, "conversation_not_found"},
		{"ended: monitor", w.sup, "monitor.start", endedRef, "conversation_not_found"},
		{"ended: transfer", bea, "conversation.transfer", map[string]string{"conversation_id": ended, "to_agent": "alex"}, "conversation_not_found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := snapshot(t, ts)
			tc.p.refused(t, tc.typ, tc.data, tc.code)
			w.intact(t, before)
		})
	}
}
