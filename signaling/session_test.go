package signaling

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/earshot/earshot/auth"
)

func TestRefresh(t *testing.T) {
	t.Run("same subject", func(t *testing.T) {
		e := newEnv(t, Config{})
		c := e.dial(t)
		r := c.auth("alice")
		f := c.expectOK(c.request(TypeRefresh, map[string]string{"token": "alice-sup"}))
		var d struct{ Identity wireIdentity }
		if err := json.Unmarshal(f.Data, &d); err != nil || len(d.Identity.Roles) != 2 {
			t.Fatalf("refresh data %s", f.Data)
		}
		s := e.handler.session(t, r.SessionID)
		if !s.Identity().HasRole(auth.RoleSupervisor) {
			t.Fatal("identity not updated")
		}
		if _, refreshed := e.handler.counts(); refreshed != 1 {
			t.Fatalf("Refreshed called %d times", refreshed)
		}
	})
	t.Run("other subject or tenant refused", func(t *testing.T) {
		e := newEnv(t, Config{})
		c := e.dial(t)
		r := c.auth("alice")
		c.expectError(c.request(TypeRefresh, map[string]string{"token": "bob"}), CodeIdentityMismatch)
		c.expectError(c.request(TypeRefresh, map[string]string{"token": "alice-t2"}), CodeIdentityMismatch)
		c.expectError(c.request(TypeRefresh, map[string]string{"token": "expired"}), CodeTokenExpired)
		c.expectError(c.request(TypeRefresh, map[string]string{}), CodeTokenMissing)
		c.expectError(c.request(TypeRefresh, nil), CodeBadRequest)
		if got := e.handler.session(t, r.SessionID).Identity().Subject; got != "alice" {
			t.Fatalf("identity changed to %s", got)
		}
		if _, refreshed := e.handler.counts(); refreshed != 0 {
			t.Fatalf("Refreshed called %d times", refreshed)
		}
		c.expectOK(c.request(TypePing, nil)) // the session goes on
	})
	t.Run("refused by the domain ends the session", func(t *testing.T) {
		e := newEnv(t, Config{})
		e.handler.refuseRefresh = Errorf(CodeForbidden, "role removed")
		c := e.dial(t)
		r := c.auth("alice")
		c.expectError(c.request(TypeRefresh, map[string]string{"token": "alice-2"}), CodeForbidden)
		c.expectSessionClosed(CloseReasonRevoked, false)
		c.expectClose(CloseReasonRevoked)
		e.handler.expectClosed(t, r.SessionID, CloseReasonRevoked)
	})
}

func TestTokenExpiry(t *testing.T) {
	t.Run("expiry closes", func(t *testing.T) {
		e := newEnv(t, Config{})
		short := identity("alice", "t1", auth.RoleAgent)
		short.Expiry = time.Now().Add(1500 * time.Millisecond)
		e.verifier.set("short", short)
		c := e.dial(t)
		r := c.auth("short")
		if r.Identity.ExpiresAtMS != short.Expiry.UnixMilli() {
			t.Fatalf("expires_at_ms %d", r.Identity.ExpiresAtMS)
		}
		c.expectSessionClosed(CloseReasonTokenExpired, false)
		c.expectClose(CloseReasonTokenExpired)
		e.handler.expectClosed(t, r.SessionID, CloseReasonTokenExpired)
	})
	t.Run("refresh extends", func(t *testing.T) {
		e := newEnv(t, Config{})
		short := identity("alice", "t1", auth.RoleAgent)
		short.Expiry = time.Now().Add(1500 * time.Millisecond)
		e.verifier.set("short", short)
		long := short
		long.Expiry = time.Now().Add(time.Hour)
		e.verifier.set("long", long)
		c := e.dial(t)
		r := c.auth("short")
		c.expectOK(c.request(TypeRefresh, map[string]string{"token": "long"}))
		// The property is that the old expiry timer does NOT fire.
		<-time.After(time.Until(short.Expiry) + 300*time.Millisecond)
		c.expectOK(c.request(TypePing, nil))
		e.handler.expectNoClosed(t)
		if got := e.handler.session(t, r.SessionID).Identity().Expiry; !got.Equal(long.Expiry) {
			t.Fatalf("expiry %v", got)
		}
	})
}

