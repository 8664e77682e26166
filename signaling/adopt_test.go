package signaling

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/earshot/earshot/auth"
)

// recordingObserver keeps the session records a server reports.
type recordingObserver struct {
	mu    sync.Mutex
	recs  map[string]SessionRecord
	ended []string
}

func (o *recordingObserver) SessionSaved(r SessionRecord) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.recs == nil {
		o.recs = map[string]SessionRecord{}
	}
	o.recs[r.ID] = r
}

func (o *recordingObserver) SessionEnded(id string, _ auth.TenantID) {
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.recs, id)
	o.ended = append(o.ended, id)
}

func (o *recordingObserver) get(t *testing.T, id string) SessionRecord {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	r, ok := o.recs[id]
	if !ok {
		t.Fatalf("no record of session %s", id)
	}
	return r
}

// adoptingHandler is the fake handler that also takes adopted sessions: it
// pushes a "state" event, as the domain pushes the current state.
type adoptingHandler struct {
	*fakeHandler
	mu      sync.Mutex
	adopted []string
}

func (h *adoptingHandler) Adopted(s *Session) {
	h.mu.Lock()
	h.adopted = append(h.adopted, s.ID())
	h.mu.Unlock()
	_ = s.Push("state.full", map[string]bool{"recovered": true})
}

func (h *adoptingHandler) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.adopted)
}

// newEnvWith is newEnv with a session observer and an adopting handler.
func newEnvWith(t *testing.T, cfg Config, obs SessionObserver) (*env, *adoptingHandler) {
	t.Helper()
	h := &adoptingHandler{fakeHandler: newFakeHandler()}
	e := &env{verifier: newFakeVerifier(), handler: h.fakeHandler}
	e.srv = NewServer(ServerParams{Config: cfg, Verifier: e.verifier, Handler: h, Sessions: obs})
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
	return e, h
}

// A session recorded by one server (the lost home) is adopted by another:
// the client resumes there with its last seq and resume token, is told it
// recovered, gets no replay (nothing survived) but the full state, numbered
// after what it had; events pushed before its resume are dropped.
func TestAdoptedSessionResumes(t *testing.T) {
	obs := &recordingObserver{}
	home, _ := newEnvWith(t, Config{}, obs)
	a := home.dial(t)
	r := a.auth("alice")
	s := home.handler.session(t, r.SessionID)
	pushN(t, s, 1, 3)
	for seq := uint64(1); seq <= 3; seq++ {
		a.expectEvent("test.event", seq)
	}
	rec := obs.get(t, r.SessionID)
	if rec.Identity.Subject != "alice" || len(rec.ResumeKeys) != 1 {
		t.Fatalf("record %+v", rec)
	}
	a.dropHard()

	next, h := newEnvWith(t, Config{}, nil)
	adopted := next.srv.Adopt([]SessionRecord{rec, {ID: "", ResumeKeys: []string{"zz"}}})
	if len(adopted) != 1 || adopted[r.SessionID] == nil {
		t.Fatalf("adopted %v", adopted)
	}
	if err := adopted[r.SessionID].Push("lost.meanwhile", nil); err != nil {
		t.Fatal(err)
	}

	// Another user presenting the token is refused, as on any resume.
	x := next.dial(t)
	xid := x.request(TypeResume, resumeReq("bob", r.ResumeToken, 3))
	x.expectError(xid, CodeResumeFailed)

	b := next.dial(t)
	f := b.expectOK(b.request(TypeResume, resumeReq("alice-2", r.ResumeToken, 3)))
	var rr struct {
		authResp
		Recovered bool `json:"recovered"`
	}
	if err := json.Unmarshal(f.Data, &rr); err != nil {
		t.Fatal(err)
	}
	if rr.SessionID != r.SessionID || !rr.Recovered || rr.Replayed != 0 {
		t.Fatalf("resume of an adopted session: %+v", rr)
	}
	b.expectEvent("state.full", 4) // after the client's 3; "lost.meanwhile" dropped
	if h.count() != 1 {
		t.Fatalf("Adopted called %d times", h.count())
	}
	// From now on it is an ordinary session: events, a second resume with
	// replay, no second Adopted.
	pushN(t, adopted[r.SessionID], 5, 5)
	b.expectEvent("test.event", 5)
	b.dropHard()
	c := next.dial(t)
	rc := c.resume("alice", rr.ResumeToken, 4)
	if rc.Replayed != 1 {
		t.Fatalf("second resume replayed %d, want 1", rc.Replayed)
	}
	c.expectEvent("test.event", 5)
	if h.count() != 1 {
		t.Fatalf("Adopted called %d times", h.count())
	}
}

// After a rotation the record holds the new and the previous key: a client
// whose last rotation the record caught up with resumes with either.
func TestAdoptedSessionAcceptsThePreviousKey(t *testing.T) {
	obs := &recordingObserver{}
	home, _ := newEnvWith(t, Config{}, obs)
	a := home.dial(t)
	r := a.auth("alice")
	a.dropHard()
	waitFor(t, "detach", func() bool { return !home.handler.session(t, r.SessionID).Connected() })
	b := home.dial(t)
	rr := b.resume("alice", r.ResumeToken, 0) // rotates
	rec := obs.get(t, r.SessionID)
	if len(rec.ResumeKeys) != 2 {
		t.Fatalf("record after a rotation holds %d keys", len(rec.ResumeKeys))
	}
	b.dropHard()

	next, _ := newEnvWith(t, Config{}, nil)
	next.srv.Adopt([]SessionRecord{rec})
	c := next.dial(t)
	c.expectOK(c.request(TypeResume, resumeReq("alice", r.ResumeToken, 0))) // the previous token
	_ = rr
}

// An adopted session whose client never comes back ends when its grace
// expires, like any detached session, and the handler is told.
func TestAdoptedSessionExpires(t *testing.T) {
	obs := &recordingObserver{}
	home, _ := newEnvWith(t, Config{}, obs)
	a := home.dial(t)
	r := a.auth("alice")
	rec := obs.get(t, r.SessionID)

	next, _ := newEnvWith(t, Config{ResumeGrace: 50 * time.Millisecond}, nil)
	next.srv.Adopt([]SessionRecord{rec})
	next.handler.expectClosed(t, r.SessionID, CloseReasonGraceExpired)
}
