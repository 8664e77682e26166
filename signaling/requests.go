package signaling

import (
	"encoding/json"
	"fmt"
	"runtime/debug"
)

// dispatch handles one validated request of an authenticated socket. The
// session's request lock keeps the domain's view strictly ordered, also when
// a resume moves the session to another socket mid-request.
func (c *conn) dispatch(sess *Session, req request) {
	sess.reqMu.Lock()
	defer sess.reqMu.Unlock()
	if c.isClosing() {
		// Replaced or ended while waiting for the lock: the session is
		// no longer this socket's to act on.
		return
	}
	switch req.Type {
	case TypePing:
		c.send(encodeOK(req.ID, emptyObject))
	case TypeAuth, TypeResume:
		c.respondError(req.ID, newError(CodeAlreadyAuthenticated))
	case TypeRefresh:
		c.refresh(sess, req)
	case TypeSessionClose:
		c.send(encodeOK(req.ID, emptyObject))
		sess.finish(CloseReasonClientClosed, nil)
	default:
		c.handle(sess, req)
	}
}

// handle passes a domain request to the Handler and answers it.
func (c *conn) handle(sess *Session, req request) {
	result, err := c.srv.callHandle(sess, req.Type, req.Data)
	if err != nil {
		pe := AsError(err)
		if pe.Code == CodeInternal {
			c.log.Warn("request failed", "session", sess.id, "type", req.Type, "err", err)
		}
		c.respondError(req.ID, pe)
		return
	}
	data, err := marshalData(result)
	if err != nil {
		c.log.Error("response not marshallable", "session", sess.id, "type", req.Type, "err", err)
		c.respondError(req.ID, newError(CodeInternal))
		return
	}
	c.send(encodeOK(req.ID, data))
}

// callHandle calls Handler.Handle and turns a panic into an internal error,
// so that one faulty handler never takes the server down.
func (s *Server) callHandle(sess *Session, typ string, data json.RawMessage) (result any, err error) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("handler panicked", "session", sess.id, "type", typ, "panic", p, "stack", string(debug.Stack()))
			result, err = nil, fmt.Errorf("handle %s: panic: %v", typ, p)
		}
	}()
	return s.handler.Handle(sess.ctx, sess, typ, data)
}

// callOpened calls Handler.Opened, recovering panics as errors.
func (s *Server) callOpened(sess *Session) (err error) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("handler Opened panicked", "session", sess.id, "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("opened: panic: %v", p)
		}
	}()
	return s.handler.Opened(sess)
}
