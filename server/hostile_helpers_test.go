package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/callcenter"
	"github.com/earshot/earshot/signaling/sigclient"
	"github.com/earshot/earshot/store"
)

// The hostile-input suite (hostile_*_test.go) attacks a real server over
// real sockets. Every case checks three things: the stable error code or
// close reason, that nothing changed (conversations, monitoring modes,
// history and the audit trail), and that the server still serves a normal
// client afterwards.

// world is a running server with a chat conversation carla↔alex that sam
// monitors in Listen: the state hostile input must leave alone.
type world struct {
	ts               *testServer
	cust, agent, sup *party
	conv             string
	probes           int
}

// newWorld starts a server (mutate may change its config) and sets up the
// monitored chat conversation.
func newWorld(t *testing.T, mutate func(*Config)) *world {
	t.Helper()
	ts := startServer(t, mutate)
	w := &world{ts: ts}
	w.cust = newParty(t, ts, "customer", ts.token(t, "carla", "Carla", auth.RoleCustomer))
	w.agent = newParty(t, ts, "agent", ts.token(t, "alex", "Alex", auth.RoleAgent, "team-a"))
	w.sup = newParty(t, ts, "supervisor", ts.token(t, "sam", "Sam", auth.RoleSupervisor, "team-a"))
	w.conv = chatCall(t, w.cust, w.agent)
	w.sup.do(t, "monitor.start", map[string]string{"conversation_id": w.conv, "reason": "quality check"}, nil)
	return w
}

// observer is a stand-in session of a supervisor of every team of a tenant,
// used to read the floor straight from the domain (no socket involved).
type observer struct{ tenant auth.TenantID }

func (o observer) ID() string { return "hostile-observer-" + string(o.tenant) }
func (o observer) Identity() auth.Identity {
	return auth.Identity{Subject: "hostile-observer", Tenant: o.tenant, Roles: []auth.Role{auth.RoleSupervisor}, Teams: []auth.TeamID{"team-a", "team-b"}}
}
func (o observer) Push(string, any) error { return nil }

var tenants = []auth.TenantID{"t1", "t2"}

// state is everything a refused request must leave as it was.
type state struct {
	Floor   map[auth.TenantID][]callcenter.FloorConversation
	Stats   callcenter.Stats
	Legs    int
	Heads   map[auth.TenantID]store.ChainLink
	History map[auth.TenantID][]store.ConversationHistory
}

// barrier waits until every history and audit write queued so far is
// committed: the store writer commits in order, so a committed write means
// the earlier ones are too. It writes one record in a tenant of its own.
func barrier(t *testing.T, ts *testServer) {
	t.Helper()
	rec := store.ConversationRecord{ID: "barrier", Tenant: "hostile-barrier", Channel: "chat", Queue: "support", Team: "team-a", CreatedAt: time.Unix(0, 0).UTC()}
	if err := ts.a.storage.writer.Commit(ctxT(t), store.Batch{Conversations: []store.ConversationRecord{rec}}); err != nil {
		t.Fatalf("store barrier: %v", err)
	}
}

// snapshot reads the state of tenants t1 and t2 once all queued writes landed.
func snapshot(t *testing.T, ts *testServer) state {
	t.Helper()
	barrier(t, ts)
	ctx := ctxT(t)
	s := state{
		Floor:   map[auth.TenantID][]callcenter.FloorConversation{},
		Stats:   ts.a.center.Stats(),
		Legs:    ts.a.sfu.Stats().Legs,
		Heads:   map[auth.TenantID]store.ChainLink{},
		History: map[auth.TenantID][]store.ConversationHistory{},
	}
	// Health alerts follow the audio too (test clients talk at once,
	// all the time: over-talk).
	s.Stats.HealthAlerts, s.Stats.HealthAlertsRaised = nil, nil
	st := ts.a.storage.store
	for _, tn := range tenants {
		fl, err := ts.a.center.Conversations(observer{tn})
		if err != nil {
			t.Fatal(err)
		}
		// Call health moves with time and with the parties' audio, which
		// keeps flowing: it is not state a refused request could change.
		for i := range fl {
			fl[i].Health = nil
		}
		s.Floor[tn] = fl
		ch, err := st.AuditChain(ctx, tn)
		if err != nil {
			t.Fatal(err)
		}
		s.Heads[tn] = ch.Head
		recs, err := st.Conversations(ctx, store.ConversationQuery{Tenant: tn})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			h, err := st.ConversationHistory(ctx, tn, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			s.History[tn] = append(s.History[tn], h)
		}
	}
	return s
}

