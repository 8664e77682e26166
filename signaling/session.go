package signaling

import (
	"context"
	"fmt"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/earshot/earshot/auth"
)

// Session is one authenticated client: it outlives a dropped socket for
// Config.ResumeGrace and can move to a new socket by session.resume. Every
// pushed event gets the next seq and is kept in a replay buffer, so a resumed
// client receives what it missed, in order.
type Session struct {
	srv     *Server
	id      string
	userKey userKey
	bucket  *tokenBucket // the user's shared rate bucket

	ctx    context.Context
	cancel context.CancelFunc

	identity atomic.Pointer[auth.Identity]

	// reqMu serialises request handling for this session, so that the domain
	// sees one request at a time in order, also while a resume replaces the
	// socket. Never held while taking mu's of other sessions.
	reqMu sync.Mutex

	// mu guards the fields below. Held only for short, non-blocking work
	// (enqueueing never blocks), never across I/O or Handler calls.
	mu         sync.Mutex
	conn       *conn // attached socket; nil while detached or ended
	ended      bool
	resumeKey  string
	seq        uint64
	replay     replayRing
	graceTimer *time.Timer
	graceGen   uint64
	expTimer   *time.Timer
	expGen     uint64
	// lastDrop is why the last socket left the session (logs, tests).
	lastDrop CloseReason
	// adoptedPending: the session was adopted from a lost node (adopt.go)
	// and its client has not resumed yet; events pushed meanwhile are
	// dropped (the Adopter pushes the full state at the resume).
	adoptedPending bool
	// altKey is an adopted session's second accepted resume key (the one
	// before the last rotation); guarded by Server.mu. adoptAlt is the
	// same, guarded by mu, until the first resume.
	altKey   string
	adoptAlt string
}

// newSession builds an unregistered session for a verified identity.
func newSession(srv *Server, id auth.Identity) *Session {
	ctx, cancel := context.WithCancel(srv.ctx)
	s := &Session{
		srv:     srv,
		id:      newSessionID(),
		userKey: keyOf(id),
		ctx:     ctx,
		cancel:  cancel,
		replay:  newReplayRing(srv.cfg.ReplayBuffer),
	}
	s.identity.Store(&id)
	return s
}

// ID is the session's id: random, stable across resumes.
func (s *Session) ID() string { return s.id }

// Identity returns the current verified identity (it changes on refresh).
// The returned value is a copy the caller may keep.
func (s *Session) Identity() auth.Identity {
	id := *s.identity.Load()
	id.Roles = slices.Clone(id.Roles)
	id.Teams = slices.Clone(id.Teams)
	return id
}

// Context is cancelled when the session ends for good (or the server stops).
func (s *Session) Context() context.Context { return s.ctx }

// Connected reports whether a socket is attached right now. A session in its
// resume grace period is not connected but still alive.
func (s *Session) Connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conn != nil
}

// Push sends an event to the client. It never blocks: the event gets the
// next seq and is stored in the replay buffer, then queued to the attached
// socket, if any. If that socket's queue is full, the socket is closed with
// SlowConsumer and the session waits for a resume (the event stays in the
// replay buffer while it fits). Returns ErrSessionEnded after the end.
// Push never calls back into the Handler.
func (s *Session) Push(event string, data any) error {
	if event == "" {
		return ErrEmptyEvent
	}
	payload, err := marshalData(data)
	if err != nil {
		return fmt.Errorf("push %s: %w", event, err)
	}
	prefix := eventPrefix(event)

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return ErrSessionEnded
	}
	if s.adoptedPending {
		return nil // the state is pushed in full once the client resumes
	}
	s.seq++
	frame := appendEvent(prefix, s.seq, payload)
	s.replay.add(s.seq, frame)
	if s.conn != nil {
		switch err := s.conn.enqueue(frame); err {
		case nil:
		case errQueueFull:
			s.dropConnLocked(s.conn, CloseReasonSlowConsumer)
		default:
			// The socket is already closing for its own reason.
			s.dropConnLocked(s.conn, s.conn.closeReason())
		}
	}
	return nil
}

