package signaling

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/earshot/earshot/auth"
	"github.com/gorilla/websocket"
)

// testTimeout bounds every wait in these tests; generous for a loaded
// 2-core machine running -race.
const testTimeout = 15 * time.Second

// fakeVerifier maps raw tokens to identities or errors.
type fakeVerifier struct {
	mu   sync.Mutex
	ids  map[string]auth.Identity
	errs map[string]error
}

func newFakeVerifier() *fakeVerifier {
	v := &fakeVerifier{ids: map[string]auth.Identity{}, errs: map[string]error{}}
	v.set("alice", identity("alice", "t1", auth.RoleAgent))
	v.set("alice-2", identity("alice", "t1", auth.RoleAgent))
	v.set("alice-sup", identity("alice", "t1", auth.RoleAgent, auth.RoleSupervisor))
	v.set("alice-t2", identity("alice", "t2", auth.RoleAgent))
	v.set("bob", identity("bob", "t1", auth.RoleSupervisor))
	v.errs["expired"] = auth.ErrTokenExpired
	v.errs["aud"] = auth.ErrWrongAudience
	v.errs["iss"] = auth.ErrWrongIssuer
	v.errs["claim"] = auth.ErrMissingClaim
	v.errs["broken"] = errors.New("jwks fetch: secret-detail")
	return v
}

func identity(sub, tenant string, roles ...auth.Role) auth.Identity {
	return auth.Identity{
		Subject: auth.UserID(sub), Name: strings.ToUpper(sub), Tenant: auth.TenantID(tenant),
		Roles: roles, Teams: []auth.TeamID{"blue"},
	}
}

func (v *fakeVerifier) set(token string, id auth.Identity) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.ids[token] = id
}

func (v *fakeVerifier) Verify(_ context.Context, raw string) (auth.Identity, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if err, ok := v.errs[raw]; ok {
		return auth.Identity{}, fmt.Errorf("fake verify: %w", err)
	}
	if id, ok := v.ids[raw]; ok {
		return id, nil
	}
	if raw == "" {
		return auth.Identity{}, auth.ErrMissingToken
	}
	return auth.Identity{}, fmt.Errorf("fake verify: unknown token: %w", auth.ErrTokenInvalid)
}

// closedCall records one Handler.Closed.
type closedCall struct {
	session string
	reason  CloseReason
}

// fakeHandler is a scriptable domain.
type fakeHandler struct {
	mu            sync.Mutex
	sessions      []*Session
	opened        int
	refreshed     int
	refuseOpen    error
	refuseRefresh error
	handled       []string
	closed        chan closedCall
	// release unblocks "block" requests (in addition to ctx).
	release chan struct{}
}

func newFakeHandler() *fakeHandler {
	return &fakeHandler{closed: make(chan closedCall, 64), release: make(chan struct{})}
}

func (h *fakeHandler) Opened(s *Session) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.refuseOpen != nil {
		return h.refuseOpen
	}
	h.opened++
	h.sessions = append(h.sessions, s)
	return nil
}

func (h *fakeHandler) Handle(ctx context.Context, s *Session, typ string, data json.RawMessage) (any, error) {
	h.mu.Lock()
	h.handled = append(h.handled, typ)
	h.mu.Unlock()
	switch typ {
	case "echo":
		return data, nil
	case "nil":
		return nil, nil
	case "fail":
		return nil, fmt.Errorf("lookup: %w", Errorf("not_found", "no such thing"))
	case "secret":
		return nil, errors.New("db password=hunter2")
	case "forbidden":
		return nil, fmt.Errorf("monitor: %w", auth.ErrOtherTeam)
	case "panic":
		panic("handler exploded")
	case "unmarshallable":
		return func() {}, nil
	case "push":
		var d struct{ N int }
		_ = json.Unmarshal(data, &d)
		for i := 1; i <= d.N; i++ {
			if err := s.Push("test.event", map[string]int{"i": i}); err != nil {
				return nil, err
			}
		}
		return nil, nil
	case "block":
		select {
		case <-ctx.Done():
		case <-h.release:
		}
		return nil, ctx.Err()
	case "close":
		s.Close(CloseReasonRevoked)
		return nil, nil
	default:
		return nil, Errorf(CodeUnknownType, "unknown request type %q", typ)
	}
}