// unchanged fails the test if the state differs from before.
func unchanged(t *testing.T, ts *testServer, before state) {
	t.Helper()
	after := snapshot(t, ts)
	if !reflect.DeepEqual(before, after) {
		b, _ := json.Marshal(before)
		a, _ := json.Marshal(after)
		t.Fatalf("state changed under hostile input:\nbefore %s\nafter  %s", b, a)
	}
}

// serves checks that the server still serves normal clients: a new
// supervisor starts and leaves monitoring the world's conversation, and
// exactly those two actions are added to the audit trail after before's
// head (so the hostile input added none, not even asynchronously); a new
// agent session is opened and answers ping.
func (w *world) serves(t *testing.T, before state) {
	t.Helper()
	w.probes++
	ts := w.ts
	name := fmt.Sprintf("probe%d", w.probes)
	sessions := ts.a.sig.Sessions()
	sig, err := sigclient.Dial(ctxT(t), ts.ws, ts.token(t, name, "Probe", auth.RoleSupervisor, "team-a"))
	if err != nil {
		t.Fatalf("a normal supervisor cannot connect: %v", err)
	}
	if err := sig.Request(ctxT(t), "monitor.start", map[string]string{"conversation_id": w.conv, "reason": "probe"}, nil); err != nil {
		t.Fatalf("a normal supervisor cannot monitor: %v", err)
	}
	if err := sig.Request(ctxT(t), "monitor.leave", map[string]string{"conversation_id": w.conv}, nil); err != nil {
		t.Fatalf("a normal supervisor cannot leave: %v", err)
	}
	evs, err := ts.a.storage.store.ScanAudit(ctxT(t), "t1", before.Heads["t1"].Seq, 100)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range evs {
		got = append(got, string(e.Actor)+" "+e.Action)
	}
	if want := []string{name + " monitor.start", name + " monitor.leave"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("audit rows after the hostile input: %q, want only the probe's %q", got, want)
	}
	sig.Close()
	stats := ts.a.center.Stats()
	ag, err := sigclient.Dial(ctxT(t), ts.ws, ts.token(t, name+"-agent", "Probe Agent", auth.RoleAgent, "team-b"))
	if err != nil {
		t.Fatalf("a normal agent cannot connect: %v", err)
	}
	if err := ag.Request(ctxT(t), "ping", nil, nil); err != nil {
		t.Fatalf("a normal agent cannot ping: %v", err)
	}
	ag.Close()
	// The probes' sessions end asynchronously: wait until they have, so
	// that the next case's "before" is not taken halfway (the probe agent
	// then stays on the floor as offline).
	stats.Agents["offline"]++
	ctx := ctxT(t)
	for !reflect.DeepEqual(ts.a.center.Stats(), stats) || ts.a.sig.Sessions() > sessions {
		select {
		case <-ctx.Done():
			t.Fatalf("the probes' sessions did not end: %d sessions (want %d), stats %+v", ts.a.sig.Sessions(), sessions, ts.a.center.Stats())
		case <-time.After(5 * time.Millisecond): // poll interval
		}
	}
}

// intact is unchanged then serves.
func (w *world) intact(t *testing.T, before state) {
	t.Helper()
	unchanged(t, w.ts, before)
	w.serves(t, before)
}

// wireFrame is any server frame, as read off a raw socket.
type wireFrame struct {
	V     int             `json:"v"`
	ID    *string         `json:"id"`
	Type  string          `json:"type"`
	Seq   uint64          `json:"seq"`
	OK    bool            `json:"ok"`
	Data  json.RawMessage `json:"data"`
	Error *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func (f wireFrame) code() string {
	if f.Error == nil {
		return ""
	}
	return f.Error.Code
}

func (f wireFrame) id() string {
	if f.ID == nil {
		return "<none>"
	}
	return *f.ID
}

// raw is a WebSocket driven byte by byte by the test, without sigclient's
// manners.
type raw struct {
	t  *testing.T
	ws *websocket.Conn
}

// rawDial opens a socket without authenticating; header may be nil.
func rawDial(t *testing.T, url string, header http.Header) *raw {
	t.Helper()
	d := websocket.Dialer{HandshakeTimeout: 10 * time.Second}
	ws, resp, err := d.DialContext(ctxT(t), url, header)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { _ = ws.Close() })
	return &raw{t: t, ws: ws}
}

