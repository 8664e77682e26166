package main

import (
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/gorilla/websocket"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/signaling/sigclient"
)

// signed signs claims with method and key; standard claims not given are
// those of a valid supervisor token of tenant t1.
func signed(t *testing.T, method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	now := time.Now()
	full := jwt.MapClaims{
		"sub": "sam", "name": "Sam", "tenant": "t1", "roles": []string{"supervisor"}, "teams": []string{"team-a"},
		"iss": "earshot", "aud": "earshot", "iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	}
	for k, v := range claims {
		if v == nil {
			delete(full, k)
		} else {
			full[k] = v
		}
	}
	tok, err := jwt.NewWithClaims(method, full).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// Tokens an attacker may try on auth: each is refused with its code, the
// socket closes with auth_failed, and no session or state appears.
func TestHostileTokens(t *testing.T) {
	w := newWorld(t, nil)
	secret := mustSecret(t, w.ts)
	hs := func(claims jwt.MapClaims) string { return signed(t, jwt.SigningMethodHS256, secret, claims) }
	hour := time.Hour
	for _, tc := range []struct {
		name, token, code string
	}{
		{"no token", "", "token_missing"},
		{"blank token", "   ", "token_missing"},
		{"garbage", "not.a.jwt", "token_invalid"},
		{"huge token", strings.Repeat("A", 60<<10), "token_invalid"},
		{"expired", hs(jwt.MapClaims{"iat": time.Now().Add(-2 * hour).Unix(), "nbf": time.Now().Add(-2 * hour).Unix(), "exp": time.Now().Add(-hour).Unix()}), "token_expired"},
		{"not yet valid", hs(jwt.MapClaims{"nbf": time.Now().Add(hour).Unix()}), "token_invalid"},
		{"alg none", signed(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, nil), "token_invalid"},
		{"alg HS512 with the real key", signed(t, jwt.SigningMethodHS512, secret, nil), "token_invalid"},
		{"wrong key", signed(t, jwt.SigningMethodHS256, []byte("0123456789abcdef0123456789abcdef-forged"), nil), "token_invalid"},
		{"signature stripped", func() string { s := hs(nil); return s[:strings.LastIndexByte(s, '.')+1] }(), "token_invalid"},
		{"wrong issuer", hs(jwt.MapClaims{"iss": "evil"}), "token_wrong_issuer"},
		{"wrong audience", hs(jwt.MapClaims{"aud": "someone-else"}), "token_wrong_audience"},
		{"no subject", hs(jwt.MapClaims{"sub": nil}), "token_missing_claim"},
		{"no tenant", hs(jwt.MapClaims{"tenant": nil}), "token_missing_claim"},
		{"no roles", hs(jwt.MapClaims{"roles": nil}), "token_missing_claim"},
		{"empty roles", hs(jwt.MapClaims{"roles": []string{}}), "token_missing_claim"},
		{"unknown role only", hs(jwt.MapClaims{"roles": []string{"root"}}), "token_missing_claim"},
		{"string role", hs(jwt.MapClaims{"roles": "supervisor"}), "token_invalid"},
		{"numeric roles", hs(jwt.MapClaims{"roles": []int{1, 2}}), "token_invalid"},
		{"NUL in the name", hs(jwt.MapClaims{"name": "Sam\x00"}), "token_invalid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := snapshot(t, w.ts)
			sessions := w.ts.a.sig.Sessions()
			r := rawDial(t, w.ts.ws, nil)
			r.send(map[string]any{"v": 1, "id": "1", "type": "auth", "data": map[string]string{"token": tc.token}})
			got := responses(r.closedWith(websocket.ClosePolicyViolation, "auth_failed"))
			if len(got) != 1 || got[0].code() != tc.code || got[0].id() != "1" {
				t.Fatalf("responses %+v, want one %s", got, tc.code)
			}
			if n := w.ts.a.sig.Sessions(); n != sessions {
				t.Fatalf("%d sessions after a refused auth, %d before", n, sessions)
			}
			w.intact(t, before)
		})
	}

	// auth.refresh with a bad or foreign token is refused; the session goes
	// on with its old identity (the supervisor still monitors).
	other, err := auth.NewHMAC(auth.HMACParams{Secret: secret, Issuer: "earshot", Audience: "earshot"})
	if err != nil {
		t.Fatal(err)
	}
	mint := func(id auth.Identity) string {
		tok, err := other.Mint(auth.MintParams{Identity: id, TTL: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	for _, tc := range []struct {
		name string
		data any
		code string
	}{
		{"refresh to another user's token", map[string]string{"token": w.ts.token(t, "alex", "Alex", auth.RoleAgent, "team-a")}, "identity_mismatch"},
		{"refresh to the same user of another tenant", map[string]string{"token": mint(auth.Identity{Subject: "sam", Name: "Sam", Tenant: "t2", Roles: []auth.Role{auth.RoleSupervisor}, Teams: []auth.TeamID{"team-a"}})}, "identity_mismatch"},
		{"refresh with an expired token", map[string]string{"token": expiredToken(t, secret)}, "token_expired"},
		{"refresh with alg none", map[string]string{"token": signed(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, nil)}, "token_invalid"},
		{"refresh without data", nil, "bad_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := snapshot(t, w.ts)
			w.sup.refused(t, "auth.refresh", tc.data, tc.code)
			w.sup.do(t, "monitor.set_mode", map[string]string{"conversation_id": w.conv, "mode": "listen"}, nil)
			// set_mode to the current mode is a no-op: still nothing changed.
			w.intact(t, before)
		})
	}
}

// A resume token is worth nothing to another user, once used, or after the
// grace period.
func TestHostileResume(t *testing.T) {
	const grace = 2 * time.Second
	w := newWorld(t, func(c *Config) { c.Signaling.ResumeGrace = grace })
	ivyTok := w.ts.token(t, "ivy", "Ivy", auth.RoleSupervisor, "team-a")
	ivy, err := sigclient.Dial(ctxT(t), w.ts.ws, ivyTok)
	if err != nil {
		t.Fatal(err)
	}
	defer ivy.Close()
	stolen := ivy.Session.ResumeToken

	resume := func(t *testing.T, token, resumeToken string) {
		t.Helper()
		r := rawDial(t, w.ts.ws, nil)
		r.send(map[string]any{"v": 1, "id": "1", "type": "session.resume", "data": map[string]any{"token": token, "resume_token": resumeToken, "last_seq": 0}})
		got := responses(r.closedWith(websocket.ClosePolicyViolation, "resume_failed"))
		if len(got) != 1 || got[0].code() != "resume_failed" {
			t.Fatalf("responses %+v, want resume_failed", got)
		}
	}

	t.Run("replayed by another user", func(t *testing.T) {
		ivy.DropSocket()
		before := snapshot(t, w.ts)
		resume(t, w.ts.token(t, "mallory", "Mallory", auth.RoleSupervisor, "team-a"), stolen)
		// The same user name in another tenant is another user too.
		resume(t, w.ts.tokenFor(t, auth.Identity{Subject: "ivy", Name: "Ivy", Tenant: "t2", Roles: []auth.Role{auth.RoleSupervisor}, Teams: []auth.TeamID{"team-a"}}, time.Hour), stolen)
		w.intact(t, before)
		// The owner still resumes: the attempts consumed nothing.
		if err := ivy.Resume(ctxT(t)); err != nil {
			t.Fatalf("owner's resume after the attacks: %v", err)
		}
		if err := ivy.Request(ctxT(t), "ping", nil, nil); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("replayed after it was used", func(t *testing.T) {
		before := snapshot(t, w.ts)
		resume(t, ivyTok, stolen) // rotated by the resume above
		w.intact(t, before)
		if err := ivy.Request(ctxT(t), "ping", nil, nil); err != nil {
			t.Fatalf("the session was disturbed: %v", err)
		}
	})

	t.Run("replayed after the grace period", func(t *testing.T) {
		// The world's three parties and ivy; the probes' sessions end
		// asynchronously after their session.close.
		waitSessions(t, w.ts, 4, testDeadline)
		current := ivy.Session.ResumeToken
		ivy.DropSocket()
		waitSessions(t, w.ts, 3, grace+testDeadline)
		before := snapshot(t, w.ts)
		resume(t, ivyTok, current)
		w.intact(t, before)
	})
}

// waitSessions waits until the server holds exactly n sessions.
func waitSessions(t *testing.T, ts *testServer, n int, within time.Duration) {
	t.Helper()
	ctx := deadlineCtx(t, within)
	for ts.a.sig.Sessions() != n {
		select {
		case <-ctx.Done():
			t.Fatalf("%d sessions, want %d", ts.a.sig.Sessions(), n)
		case <-time.After(20 * time.Millisecond): // poll interval
		}
	}
}
