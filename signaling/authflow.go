package signaling

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/internal/iceservers"
	"github.com/gorilla/websocket"
)

// tokenData is the data of auth and auth.refresh: {"token": "..."}.
type tokenData struct {
	Token string `json:"token"`
}

// wireIdentity is an identity as clients see it.
type wireIdentity struct {
	UserID string   `json:"user_id"`
	Name   string   `json:"name"`
	Tenant string   `json:"tenant"`
	Roles  []string `json:"roles"`
	Teams  []string `json:"teams"`
	// ExpiresAtMS is the token's expiry (Unix milliseconds), so that a client
	// knows when to refresh; omitted when the token does not expire.
	ExpiresAtMS int64 `json:"expires_at_ms,omitempty"`
}

func toWireIdentity(id auth.Identity) wireIdentity {
	w := wireIdentity{
		UserID: string(id.Subject),
		Name:   id.Name,
		Tenant: string(id.Tenant),
		Roles:  make([]string, 0, len(id.Roles)),
		Teams:  make([]string, 0, len(id.Teams)),
	}
	for _, r := range id.Roles {
		w.Roles = append(w.Roles, r.String())
	}
	for _, t := range id.Teams {
		w.Teams = append(w.Teams, string(t))
	}
	if !id.Expiry.IsZero() {
		w.ExpiresAtMS = id.Expiry.UnixMilli()
	}
	return w
}

// authResult is the data of a successful auth (and, extended, of a resume).
type authResult struct {
	SessionID     string       `json:"session_id"`
	ResumeToken   string       `json:"resume_token"`
	Identity      wireIdentity `json:"identity"`
	Protocol      int          `json:"protocol"`
	ResumeGraceMS int64        `json:"resume_grace_ms"`
	// ICEServers are the STUN/TURN servers to put in RTCConfiguration
	// (absent when the server has none configured).
	ICEServers []iceservers.Server `json:"ice_servers,omitempty"`
	// MediaSlots is the number of audio m-lines (receive slots) a voice
	// offer must have (absent if the server was not told).
	MediaSlots int `json:"media_slots,omitempty"`
}

// refreshResult is the data of a successful auth.refresh: the identity and
// ICE servers with credentials minted anew.
type refreshResult struct {
	Identity   wireIdentity        `json:"identity"`
	ICEServers []iceservers.Server `json:"ice_servers,omitempty"`
}

// handshake reads the first frame, which must authenticate the socket
// (auth) or move an existing session onto it (session.resume). Any failure
// answers with an error and closes the socket; it then returns nil.
func (c *conn) handshake() *Session {
	_ = c.ws.SetReadDeadline(time.Now().Add(c.srv.cfg.AuthTimeout))
	kind, raw, err := c.readFrame()
	if err != nil {
		switch {
		case isTimeout(err):
			c.close(CloseReasonAuthTimeout, encodeError("", newError(CodeAuthTimeout)))
		default:
			c.close(readErrReason(err))
		}
		return nil
	}
	c.bucket.take(time.Now())
	if kind != websocket.TextMessage {
		c.close(CloseReasonBadFrame, encodeError("", newError(CodeBadFrame)))
		return nil
	}
	req, perr := decodeRequest(raw)
	if perr != nil {
		if perr.Code == CodeBadFrame && req.ID == "" {
			c.close(CloseReasonBadFrame)
		} else {
			c.close(CloseReasonBadFrame, encodeError(req.ID, perr))
		}
		return nil
	}
	c.first = raw
	switch req.Type {
	case TypeAuth:
		return c.authenticate(req)
	case TypeResume:
		return c.resume(req)
	default:
		c.close(CloseReasonAuthFailed, encodeError(req.ID, newError(CodeAuthRequired)))
		return nil
	}
}

// authenticate opens a new session for the socket.
func (c *conn) authenticate(req request) *Session {
	var d tokenData
	if len(req.Data) > 0 {
		// No data at all is a missing token, reported as such below.
		if err := decodeData(req.Data, &d); err != nil {
			c.close(CloseReasonAuthFailed, encodeError(req.ID, err))
			return nil
		}
	}
	id, err := c.srv.verify(d.Token)
	if err != nil {
		c.refuseAuth(req.ID, err)
		return nil
	}
	if !c.servedHere(req, id) {
		return nil
	}
	sess := newSession(c.srv, id)
	// Opened runs before the session is attached: events it pushes wait in
	// the replay buffer and follow the auth response.
	if err := c.srv.callOpened(sess); err != nil {
		sess.cancel()
		pe := AsError(err)
		c.log.Info("session refused", "user", id.Subject, "code", pe.Code, "err", err)
		c.close(CloseReasonRefused, encodeError(req.ID, pe))
		return nil
	}
	token, key := newResumeToken()
	sess.mu.Lock()
	sess.resumeKey = key
	sess.mu.Unlock()
	if !c.srv.register(sess, key) {
		sess.finish(CloseReasonShutdown, nil)
		c.close(CloseReasonShutdown, encodeError(req.ID, newError(CodeShuttingDown)))
		return nil
	}

	resp := encodeOK(req.ID, mustMarshal(authResult{
		SessionID:     sess.id,
		ResumeToken:   token,
		Identity:      toWireIdentity(id),
		Protocol:      ProtocolVersion,
		ResumeGraceMS: c.srv.cfg.ResumeGrace.Milliseconds(),
		ICEServers:    c.srv.iceServersFor(id),
		MediaSlots:    c.srv.mediaSlots,
	}))
	c.sess.Store(sess)
	sess.mu.Lock()
	if sess.ended {
		// Closed by the domain during Opened, or by Shutdown just now.
		sess.mu.Unlock()
		c.close(CloseReasonRefused, encodeError(req.ID, newError(CodeShuttingDown)))
		return nil
	}
	sess.setIdentityLocked(id)
	frames, err := sess.replay.since(0, sess.seq)
	if err != nil {
		c.log.Warn("events pushed by Opened overflowed the replay buffer", "session", sess.id)
	}
	_ = c.enqueueForced(append([][]byte{resp}, frames...)...)
	sess.conn = c
	sess.mu.Unlock()
	c.authed.Store(true)
	c.log.Info("session opened", "session", sess.id, "user", id.Subject, "tenant", id.Tenant)
	return sess
}