func (h *fakeHandler) Refreshed(_ *Session, _, _ auth.Identity) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.refreshed++
	return h.refuseRefresh
}

func (h *fakeHandler) Closed(s *Session, reason CloseReason) {
	h.closed <- closedCall{session: s.ID(), reason: reason}
}

func (h *fakeHandler) session(t *testing.T, id string) *Session {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, s := range h.sessions {
		if s.ID() == id {
			return s
		}
	}
	t.Fatalf("no opened session %s", id)
	return nil
}

func (h *fakeHandler) counts() (opened, refreshed int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.opened, h.refreshed
}

// expectClosed waits for a Handler.Closed call.
func (h *fakeHandler) expectClosed(t *testing.T, session string, reason CloseReason) {
	t.Helper()
	select {
	case c := <-h.closed:
		if c.session != session || c.reason != reason {
			t.Fatalf("Closed(%s, %s), want Closed(%s, %s)", c.session, c.reason, session, reason)
		}
	case <-time.After(testTimeout):
		t.Fatalf("no Closed(%s, %s)", session, reason)
	}
}

// expectNoClosed checks that Closed was not called so far.
func (h *fakeHandler) expectNoClosed(t *testing.T) {
	t.Helper()
	select {
	case c := <-h.closed:
		t.Fatalf("unexpected Closed(%s, %s)", c.session, c.reason)
	default:
	}
}

// env is one running server with its fakes.
type env struct {
	srv      *Server
	hs       *httptest.Server
	verifier *fakeVerifier
	handler  *fakeHandler
	url      string
}

func newEnv(t *testing.T, cfg Config) *env {
	t.Helper()
	e := &env{verifier: newFakeVerifier(), handler: newFakeHandler()}
	e.srv = NewServer(ServerParams{Config: cfg, Verifier: e.verifier, Handler: e.handler})
	e.hs = httptest.NewServer(e.srv)
	e.url = "ws" + strings.TrimPrefix(e.hs.URL, "http") + "/ws"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		if err := e.srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		e.hs.Close()
	})
	return e
}

// frame is any server frame, decoded loosely.
type frame struct {
	V     int             `json:"v"`
	ID    string          `json:"id"`
	Type  string          `json:"type"`
	OK    bool            `json:"ok"`
	Seq   uint64          `json:"seq"`
	Data  json.RawMessage `json:"data"`
	Error *wireError      `json:"error"`
}

type client struct {
	t  *testing.T
	ws *websocket.Conn
	n  int
}

func (e *env) dial(t *testing.T) *client {
	t.Helper()
	return e.dialHeader(t, nil)
}

func (e *env) dialHeader(t *testing.T, h http.Header) *client {
	t.Helper()
	d := websocket.Dialer{HandshakeTimeout: testTimeout}
	ws, _, err := d.Dial(e.url, h)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { _ = ws.Close() })
	return &client{t: t, ws: ws}
}

// request sends a request with a fresh id and returns the id.
func (c *client) request(typ string, data any) string {
	c.t.Helper()
	c.n++
	id := fmt.Sprintf("r%d", c.n)
	c.send(map[string]any{"v": 1, "id": id, "type": typ, "data": data})
	return id
}

func (c *client) send(v any) {
	c.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		c.t.Fatal(err)
	}
	c.sendRaw(websocket.TextMessage, b)
}

