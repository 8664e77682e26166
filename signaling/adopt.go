package signaling

import (
	"encoding/hex"
	"time"

	"github.com/earshot/earshot/auth"
)

// In a cluster, a tenant's sessions live on the node that runs its domain
// (its home). When that node is lost, another takes the tenant over and
// adopts its sessions from the records the old home kept (SessionObserver):
// each comes back detached, waiting for its client's resume as after a
// dropped socket. What the client missed cannot be replayed — the events
// died with the old node — so the first resume of an adopted session skips
// the replay, continues numbering after the client's last_seq, tells the
// client "recovered", and the Handler (Adopter) pushes the current state.

// SessionRecord is what a SessionObserver is told of a live session, and
// what Adopt rebuilds one from.
type SessionRecord struct {
	ID       string
	Identity auth.Identity
	// ResumeKeys are the hex SHA-256 of the resume tokens a resume may
	// present: the current one and the one before it (a rotation the
	// records had not caught up with when the node died).
	ResumeKeys []string
}

// SessionObserver is told of every session's birth, resume-token rotation
// and end, so that a cluster can keep the records adoption needs. Calls must
// not block.
type SessionObserver interface {
	SessionSaved(rec SessionRecord)
	SessionEnded(id string, tenant auth.TenantID)
}

// Adopter is implemented by a Handler that can take over sessions of a lost
// node: Adopted is called once per adopted session, right after its first
// resume was answered, to push the client the state it needs (events
// pushed to an adopted session before its resume are dropped: the full
// state follows).
type Adopter interface {
	Adopted(s *Session)
}

// observeSaved tells the observer about sess (its current and previous
// resume keys).
func (s *Server) observeSaved(sess *Session, key, prevKey string) {
	if s.observer == nil {
		return
	}
	keys := []string{hex.EncodeToString([]byte(key))}
	if prevKey != "" {
		keys = append(keys, hex.EncodeToString([]byte(prevKey)))
	}
	s.observer.SessionSaved(SessionRecord{ID: sess.id, Identity: sess.Identity(), ResumeKeys: keys})
}

// Adopt registers sessions of a lost node, detached and in their resume
// grace; it returns them by id. A record whose id is already live here, or
// whose keys do not decode, is skipped.
func (s *Server) Adopt(recs []SessionRecord) map[string]*Session {
	out := make(map[string]*Session, len(recs))
	for _, rec := range recs {
		keys := make([]string, 0, len(rec.ResumeKeys))
		for _, k := range rec.ResumeKeys {
			if b, err := hex.DecodeString(k); err == nil && len(b) > 0 {
				keys = append(keys, string(b))
			}
		}
		if rec.ID == "" || len(keys) == 0 {
			continue
		}
		sess := newSession(s, rec.Identity)
		sess.id = rec.ID
		sess.adoptedPending = true
		sess.resumeKey = keys[0]
		if len(keys) > 1 {
			sess.adoptAlt = keys[1]
		}
		s.mu.Lock()
		if s.shuttingDown || s.sessions[rec.ID] != nil {
			s.mu.Unlock()
			sess.cancel()
			continue
		}
		sess.bucket = s.acquireUserBucketLocked(sess.userKey)
		s.sessions[sess.id] = sess
		s.byResume[keys[0]] = sess
		if len(keys) > 1 {
			sess.altKey = keys[1]
			s.byResume[keys[1]] = sess
		}
		s.mu.Unlock()
		sess.mu.Lock()
		sess.setIdentityLocked(rec.Identity)
		gen := sess.graceGen
		sess.graceTimer = time.AfterFunc(s.cfg.ResumeGrace, func() {
			sess.finish(CloseReasonGraceExpired, func() bool { return sess.conn == nil && sess.graceGen == gen })
		})
		sess.mu.Unlock()
		out[sess.id] = sess
		s.log.Info("session adopted", "session", sess.id, "user", rec.Identity.Subject, "tenant", rec.Identity.Tenant)
	}
	return out
}

// callAdopted tells an Adopter handler that an adopted session resumed,
// recovering a panic as Handle does.
func (s *Server) callAdopted(sess *Session) {
	a, ok := s.handler.(Adopter)
	if !ok {
		return
	}
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("handler Adopted panicked", "session", sess.id, "panic", p)
		}
	}()
	sess.reqMu.Lock()
	defer sess.reqMu.Unlock()
	a.Adopted(sess)
}
