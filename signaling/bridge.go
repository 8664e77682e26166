package signaling

import (
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/gorilla/websocket"

	"github.com/earshot/earshot/auth"
)

// BridgeHeader marks a WebSocket that a node of the cluster opened to
// another on behalf of a client. A bridged socket is never bridged again:
// if the receiving node does not serve the user either (the nodes disagree
// for a moment, or the header was forged) the client is told to reconnect.
const BridgeHeader = "X-Earshot-Bridge"

// servedHere asks Route where the verified user is served. It returns true
// to serve the socket here; otherwise the socket was bridged to the node
// that serves the user, or refused, and is done.
func (c *conn) servedHere(req request, id auth.Identity) bool {
	if c.srv.route == nil {
		return true
	}
	target, err := c.srv.callRoute(id)
	if err == nil && target == "" {
		return true
	}
	if err != nil || c.bridged {
		c.log.Warn("no node to serve the socket", "user", id.Subject, "tenant", id.Tenant, "bridged", c.bridged, "err", err)
		c.close(CloseReasonNodeUnavailable, encodeError(req.ID, newError(CodeNodeUnavailable)))
		return false
	}
	c.bridge(target, req.ID)
	return false
}

// bridge relays the socket to the node at target, frame by frame, until
// either side closes: the client's frames (size- and UTF-8-checked here)
// go up, the node's frames come down through this socket's bounded queue
// (a slow client is cut off as on any socket), and the node's close frame
// reaches the client unchanged. The serving node does everything else —
// authentication, rate limits, the session and its resume; this node only
// keeps the client's connection alive with pings. Runs on the read loop.
func (c *conn) bridge(target, reqID string) {
	d := websocket.Dialer{HandshakeTimeout: c.srv.cfg.AuthTimeout, ReadBufferSize: 4 << 10, WriteBufferSize: 4 << 10}
	hdr := http.Header{}
	hdr.Set(BridgeHeader, "1")
	up, resp, err := d.DialContext(c.srv.ctx, target, hdr)
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	if err == nil {
		_ = up.SetWriteDeadline(time.Now().Add(c.srv.cfg.WriteTimeout))
		err = up.WriteMessage(websocket.TextMessage, c.first)
	}
	if err != nil {
		c.log.Warn("bridge failed", "target", target, "err", err)
		if up != nil {
			_ = up.Close()
		}
		c.close(CloseReasonNodeUnavailable, encodeError(reqID, newError(CodeNodeUnavailable)))
		return
	}
	c.first = nil
	c.authed.Store(true) // keepalive pings towards the client
	c.log.Debug("socket bridged", "target", target)

	down := make(chan struct{})
	go func() {
		defer close(down)
		c.relayDown(up)
	}()
	reason := c.relayUp(up)
	// Tell the serving node the client went away (it keeps the session for
	// a resume), unless it is the one that closed.
	_ = up.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(reason.WebSocketCode(), reason.String()), time.Now().Add(closeWriteTimeout))
	t := time.NewTimer(closeWait)
	select {
	case <-down:
	case <-t.C:
	case <-c.srv.kill:
	}
	t.Stop()
	_ = up.Close()
	<-down
}

// relayUp sends the client's frames to the serving node until the client
// or the node is gone; it returns why.
func (c *conn) relayUp(up *websocket.Conn) CloseReason {
	for {
		c.extendReadDeadline()
		kind, raw, err := c.readFrame()
		if err != nil {
			reason := readErrReason(err)
			c.shutdown(reason)
			return reason
		}
		if c.isClosing() {
			return c.closeReason()
		}
		_ = up.SetWriteDeadline(time.Now().Add(c.srv.cfg.WriteTimeout))
		if err := up.WriteMessage(kind, raw); err != nil {
			c.shutdown(CloseReasonNodeUnavailable)
			return CloseReasonNodeUnavailable
		}
	}
}

// relayDown queues the serving node's frames for the client; the node's
// close frame closes the client's socket with the same code and reason.
func (c *conn) relayDown(up *websocket.Conn) {
	for {
		kind, data, err := up.ReadMessage()
		if err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				reason, perr := ParseCloseReason(ce.Text)
				if perr != nil {
					reason = CloseReasonConnectionLost
				}
				c.mu.Lock()
				c.relayed = ce
				c.mu.Unlock()
				c.close(reason)
			} else {
				c.close(CloseReasonNodeUnavailable)
			}
			return
		}
		if kind != websocket.TextMessage {
			continue
		}
		if err := c.enqueueBridged(data); err != nil {
			if errors.Is(err, errQueueFull) {
				c.shutdown(CloseReasonSlowConsumer)
			}
			return
		}
	}
}

// enqueueBridged queues a frame from the serving node. Its bound is the
// send queue plus the replay buffer: a resume's response and replayed
// events arrive as separate frames at once and must not count as a slow
// client.
func (c *conn) enqueueBridged(frame []byte) error {
	return c.enqueueBounded(frame, c.srv.cfg.SendQueue+c.srv.cfg.ReplayBuffer)
}

// callRoute asks Route, turning a panic into an error (the socket is
// refused with node_unavailable; the server goes on).
func (s *Server) callRoute(id auth.Identity) (target string, err error) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("route panicked", "user", id.Subject, "tenant", id.Tenant, "panic", p, "stack", string(debug.Stack()))
			target, err = "", fmt.Errorf("route: panic: %v", p)
		}
	}()
	return s.route(s.ctx, id)
}
