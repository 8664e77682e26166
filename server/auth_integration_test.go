package main

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/signaling/sigclient"
)

func TestTokensOverSignaling(t *testing.T) {
	ts := startServer(t, nil)
	other, err := auth.NewHMAC(auth.HMACParams{Secret: []byte("0123456789abcdef0123456789abcdef-forged"), Issuer: "earshot", Audience: "earshot"})
	if err != nil {
		t.Fatal(err)
	}
	wrongAud, err := auth.NewHMAC(auth.HMACParams{Secret: mustSecret(t, ts), Issuer: "earshot", Audience: "someone-else"})
	if err != nil {
		t.Fatal(err)
	}
	sam := auth.Identity{Subject: "sam", Name: "Sam", Tenant: "t1", Roles: []auth.Role{auth.RoleSupervisor}, Teams: []auth.TeamID{"team-a"}}
	forged, _ := other.Mint(auth.MintParams{Identity: sam, TTL: time.Hour})
	aud, _ := wrongAud.Mint(auth.MintParams{Identity: sam, TTL: time.Hour})
	for _, tc := range []struct {
		name, token, code string
	}{
		{"missing", "", "token_missing"},
		{"expired", expiredToken(t, mustSecret(t, ts)), "token_expired"},
		{"forged", forged, "token_invalid"},
		{"garbage", "not.a.jwt", "token_invalid"},
		{"wrong audience", aud, "token_wrong_audience"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sigclient.Dial(ctxT(t), ts.ws, tc.token)
			if re := asRemote(err); re == nil || re.Code != tc.code {
				t.Fatalf("got %v, want %s", err, tc.code)
			}
		})
	}
	t.Run("good token, wrong role", func(t *testing.T) {
		agent := newParty(t, ts, "agent", ts.token(t, "alex", "Alex", auth.RoleAgent, "team-a"))
		agent.refused(t, "monitor.start", map[string]string{"conversation_id": "x"}, "forbidden_role")
		agent.refused(t, "floor.conversations", nil, "forbidden_role")
		cust := newParty(t, ts, "customer", ts.token(t, "carla", "Carla", auth.RoleCustomer))
		cust.refused(t, "agent.set_state", map[string]string{"state": "ready"}, "forbidden_role")
	})
}

// expiredToken signs, with the server's real secret, a token that expired
// an hour ago (Mint refuses to make one).
func expiredToken(t *testing.T, secret []byte) string {
	t.Helper()
	now := time.Now()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"sub": "sam", "name": "Sam", "tenant": "t1", "roles": []string{"supervisor"}, "teams": []string{"team-a"},
		"iss": "earshot", "aud": "earshot", "iat": now.Add(-2 * time.Hour).Unix(), "exp": now.Add(-time.Hour).Unix(),
	}).SignedString(secret)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func mustSecret(t *testing.T, ts *testServer) []byte {
	t.Helper()
	s, err := auth.LoadOrCreateSecret(ts.a.cfg.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func asRemote(err error) *sigclient.RemoteError {
	for err != nil {
		if re, ok := err.(*sigclient.RemoteError); ok {
			return re
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return nil
		}
		err = u.Unwrap()
	}
	return nil
}

// A refreshed token that drops the supervisor role ends monitoring at once.
func TestRefreshWithoutSupervisorRoleEndsMonitoring(t *testing.T) {
	ts := startServer(t, nil)
	cust := newParty(t, ts, "customer", ts.token(t, "carla", "Carla", auth.RoleCustomer))
	agent := newParty(t, ts, "agent", ts.token(t, "alex", "Alex", auth.RoleAgent, "team-a"))
	sam := auth.Identity{Subject: "sam", Name: "Sam", Tenant: "t1", Roles: []auth.Role{auth.RoleSupervisor}, Teams: []auth.TeamID{"team-a"}}
	sup := newParty(t, ts, "supervisor", ts.tokenFor(t, sam, time.Hour))

	agent.do(t, "agent.set_state", map[string]string{"state": "ready"}, nil)
	var start startResp
	cust.do(t, "conversation.start", map[string]string{"queue": "support", "channel": "chat"}, &start)
	id := start.Conversation.ConversationID
	if _, err := agent.sig.WaitEvent(ctxT(t), 0, "conversation.offered", nil); err != nil {
		t.Fatal(err)
	}
	agent.do(t, "conversation.accept", map[string]string{"conversation_id": id}, nil)
	sup.do(t, "monitor.start", map[string]string{"conversation_id": id}, nil)

	demoted := sam
	demoted.Roles = []auth.Role{auth.RoleAgent}
	mark := sup.sig.Mark()
	sup.do(t, "auth.refresh", map[string]string{"token": ts.tokenFor(t, demoted, time.Hour)}, nil)
	ev, err := sup.sig.WaitEvent(ctxT(t), mark, "monitor.ended", nil)
	if err != nil {
		t.Fatal(err)
	}
	var ended struct{ Reason string }
	_ = json.Unmarshal(ev.Data, &ended)
	if ended.Reason != "privileges_revoked" {
		t.Fatalf("monitor ended with %q", ended.Reason)
	}
	sup.refused(t, "monitor.set_mode", map[string]string{"conversation_id": id, "mode": "barge"}, "forbidden_role")
	sup.refused(t, "chat.send", map[string]string{"conversation_id": id, "kind": "whisper", "text": "still here?"}, "not_participant")

	t.Run("refresh naming another user is refused", func(t *testing.T) {
		other := sam
		other.Subject = "mallory"
		sup.refused(t, "auth.refresh", map[string]string{"token": ts.tokenFor(t, other, time.Hour)}, "identity_mismatch")
	})
}

// Hostile input gets a stable code and the server carries on.
func TestBadInputOverSignaling(t *testing.T) {
	ts := startServer(t, nil)
	agent := newParty(t, ts, "agent", ts.token(t, "alex", "Alex", auth.RoleAgent, "team-a"))
	for _, tc := range []struct {
		name, typ string
		data      any
		code      string
	}{
		{"unknown type", "conversation.explode", nil, "unknown_type"},
		{"unknown field", "agent.set_state", map[string]string{"state": "ready", "extra": "x"}, "bad_request"},
		{"wrong type of field", "agent.set_state", map[string]int{"state": 1}, "bad_request"},
		{"bad state", "agent.set_state", map[string]string{"state": "busy"}, "bad_agent_state"},
		{"missing conversation id", "conversation.hold", map[string]any{"on": true}, "bad_request"},
		{"missing on", "conversation.hold", map[string]any{"conversation_id": "x"}, "bad_request"},
		{"unknown conversation", "conversation.end", map[string]string{"conversation_id": "nope"}, "conversation_not_found"},
		{"bad channel", "conversation.start", map[string]string{"queue": "support", "channel": "fax"}, "bad_channel"},
		{"bad mode", "monitor.set_mode", map[string]string{"conversation_id": "x", "mode": "shout"}, "bad_mode"},
		{"bad chat kind", "chat.send", map[string]string{"conversation_id": "x", "kind": "secret", "text": "hi"}, "bad_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			agent.refused(t, tc.typ, tc.data, tc.code)
		})
	}
	agent.do(t, "agent.set_state", map[string]string{"state": "ready"}, nil)
}
