package signaling

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"

	"github.com/google/uuid"
)

// resumeData is the data of session.resume.
type resumeData struct {
	Token       string `json:"token"`
	ResumeToken string `json:"resume_token"`
	LastSeq     uint64 `json:"last_seq"`
}

// resumeResult is the data of a successful resume: an auth result with the
// rotated resume token, plus how many events are replayed after it.
type resumeResult struct {
	authResult
	Replayed int `json:"replayed"`
	// Recovered: the session was adopted by this node after the node that
	// ran it was lost (adopt.go). Nothing could be replayed; the current
	// state follows as events.
	Recovered bool `json:"recovered,omitempty"`
}

// newSessionID returns a random session id (clients see it; knowing it
// grants nothing).
func newSessionID() string { return uuid.NewString() }

// newResumeToken returns a fresh resume token (32 random bytes, base64url
// without padding) and the key under which the server indexes it. Only the
// SHA-256 of the token is kept, so map lookups reveal nothing about tokens
// through timing and a memory dump holds no usable token.
func newResumeToken() (token, key string) {
	var b [32]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand since Go 1.24)
	token = base64.RawURLEncoding.EncodeToString(b[:])
	return token, resumeKey(token)
}

func resumeKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return string(sum[:])
}

// resume moves an existing session onto this socket: the token must name the
// session's user, the resume token must be current, and the events after
// last_seq must still be in the replay buffer. The old socket, if still
// attached, is closed with Replaced. The Handler is not told (media legs stay
// up) unless the new token changed the identity, which Refreshed must accept.
func (c *conn) resume(req request) *Session {
	var d resumeData
	if err := decodeData(req.Data, &d); err != nil {
		c.close(CloseReasonResumeFailed, encodeError(req.ID, err))
		return nil
	}
	id, err := c.srv.verify(d.Token)
	if err != nil {
		c.refuseAuth(req.ID, err)
		return nil
	}
	if !c.servedHere(req, id) {
		return nil
	}
	key := resumeKey(d.ResumeToken)
	sess := c.srv.lookupResume(key)
	if d.ResumeToken == "" || sess == nil || keyOf(id) != sess.userKey {
		// One answer for unknown token and other user: nothing is learned
		// about other users' sessions.
		c.log.Info("resume refused", "user", id.Subject)
		c.close(CloseReasonResumeFailed, encodeError(req.ID, newError(CodeResumeFailed)))
		return nil
	}
	if old := sess.Identity(); identityChanged(old, id) {
		sess.reqMu.Lock()
		err := c.srv.callRefreshed(sess, old, id)
		sess.reqMu.Unlock()
		if err != nil {
			c.close(CloseReasonRevoked, encodeError(req.ID, AsError(err)))
			sess.finish(CloseReasonRevoked, nil)
			return nil
		}
	}
	token, newKey := newResumeToken()

	sess.mu.Lock()
	if sess.ended || (sess.resumeKey != key && !(sess.adoptedPending && key == sess.adoptAlt)) {
		sess.mu.Unlock()
		c.close(CloseReasonResumeFailed, encodeError(req.ID, newError(CodeResumeFailed)))
		return nil
	}
	adopted := sess.adoptedPending
	var frames [][]byte
	err = nil
	if adopted {
		// Nothing survives to replay; numbering goes on after the client's.
		sess.adoptedPending = false
		sess.seq = max(sess.seq, d.LastSeq)
	} else {
		frames, err = sess.replay.since(d.LastSeq, sess.seq)
	}
	switch err {
	case nil:
	case errSeqAhead:
		sess.mu.Unlock()
		c.close(CloseReasonResumeFailed, encodeError(req.ID, Errorf(CodeBadRequest, "last_seq is ahead of the session")))
		return nil
	default:
		sess.mu.Unlock()
		c.log.Info("resume gap", "session", sess.id, "last_seq", d.LastSeq)
		c.close(CloseReasonResumeGap, encodeError(req.ID, newError(CodeResumeGap)))
		sess.finish(CloseReasonResumeGap, nil)
		return nil
	}
	c.sess.Store(sess)
	if prev := sess.conn; prev != nil {
		sess.lastDrop = CloseReasonReplaced
		prev.close(CloseReasonReplaced, sessionClosedFrame(CloseReasonReplaced, false))
	}
	if sess.graceTimer != nil {
		sess.graceTimer.Stop()
	}
	sess.graceGen++
	sess.resumeKey = newKey
	// Re-index before the client can learn the new token (lock order
	// Session.mu then Server.mu), so that an immediate second resume works.
	c.srv.rekeyResume(sess, key, newKey)
	sess.setIdentityLocked(id)
	resp := encodeOK(req.ID, mustMarshal(resumeResult{
		authResult: authResult{
			SessionID:     sess.id,
			ResumeToken:   token,
			Identity:      toWireIdentity(id),
			Protocol:      ProtocolVersion,
			ResumeGraceMS: c.srv.cfg.ResumeGrace.Milliseconds(),
			ICEServers:    c.srv.iceServersFor(id),
			MediaSlots:    c.srv.mediaSlots,
		},
		Replayed:  len(frames),
		Recovered: adopted,
	}))
	_ = c.enqueueForced(append([][]byte{resp}, frames...)...)
	sess.conn = c
	sess.mu.Unlock()

	c.authed.Store(true)
	c.log.Info("session resumed", "session", sess.id, "replayed", len(frames), "recovered", adopted)
	if adopted {
		c.srv.callAdopted(sess)
	}
	return sess
}

// replayEntry is one numbered event frame.
type replayEntry struct {
	seq   uint64
	frame []byte
}

// replayRing keeps the most recent events of a session, oldest first.
// Guarded by Session.mu.
type replayRing struct {
	buf   []replayEntry
	start int // index of the oldest entry
	n     int
}

func newReplayRing(capacity int) replayRing {
	return replayRing{buf: make([]replayEntry, capacity)}
}

// add appends an event, evicting the oldest when full. seqs are consecutive.
func (r *replayRing) add(seq uint64, frame []byte) {
	if len(r.buf) == 0 {
		return
	}
	if r.n < len(r.buf) {
		r.buf[(r.start+r.n)%len(r.buf)] = replayEntry{seq: seq, frame: frame}
		r.n++
		return
	}
	r.buf[r.start] = replayEntry{seq: seq, frame: frame}
	r.start = (r.start + 1) % len(r.buf)
}

// since returns the frames with seq > after, in order, given that latest is
// the last seq assigned. errReplayGap means some were evicted; errSeqAhead
// means the client claims events that were never sent.
func (r *replayRing) since(after, latest uint64) ([][]byte, error) {
	if after > latest {
		return nil, errSeqAhead
	}
	missing := latest - after
	if missing == 0 {
		return nil, nil
	}
	if missing > uint64(r.n) {
		return nil, errReplayGap
	}
	out := make([][]byte, 0, missing)
	first := r.n - int(missing)
	for i := first; i < r.n; i++ {
		out = append(out, r.buf[(r.start+i)%len(r.buf)].frame)
	}
	return out, nil
}
