package signaling

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/internal/hostcheck"
	"github.com/gorilla/websocket"
)

func TestAuth(t *testing.T) {
	t.Run("ok", func(t *testing.T) {
		e := newEnv(t, Config{})
		c := e.dial(t)
		r := c.auth("alice")
		if r.SessionID == "" || len(r.ResumeToken) != 43 || r.Protocol != 1 || r.ResumeGraceMS != 30000 {
			t.Fatalf("auth result %+v", r)
		}
		if r.Identity.UserID != "alice" || r.Identity.Name != "ALICE" || r.Identity.Tenant != "t1" ||
			strings.Join(r.Identity.Roles, ",") != "agent" || strings.Join(r.Identity.Teams, ",") != "blue" {
			t.Fatalf("identity %+v", r.Identity)
		}
		s := e.handler.session(t, r.SessionID)
		if got := s.Identity(); got.Subject != "alice" || !s.Connected() {
			t.Fatalf("session identity %+v connected %v", got, s.Connected())
		}
		c.expectOK(c.request(TypePing, nil))
	})
	t.Run("missing token", func(t *testing.T) {
		for _, data := range []any{nil, map[string]string{}, map[string]string{"token": "  "}} {
			e := newEnv(t, Config{})
			c := e.dial(t)
			id := c.request(TypeAuth, data)
			c.expectError(id, CodeTokenMissing)
			c.expectClose(CloseReasonAuthFailed)
		}
	})
	t.Run("failed", func(t *testing.T) {
		cases := map[string]Code{
			"expired":   CodeTokenExpired,
			"aud":       CodeTokenWrongAudience,
			"iss":       CodeTokenWrongIssuer,
			"claim":     CodeTokenMissingClaim,
			"forged":    CodeTokenInvalid,
			"broken":    CodeInternal,
			"no-tenant": CodeTokenMissingClaim,
			"past-exp":  CodeTokenExpired,
		}
		e := newEnv(t, Config{})
		e.verifier.set("no-tenant", auth.Identity{Subject: "x", Roles: []auth.Role{auth.RoleAgent}})
		past := identity("x", "t1", auth.RoleAgent)
		past.Expiry = time.Now().Add(-time.Minute)
		e.verifier.set("past-exp", past)
		for token, code := range cases {
			t.Run(token, func(t *testing.T) {
				c := e.dial(t)
				id := c.request(TypeAuth, map[string]string{"token": token})
				f := c.expectError(id, code)
				if strings.Contains(f.Error.Message, "secret-detail") {
					t.Fatalf("internal detail leaked: %q", f.Error.Message)
				}
				c.expectClose(CloseReasonAuthFailed)
			})
		}
		if opened, _ := e.handler.counts(); opened != 0 {
			t.Fatalf("Opened called %d times for refused tokens", opened)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		e := newEnv(t, Config{AuthTimeout: 200 * time.Millisecond})
		c := e.dial(t)
		c.expectError("", CodeAuthTimeout)
		c.expectClose(CloseReasonAuthTimeout)
	})
	t.Run("first frame not auth", func(t *testing.T) {
		e := newEnv(t, Config{})
		c := e.dial(t)
		id := c.request("echo", map[string]string{"token": "alice"})
		c.expectError(id, CodeAuthRequired)
		c.expectClose(CloseReasonAuthFailed)
	})
	t.Run("opened refused", func(t *testing.T) {
		e := newEnv(t, Config{})
		e.handler.refuseOpen = Errorf(CodeForbidden, "customers only")
		c := e.dial(t)
		id := c.request(TypeAuth, map[string]string{"token": "alice"})
		f := c.expectError(id, CodeForbidden)
		if f.Error.Message != "customers only" {
			t.Fatalf("message %q", f.Error.Message)
		}
		c.expectClose(CloseReasonRefused)
		e.handler.expectNoClosed(t)
		if n := e.srv.Sessions(); n != 0 {
			t.Fatalf("%d sessions after refusal", n)
		}
	})
	t.Run("token in URL ignored", func(t *testing.T) {
		// There is no URL token path at all: a socket opened with
		// ?token=... still has to authenticate with its first frame.
		e := newEnv(t, Config{AuthTimeout: 200 * time.Millisecond})
		e.url += "?token=alice"
		c := e.dial(t)
		c.expectError("", CodeAuthTimeout)
		c.expectClose(CloseReasonAuthTimeout)
	})
}

// dialOrigin opens a socket to url with the given Host and Origin headers
// ("" = not sent) and returns the HTTP status of the upgrade.
func dialOrigin(url, host, origin string) (int, error) {
	h := http.Header{}
	if host != "" {
		h.Set("Host", host)
	}
	if origin != "" {
		h.Set("Origin", origin)
	}
	d := websocket.Dialer{HandshakeTimeout: testTimeout}
	ws, resp, err := d.Dial(url, h)
	if ws != nil {
		_ = ws.Close()
	}
	if resp == nil {
		return 0, err
	}
	return resp.StatusCode, err
}

func TestOrigin(t *testing.T) {
	dial := func(e *env, origin string) (int, error) { return dialOrigin(e.url, "", origin) }
	t.Run("loopback hosts by default", func(t *testing.T) {
		e := newEnv(t, Config{})
		if code, err := dial(e, e.hs.URL); err != nil || code != http.StatusSwitchingProtocols {
			t.Fatalf("same origin: %d %v", code, err)
		}
		if code, _ := dial(e, "https://evil.example"); code != http.StatusForbidden {
			t.Fatalf("other origin: %d", code)
		}
		if code, err := dial(e, ""); err != nil || code != http.StatusSwitchingProtocols {
			t.Fatalf("no origin (non-browser): %d %v", code, err)
		}
		for _, o := range []string{"null", "file://", "ws://localhost", "http://localhost/app"} {
			if code, _ := dial(e, o); code != http.StatusForbidden {
				t.Errorf("origin %q: %d, want 403", o, code)
			}
		}
	})
	t.Run("DNS rebinding: Host and Origin both the attacker's", func(t *testing.T) {
		// The old check compared the Origin with the Host and let this in.
		e := newEnv(t, Config{})
		code, _ := dialOrigin(e.url, "evil.example:8080", "http://evil.example:8080")
		if code != http.StatusForbidden {
			t.Fatalf("rebound origin: %d, want 403", code)
		}
	})
	t.Run("allow list", func(t *testing.T) {
		e := newEnv(t, Config{AllowedOrigins: []string{"https://console.example.com/"}})
		if code, err := dial(e, "https://CONSOLE.example.com"); err != nil || code != http.StatusSwitchingProtocols {
			t.Fatalf("listed origin: %d %v", code, err)
		}
		if code, _ := dial(e, e.hs.URL); code != http.StatusForbidden {
			t.Fatalf("unlisted same host: %d", code)
		}
	})
	t.Run("allowed hosts of the HTTP server", func(t *testing.T) {
		hosts, err := hostcheck.New("console.example.com")
		if err != nil {
			t.Fatal(err)
		}
		srv := NewServer(ServerParams{Verifier: newFakeVerifier(), Handler: newFakeHandler(), Hosts: hosts})
		hs := httptest.NewServer(srv)
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
			defer cancel()
			if err := srv.Shutdown(ctx); err != nil {
				t.Errorf("shutdown: %v", err)
			}
			hs.Close()
		})
		url := "ws" + strings.TrimPrefix(hs.URL, "http") + "/ws"
		if code, err := dialOrigin(url, "", "https://console.example.com"); err != nil || code != http.StatusSwitchingProtocols {
			t.Fatalf("allowed host's origin: %d %v", code, err)
		}
		// The list has no loopback names, and the connection's own address
		// counts only with its own port.
		for _, o := range []string{"http://localhost:5173", "http://127.0.0.1:1", "https://evil.example"} {
			if code, _ := dialOrigin(url, "", o); code != http.StatusForbidden {
				t.Errorf("origin %q: %d, want 403", o, code)
			}
		}
		if code, err := dialOrigin(url, "", hs.URL); err != nil || code != http.StatusSwitchingProtocols {
			t.Fatalf("the address the socket connected to: %d %v", code, err)
		}
	})
}