func TestSessionEnd(t *testing.T) {
	t.Run("session.close", func(t *testing.T) {
		e := newEnv(t, Config{})
		c := e.dial(t)
		r := c.auth("alice")
		s := e.handler.session(t, r.SessionID)
		c.expectOK(c.request(TypeSessionClose, nil))
		c.expectSessionClosed(CloseReasonClientClosed, false)
		c.expectClose(CloseReasonClientClosed)
		e.handler.expectClosed(t, r.SessionID, CloseReasonClientClosed)
		if err := s.Push("x", nil); !errors.Is(err, ErrSessionEnded) {
			t.Fatalf("push after close: %v", err)
		}
		if s.Connected() || s.Context().Err() == nil {
			t.Fatal("ended session still connected or its context alive")
		}
		waitFor(t, "forget", func() bool { return e.srv.Sessions() == 0 })
	})
	t.Run("closed by the domain from Handle", func(t *testing.T) {
		e := newEnv(t, Config{})
		c := e.dial(t)
		r := c.auth("alice")
		c.request("close", nil)
		// The response cannot follow: the socket closed under the handler.
		c.expectSessionClosed(CloseReasonRevoked, false)
		c.expectClose(CloseReasonRevoked)
		e.handler.expectClosed(t, r.SessionID, CloseReasonRevoked)
	})
	t.Run("Close twice calls Closed once", func(t *testing.T) {
		e := newEnv(t, Config{})
		c := e.dial(t)
		r := c.auth("alice")
		s := e.handler.session(t, r.SessionID)
		s.Close(CloseReasonRevoked)
		s.Close(CloseReasonShutdown)
		e.handler.expectClosed(t, r.SessionID, CloseReasonRevoked)
		c.expectSessionClosed(CloseReasonRevoked, false)
		c.expectClose(CloseReasonRevoked)
		e.handler.expectNoClosed(t)
	})
}

func TestPush(t *testing.T) {
	e := newEnv(t, Config{})
	c := e.dial(t)
	r := c.auth("alice")
	s := e.handler.session(t, r.SessionID)
	if err := s.Push("", nil); !errors.Is(err, ErrEmptyEvent) {
		t.Fatalf("empty name: %v", err)
	}
	if err := s.Push("bad", func() {}); err == nil {
		t.Fatal("unmarshallable data accepted")
	}
	// Events pushed from a handler and responses share one ordered queue.
	id := c.request("push", map[string]int{"N": 3})
	for seq := uint64(1); seq <= 3; seq++ {
		c.expectEvent("test.event", seq)
	}
	c.expectOK(id)
	if err := s.Push("test.raw", json.RawMessage(`{"a":[1,2]}`)); err != nil {
		t.Fatal(err)
	}
	if f := c.expectEvent("test.raw", 4); string(f.Data) != `{"a":[1,2]}` {
		t.Fatalf("raw data %s", f.Data)
	}
	// Identity returns a copy.
	id1 := s.Identity()
	id1.Roles[0] = auth.RoleAdmin
	if s.Identity().HasRole(auth.RoleAdmin) {
		t.Fatal("Identity exposes internal slices")
	}
}

func TestOpenedPushesFollowAuthResponse(t *testing.T) {
	e := newEnv(t, Config{})
	e.srv.handler = &pushOnOpen{fakeHandler: e.handler}
	c := e.dial(t)
	c.auth("alice")
	c.expectEvent("welcome", 1)
	c.expectOK(c.request(TypePing, nil))
}

// pushOnOpen pushes an event from Opened, as a domain sending an initial
// snapshot would.
type pushOnOpen struct{ *fakeHandler }

func (h *pushOnOpen) Opened(s *Session) error {
	if err := h.fakeHandler.Opened(s); err != nil {
		return err
	}
	return s.Push("welcome", map[string]string{"hello": "you"})
}