// rawAuthed opens a socket and authenticates it with token.
func rawAuthed(t *testing.T, ts *testServer, token string) *raw {
	t.Helper()
	r := rawDial(t, ts.ws, nil)
	r.send(map[string]any{"v": 1, "id": "auth", "type": "auth", "data": map[string]string{"token": token}})
	if f := r.response(); !f.OK {
		t.Fatalf("auth refused: %s", f.code())
	}
	return r
}

func (r *raw) write(kind int, b []byte) {
	r.t.Helper()
	_ = r.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if err := r.ws.WriteMessage(kind, b); err != nil {
		r.t.Fatalf("write: %v", err)
	}
}

func (r *raw) text(s string) { r.t.Helper(); r.write(websocket.TextMessage, []byte(s)) }

func (r *raw) send(v any) {
	r.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		r.t.Fatal(err)
	}
	r.write(websocket.TextMessage, b)
}

// next reads one frame; a close or a broken socket fails the test.
func (r *raw) next() wireFrame {
	r.t.Helper()
	_ = r.ws.SetReadDeadline(time.Now().Add(testDeadline))
	_, b, err := r.ws.ReadMessage()
	if err != nil {
		r.t.Fatalf("read: %v", err)
	}
	var f wireFrame
	if err := json.Unmarshal(b, &f); err != nil {
		r.t.Fatalf("server sent non-JSON %q", b)
	}
	return f
}

// response reads frames until a response, skipping events.
func (r *raw) response() wireFrame {
	r.t.Helper()
	for {
		if f := r.next(); f.Type == "response" {
			return f
		}
	}
}

// refused reads the next response and checks it is a refusal with code and
// the given id ("<none>": no id).
func (r *raw) refused(id, code string) {
	r.t.Helper()
	f := r.response()
	if f.OK || f.code() != code || f.id() != id {
		r.t.Fatalf("got ok=%v code=%q id=%s, want %s with id %s", f.OK, f.code(), f.id(), code, id)
	}
}

// alive checks the socket still answers a ping.
func (r *raw) alive() {
	r.t.Helper()
	r.send(map[string]any{"v": 1, "id": "alive", "type": "ping"})
	if f := r.response(); !f.OK || f.id() != "alive" {
		r.t.Fatalf("ping after hostile input: ok=%v code=%s", f.OK, f.code())
	}
}

// closed reads until the server closes the socket and returns the frames it
// sent before, and the close code and reason text.
func (r *raw) closed() ([]wireFrame, int, string) {
	r.t.Helper()
	var frames []wireFrame
	deadline := time.Now().Add(testDeadline)
	for {
		_ = r.ws.SetReadDeadline(deadline)
		_, b, err := r.ws.ReadMessage()
		if err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				return frames, ce.Code, ce.Text
			}
			r.t.Fatalf("socket ended without a close frame: %v", err)
		}
		var f wireFrame
		if err := json.Unmarshal(b, &f); err != nil {
			r.t.Fatalf("server sent non-JSON %q", b)
		}
		frames = append(frames, f)
	}
}

// closedWith checks that the server closes the socket with wsCode and
// reason, and returns the frames sent before.
func (r *raw) closedWith(wsCode int, reason string) []wireFrame {
	r.t.Helper()
	frames, code, text := r.closed()
	if code != wsCode || text != reason {
		r.t.Fatalf("closed with %d %q, want %d %q", code, text, wsCode, reason)
	}
	return frames
}

// responses keeps only the responses among frames.
func responses(frames []wireFrame) []wireFrame {
	var out []wireFrame
	for _, f := range frames {
		if f.Type == "response" {
			out = append(out, f)
		}
	}
	return out
}

// sessionClosed returns the data of the session.closed event among frames.
func sessionClosed(t *testing.T, frames []wireFrame) (reason string, resumable bool) {
	t.Helper()
	for _, f := range frames {
		if f.Type == "session.closed" {
			var d struct {
				Reason    string `json:"reason"`
				Resumable bool   `json:"resumable"`
			}
			_ = json.Unmarshal(f.Data, &d)
			return d.Reason, d.Resumable
		}
	}
	t.Fatalf("no session.closed among %d frames", len(frames))
	return "", false
}

// code returns the remote error code of err, or a description of err.
func code(err error) string {
	if re := asRemote(err); re != nil {
		return re.Code
	}
	if err == nil {
		return "<ok>"
	}
	return "<" + err.Error() + ">"
}

// deadlineCtx is a context bounded by d.
func deadlineCtx(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// nested returns n opening brackets followed by n closing ones.
func nested(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }

// refusal is one case of a table of requests that must be refused: who
// sends it, the request, and the stable code expected.
type refusal struct {
	name string
	p    *party
	typ  string
	data any
	code string
}