func TestShutdown(t *testing.T) {
	baseline := runtime.NumGoroutine()
	e := &env{verifier: newFakeVerifier(), handler: newFakeHandler()}
	e.srv = NewServer(ServerParams{Verifier: e.verifier, Handler: e.handler})
	hs := httpServer(e)
	defer hs.Close()

	pre := e.dial(t) // never authenticates
	a := e.dial(t)
	ra := a.auth("alice")
	b := e.dial(t)
	rb := b.auth("bob")
	blockID := b.request("block", nil) // in the handler while we shut down
	detached := e.dial(t)
	rd := detached.auth("alice-2")
	detached.dropHard()
	sd := e.handler.session(t, rd.SessionID)
	waitFor(t, "detach", func() bool { return !sd.Connected() })
	waitFor(t, "block in handler", func() bool {
		e.handler.mu.Lock()
		defer e.handler.mu.Unlock()
		return len(e.handler.handled) == 1
	})

	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := e.srv.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	// Shutdown waited for the Closed notifications.
	got := map[string]CloseReason{}
	for len(e.handler.closed) > 0 {
		c := <-e.handler.closed
		got[c.session] = c.reason
	}
	for _, id := range []string{ra.SessionID, rb.SessionID, rd.SessionID} {
		if got[id] != CloseReasonShutdown {
			t.Fatalf("session %s: Closed reason %v (all: %v)", id, got[id], got)
		}
	}
	pre.expectError("", CodeShuttingDown)
	pre.expectClose(CloseReasonShutdown)
	a.expectSessionClosed(CloseReasonShutdown, false)
	a.expectClose(CloseReasonShutdown)
	// The blocked request ends with the session's context; its answer may or
	// may not make it before the socket closes, but never leaks the cause.
	f := b.read()
	if f.Type == "response" {
		if f.ID != blockID || f.Error == nil || f.Error.Code != CodeInternal {
			t.Fatalf("blocked request answered %+v", f)
		}
		f = b.read()
	}
	checkSessionClosed(t, f, CloseReasonShutdown, false)
	b.expectClose(CloseReasonShutdown)
	if n := e.srv.Sessions(); n != 0 {
		t.Fatalf("%d sessions after shutdown", n)
	}

	// New sockets are refused.
	d := websocket.Dialer{HandshakeTimeout: testTimeout}
	ws, resp, err := d.Dial(e.url, nil)
	if ws != nil {
		_ = ws.Close()
	}
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("dial after shutdown: %v", err)
	}
	// A second Shutdown is harmless.
	if err := e.srv.Shutdown(ctx); err != nil {
		t.Fatalf("second shutdown: %v", err)
	}

	for _, c := range []*client{pre, a, b, detached} {
		_ = c.ws.Close()
	}
	hs.Close()
	waitFor(t, "goroutines to end", func() bool { return runtime.NumGoroutine() <= baseline })
}

func TestShutdownDeadline(t *testing.T) {
	e := newEnv(t, Config{})
	c := e.dial(t)
	c.auth("alice")
	// The client never reads its close frame nor answers it: Shutdown with
	// an already cancelled context stops waiting and says so.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := e.srv.Shutdown(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("shutdown with cancelled ctx: %v", err)
	}
}
