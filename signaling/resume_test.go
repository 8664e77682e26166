package signaling

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

// resumeReq is session.resume's data.
func resumeReq(token, resumeToken string, lastSeq uint64) map[string]any {
	return map[string]any{"token": token, "resume_token": resumeToken, "last_seq": lastSeq}
}

func (c *client) resume(token, resumeToken string, lastSeq uint64) authResp {
	c.t.Helper()
	f := c.expectOK(c.request(TypeResume, resumeReq(token, resumeToken, lastSeq)))
	var r authResp
	if err := json.Unmarshal(f.Data, &r); err != nil {
		c.t.Fatal(err)
	}
	return r
}

func pushN(t *testing.T, s *Session, from, to int) {
	t.Helper()
	for i := from; i <= to; i++ {
		if err := s.Push("test.event", map[string]int{"i": i}); err != nil {
			t.Fatalf("push %d: %v", i, err)
		}
	}
}

func TestResume(t *testing.T) {
	t.Run("replays missed events without telling the handler", func(t *testing.T) {
		e := newEnv(t, Config{})
		a := e.dial(t)
		r := a.auth("alice")
		s := e.handler.session(t, r.SessionID)
		pushN(t, s, 1, 3)
		for seq := uint64(1); seq <= 3; seq++ {
			a.expectEvent("test.event", seq)
		}
		a.dropHard()
		waitFor(t, "detach", func() bool { return !s.Connected() })
		pushN(t, s, 4, 6) // missed while the socket is gone

		b := e.dial(t)
		rr := b.resume("alice-2", r.ResumeToken, 3)
		if rr.SessionID != r.SessionID || rr.Replayed != 3 || rr.ResumeToken == "" || rr.ResumeToken == r.ResumeToken {
			t.Fatalf("resume result %+v", rr)
		}
		for seq := uint64(4); seq <= 6; seq++ {
			f := b.expectEvent("test.event", seq)
			if string(f.Data) != `{"i":`+itoa(int(seq))+`}` {
				t.Fatalf("event %d data %s", seq, f.Data)
			}
		}
		pushN(t, s, 7, 7)
		b.expectEvent("test.event", 7)
		b.expectOK(b.request("echo", nil))
		if opened, refreshed := e.handler.counts(); opened != 1 || refreshed != 0 {
			t.Fatalf("handler told: opened %d refreshed %d", opened, refreshed)
		}
		e.handler.expectNoClosed(t)

		// The old resume token was rotated away.
		c := e.dial(t)
		id := c.request(TypeResume, resumeReq("alice", r.ResumeToken, 7))
		c.expectError(id, CodeResumeFailed)
		c.expectClose(CloseReasonResumeFailed)
	})
	t.Run("wrong resume token or other user", func(t *testing.T) {
		e := newEnv(t, Config{})
		a := e.dial(t)
		r := a.auth("alice")
		a.dropHard()
		for _, tc := range []struct{ token, resume string }{
			{"alice", "not-the-token"},
			{"alice", ""},
			{"bob", r.ResumeToken},      // other user
			{"alice-t2", r.ResumeToken}, // same subject, other tenant
			{"forged", r.ResumeToken},   // invalid token
		} {
			c := e.dial(t)
			id := c.request(TypeResume, resumeReq(tc.token, tc.resume, 0))
			f := c.read()
			if f.ID != id || f.OK || f.Error == nil {
				t.Fatalf("%+v: resume answered %+v", tc, f)
			}
			if tc.token == "forged" {
				if f.Error.Code != CodeTokenInvalid {
					t.Fatalf("forged token: %s", f.Error.Code)
				}
				c.expectClose(CloseReasonAuthFailed)
				continue
			}
			if f.Error.Code != CodeResumeFailed {
				t.Fatalf("%+v: code %s", tc, f.Error.Code)
			}
			c.expectClose(CloseReasonResumeFailed)
		}
		// The session itself is untouched and still resumable.
		b := e.dial(t)
		b.resume("alice", r.ResumeToken, 0)
		e.handler.expectNoClosed(t)
	})
	t.Run("replaces an attached socket", func(t *testing.T) {
		e := newEnv(t, Config{})
		a := e.dial(t)
		r := a.auth("alice")
		s := e.handler.session(t, r.SessionID)
		pushN(t, s, 1, 2)
		a.expectEvent("test.event", 1)
		a.expectEvent("test.event", 2)

		b := e.dial(t)
		rr := b.resume("alice", r.ResumeToken, 2)
		if rr.Replayed != 0 {
			t.Fatalf("replayed %d", rr.Replayed)
		}
		a.expectSessionClosed(CloseReasonReplaced, false)
		a.expectClose(CloseReasonReplaced)
		pushN(t, s, 3, 3)
		b.expectEvent("test.event", 3)
		e.handler.expectNoClosed(t)
	})
	t.Run("gap ends the session", func(t *testing.T) {
		e := newEnv(t, Config{ReplayBuffer: 4})
		a := e.dial(t)
		r := a.auth("alice")
		s := e.handler.session(t, r.SessionID)
		a.dropHard()
		waitFor(t, "detach", func() bool { return !s.Connected() })
		pushN(t, s, 1, 10)

		b := e.dial(t)
		id := b.request(TypeResume, resumeReq("alice", r.ResumeToken, 5))
		b.expectError(id, CodeResumeGap)
		b.expectClose(CloseReasonResumeGap)
		e.handler.expectClosed(t, r.SessionID, CloseReasonResumeGap)
		if err := s.Push("x", nil); !errors.Is(err, ErrSessionEnded) {
			t.Fatalf("push after end: %v", err)
		}
	})
	t.Run("exactly the buffer is enough", func(t *testing.T) {
		e := newEnv(t, Config{ReplayBuffer: 4})
		a := e.dial(t)
		r := a.auth("alice")
		s := e.handler.session(t, r.SessionID)
		a.dropHard()
		waitFor(t, "detach", func() bool { return !s.Connected() })
		pushN(t, s, 1, 10)
		b := e.dial(t)
		if rr := b.resume("alice", r.ResumeToken, 6); rr.Replayed != 4 {
			t.Fatalf("replayed %d", rr.Replayed)
		}
		for seq := uint64(7); seq <= 10; seq++ {
			b.expectEvent("test.event", seq)
		}
	})
	t.Run("last_seq ahead", func(t *testing.T) {
		e := newEnv(t, Config{})
		a := e.dial(t)
		r := a.auth("alice")
		b := e.dial(t)
		b.expectError(b.request(TypeResume, resumeReq("alice", r.ResumeToken, 9)), CodeBadRequest)
		b.expectClose(CloseReasonResumeFailed)
		a.expectOK(a.request(TypePing, nil))
	})
	t.Run("grace expiry", func(t *testing.T) {
		e := newEnv(t, Config{ResumeGrace: 300 * time.Millisecond})
		a := e.dial(t)
		r := a.auth("alice")
		if r.ResumeGraceMS != 300 {
			t.Fatalf("resume_grace_ms %d", r.ResumeGraceMS)
		}
		s := e.handler.session(t, r.SessionID)
		a.dropHard()
		e.handler.expectClosed(t, r.SessionID, CloseReasonGraceExpired)
		select {
		case <-s.Context().Done():
		default:
			t.Fatal("session context not cancelled")
		}
		if s.lastDropReason() != CloseReasonConnectionLost {
			t.Fatalf("drop reason %s", s.lastDropReason())
		}
		b := e.dial(t)
		b.expectError(b.request(TypeResume, resumeReq("alice", r.ResumeToken, 0)), CodeResumeFailed)
	})
	t.Run("resume within grace stops the timer", func(t *testing.T) {
		const grace = time.Second // room for a loaded machine to resume in time
		e := newEnv(t, Config{ResumeGrace: grace})
		a := e.dial(t)
		r := a.auth("alice")
		s := e.handler.session(t, r.SessionID)
		a.dropHard()
		waitFor(t, "detach", func() bool { return !s.Connected() })
		b := e.dial(t)
		b.resume("alice", r.ResumeToken, 0)
		// The property is that a timer does NOT fire: let two grace
		// periods pass, then the session must still be alive.
		<-time.After(2 * grace)
		b.expectOK(b.request(TypePing, nil))
		e.handler.expectNoClosed(t)
		if !s.Connected() {
			t.Fatal("resumed session not connected")
		}
	})
	t.Run("changed roles go through Refreshed", func(t *testing.T) {
		e := newEnv(t, Config{})
		a := e.dial(t)
		r := a.auth("alice")
		a.dropHard()
		b := e.dial(t)
		rr := b.resume("alice-sup", r.ResumeToken, 0)
		if len(rr.Identity.Roles) != 2 {
			t.Fatalf("identity after resume %+v", rr.Identity)
		}
		if _, refreshed := e.handler.counts(); refreshed != 1 {
			t.Fatalf("Refreshed called %d times", refreshed)
		}
		e.handler.refuseRefresh = Errorf(CodeForbidden, "no longer allowed")
		c := e.dial(t)
		c.expectError(c.request(TypeResume, resumeReq("alice", rr.ResumeToken, 0)), CodeForbidden)
		c.expectClose(CloseReasonRevoked)
		b.expectSessionClosed(CloseReasonRevoked, false)
		e.handler.expectClosed(t, r.SessionID, CloseReasonRevoked)
	})
}

func TestReplayRing(t *testing.T) {
	r := newReplayRing(3)
	if got, err := r.since(0, 0); err != nil || len(got) != 0 {
		t.Fatalf("empty: %v %v", got, err)
	}
	for seq := uint64(1); seq <= 5; seq++ {
		r.add(seq, []byte{byte('0' + seq)})
	}
	cases := []struct {
		after uint64
		want  string
		err   error
	}{
		{5, "", nil},
		{4, "5", nil},
		{2, "345", nil},
		{1, "", errReplayGap},
		{0, "", errReplayGap},
		{6, "", errSeqAhead},
	}
	for _, tc := range cases {
		got, err := r.since(tc.after, 5)
		s := ""
		for _, f := range got {
			s += string(f)
		}
		if !errors.Is(err, tc.err) || s != tc.want {
			t.Errorf("since(%d) = %q, %v; want %q, %v", tc.after, s, err, tc.want, tc.err)
		}
	}
}