// refuseAuth answers a failed token check and closes the socket.
func (c *conn) refuseAuth(id string, err error) {
	pe := AsError(err)
	if pe.Code == CodeInternal {
		c.log.Warn("token verification failed", "err", err)
	} else {
		c.log.Info("token refused", "code", pe.Code)
	}
	c.close(CloseReasonAuthFailed, encodeError(id, pe))
}

// refresh handles auth.refresh: a new token for the same subject and tenant
// replaces the session's identity once the domain accepted it.
func (c *conn) refresh(sess *Session, req request) {
	var d tokenData
	if err := decodeData(req.Data, &d); err != nil {
		c.respondError(req.ID, err)
		return
	}
	id, err := c.srv.verify(d.Token)
	if err != nil {
		// The current token stays valid until its own expiry.
		c.respondError(req.ID, AsError(err))
		return
	}
	old := sess.Identity()
	if keyOf(id) != keyOf(old) {
		c.log.Warn("refresh for another identity refused", "session", sess.id)
		c.respondError(req.ID, newError(CodeIdentityMismatch))
		return
	}
	if err := c.srv.callRefreshed(sess, old, id); err != nil {
		c.respondError(req.ID, AsError(err))
		sess.finish(CloseReasonRevoked, nil)
		return
	}
	sess.mu.Lock()
	if !sess.ended {
		sess.setIdentityLocked(id)
	}
	sess.mu.Unlock()
	c.send(encodeOK(req.ID, mustMarshal(refreshResult{Identity: toWireIdentity(id), ICEServers: c.srv.iceServersFor(id)})))
}

// verify checks a token and the claims the transport itself relies on.
func (s *Server) verify(token string) (auth.Identity, error) {
	if strings.TrimSpace(token) == "" {
		return auth.Identity{}, auth.ErrMissingToken
	}
	// Bounded: an OIDC verifier may fetch keys over the network.
	ctx, cancel := context.WithTimeout(s.ctx, s.cfg.AuthTimeout)
	defer cancel()
	id, err := s.verifier.Verify(ctx, token)
	if err != nil {
		return auth.Identity{}, fmt.Errorf("verify token: %w", err)
	}
	if id.Subject == "" || id.Tenant == "" {
		return auth.Identity{}, fmt.Errorf("verify token: no subject or tenant: %w", auth.ErrMissingClaim)
	}
	if !id.Expiry.IsZero() && !id.Expiry.After(time.Now()) {
		return auth.Identity{}, fmt.Errorf("verify token: %w", auth.ErrTokenExpired)
	}
	return id, nil
}

// callRefreshed calls Handler.Refreshed, recovering panics as errors.
func (s *Server) callRefreshed(sess *Session, old, new auth.Identity) (err error) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("handler Refreshed panicked", "session", sess.id, "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("refreshed: panic: %v", p)
		}
	}()
	return s.handler.Refreshed(sess, old, new)
}

// identityChanged reports whether two identities of the same user differ in
// anything that may change privileges (the expiry alone does not).
func identityChanged(a, b auth.Identity) bool {
	if a.Name != b.Name {
		return true
	}
	ra, rb := slices.Clone(a.Roles), slices.Clone(b.Roles)
	slices.Sort(ra)
	slices.Sort(rb)
	ta, tb := slices.Clone(a.Teams), slices.Clone(b.Teams)
	slices.Sort(ta)
	slices.Sort(tb)
	return !slices.Equal(ra, rb) || !slices.Equal(ta, tb)
}

// decodeData parses the data object of a transport request.
func decodeData(raw json.RawMessage, v any) *Error {
	if len(raw) == 0 {
		return Errorf(CodeBadRequest, "data is required")
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return Errorf(CodeBadRequest, "data is malformed")
	}
	return nil
}

// mustMarshal encodes transport-owned structs that cannot fail to encode.
func mustMarshal(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("signaling: marshal %T: %v", v, err))
	}
	return b
}