func (c *client) sendRaw(kind int, b []byte) {
	c.t.Helper()
	_ = c.ws.SetWriteDeadline(time.Now().Add(testTimeout))
	if err := c.ws.WriteMessage(kind, b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

func (c *client) read() frame {
	c.t.Helper()
	_ = c.ws.SetReadDeadline(time.Now().Add(testTimeout))
	kind, b, err := c.ws.ReadMessage()
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	if kind != websocket.TextMessage {
		c.t.Fatalf("got frame kind %d", kind)
	}
	var f frame
	if err := json.Unmarshal(b, &f); err != nil {
		c.t.Fatalf("bad frame %s: %v", b, err)
	}
	if f.V != 1 {
		c.t.Fatalf("frame without v:1: %s", b)
	}
	return f
}

// expectOK reads the next frame, which must be the ok response to id.
func (c *client) expectOK(id string) frame {
	c.t.Helper()
	f := c.read()
	if f.Type != "response" || f.ID != id || !f.OK {
		c.t.Fatalf("want ok response to %s, got %+v (error %+v)", id, f, f.Error)
	}
	return f
}

// expectError reads the next frame, which must be an error response.
func (c *client) expectError(id string, code Code) frame {
	c.t.Helper()
	f := c.read()
	if f.Type != "response" || f.ID != id || f.OK || f.Error == nil || f.Error.Code != code {
		c.t.Fatalf("want error %s for %q, got %+v (error %+v)", code, id, f, f.Error)
	}
	return f
}

// expectEvent reads the next frame, which must be an event.
func (c *client) expectEvent(typ string, seq uint64) frame {
	c.t.Helper()
	f := c.read()
	if f.Type != typ || f.Seq != seq {
		c.t.Fatalf("want event %s seq %d, got %+v", typ, seq, f)
	}
	return f
}

// expectSessionClosed reads the final session.closed event.
func (c *client) expectSessionClosed(reason CloseReason, resumable bool) {
	c.t.Helper()
	checkSessionClosed(c.t, c.read(), reason, resumable)
}

func checkSessionClosed(t *testing.T, f frame, reason CloseReason, resumable bool) {
	t.Helper()
	var d struct {
		Reason    string `json:"reason"`
		Resumable bool   `json:"resumable"`
	}
	if f.Type != EventSessionClosed || f.Seq != 0 || json.Unmarshal(f.Data, &d) != nil ||
		d.Reason != reason.String() || d.Resumable != resumable {
		t.Fatalf("got %+v (data %s), want session.closed reason %s resumable %v", f, f.Data, reason, resumable)
	}
}

// expectClose reads until the server's close frame, which must carry reason.
// Data frames before it are skipped.
func (c *client) expectClose(reason CloseReason) {
	c.t.Helper()
	deadline := time.Now().Add(testTimeout)
	for {
		_ = c.ws.SetReadDeadline(deadline)
		_, _, err := c.ws.ReadMessage()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) {
			c.t.Fatalf("want close %s, got %v", reason, err)
		}
		if ce.Text != reason.String() || ce.Code != reason.WebSocketCode() {
			c.t.Fatalf("close %d %q, want %d %q", ce.Code, ce.Text, reason.WebSocketCode(), reason)
		}
		return
	}
}

// authResp is the decoded data of a successful auth or resume.
type authResp struct {
	SessionID     string       `json:"session_id"`
	ResumeToken   string       `json:"resume_token"`
	Identity      wireIdentity `json:"identity"`
	Protocol      int          `json:"protocol"`
	ResumeGraceMS int64        `json:"resume_grace_ms"`
	Replayed      int          `json:"replayed"`
}

func (c *client) auth(token string) authResp {
	c.t.Helper()
	id := c.request(TypeAuth, map[string]string{"token": token})
	f := c.expectOK(id)
	var r authResp
	if err := json.Unmarshal(f.Data, &r); err != nil {
		c.t.Fatal(err)
	}
	return r
}

// dropHard closes the TCP connection without a close frame, like a network
// failure.
func (c *client) dropHard() { _ = c.ws.NetConn().Close() }

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// httpServer starts e's server on a test listener without registering a
// Shutdown cleanup (for tests that shut down themselves).
func httpServer(e *env) *httptest.Server {
	e.hs = httptest.NewServer(e.srv)
	e.url = "ws" + strings.TrimPrefix(e.hs.URL, "http") + "/ws"
	return e.hs
}