// Close ends the session for good with the given reason: the socket (if
// any) gets session.closed and a close frame, Context is cancelled, and
// Handler.Closed is called on another goroutine. Safe to call from Handle.
func (s *Session) Close(reason CloseReason) {
	s.finish(reason, nil)
}

// Superseded ends the session because a newer session of the same user took
// its place (callcenter.Supersedable): the client gets session.closed with
// "signed_in_elsewhere", not resumable.
func (s *Session) Superseded() {
	s.finish(CloseReasonSignedInElsewhere, nil)
}

// finish ends the session unless it already ended or cond (evaluated under
// the lock) says no. Reports whether this call ended it.
func (s *Session) finish(reason CloseReason, cond func() bool) bool {
	s.mu.Lock()
	if s.ended || (cond != nil && !cond()) {
		s.mu.Unlock()
		return false
	}
	s.ended = true
	s.stopTimersLocked()
	c := s.conn
	s.conn = nil
	key := s.resumeKey
	// Counted before the lock is released: Shutdown ends every session
	// before it waits, so it either ends this one itself or sees this count.
	s.srv.wg.Add(1)
	s.mu.Unlock()

	s.cancel()
	if c != nil {
		c.close(reason, sessionClosedFrame(reason, false))
	}
	s.srv.forget(s, key)
	s.srv.log.Info("session ended", "session", s.id, "user", s.userKey.user, "reason", reason.String())
	go func() {
		defer s.srv.wg.Done()
		defer func() {
			if p := recover(); p != nil {
				s.srv.log.Error("handler Closed panicked", "session", s.id, "panic", p, "stack", string(debug.Stack()))
			}
		}()
		s.srv.handler.Closed(s, reason)
	}()
	return true
}

// detach is called when socket c stopped for reason; if c is still the
// session's socket, the session starts its resume grace period.
func (s *Session) detach(c *conn, reason CloseReason) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn == c && !s.ended {
		s.dropConnLocked(c, reason)
	}
}

// dropConnLocked closes the attached socket c and starts the grace timer.
// s.mu must be held; c must be s.conn.
func (s *Session) dropConnLocked(c *conn, reason CloseReason) {
	s.conn = nil
	s.lastDrop = reason
	c.close(reason, sessionClosedFrame(reason, reason.resumable()))
	s.graceGen++
	gen := s.graceGen
	if s.graceTimer != nil {
		s.graceTimer.Stop()
	}
	s.graceTimer = time.AfterFunc(s.srv.cfg.ResumeGrace, func() {
		s.finish(CloseReasonGraceExpired, func() bool { return s.conn == nil && s.graceGen == gen })
	})
	s.srv.log.Info("socket left session", "session", s.id, "reason", reason.String())
}

// setIdentityLocked adopts a (refreshed) identity and re-arms the expiry
// timer. s.mu must be held.
func (s *Session) setIdentityLocked(id auth.Identity) {
	s.identity.Store(&id)
	s.expGen++
	gen := s.expGen
	if s.expTimer != nil {
		s.expTimer.Stop()
		s.expTimer = nil
	}
	if id.Expiry.IsZero() {
		return
	}
	// Expiry ends the session even while detached: a leg must not outlive
	// the credentials that allowed it.
	s.expTimer = time.AfterFunc(time.Until(id.Expiry), func() {
		s.finish(CloseReasonTokenExpired, func() bool { return s.expGen == gen })
	})
}

// stopTimersLocked stops the grace and expiry timers. s.mu must be held.
func (s *Session) stopTimersLocked() {
	if s.graceTimer != nil {
		s.graceTimer.Stop()
	}
	if s.expTimer != nil {
		s.expTimer.Stop()
	}
	s.graceGen++
	s.expGen++
}

// lastDropReason returns why the last socket left (for tests and logs).
func (s *Session) lastDropReason() CloseReason {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastDrop
}
