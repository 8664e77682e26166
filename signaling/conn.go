package signaling

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

// Timers of the closing handshake. They are short and fixed: a peer that
// does not answer a close frame promptly is cut off anyway.
const (
	// closeWriteTimeout bounds writing the close frame.
	closeWriteTimeout = time.Second
	// closeWait is how long the write loop waits for the peer's close reply
	// (the read loop ending) before closing the TCP connection. Waiting
	// avoids a TCP reset that could discard the final frames at the peer.
	closeWait = 2 * time.Second
)

var errFrameTooLarge = errors.New("frame too large")

// conn is one WebSocket. Like a nats-server client it has a read loop (parse,
// rate-limit, dispatch in order) and a write loop (drain the bounded queue,
// keepalive pings), and it is closed once, with a CloseReason.
type conn struct {
	srv    *Server
	ws     *websocket.Conn
	remote string
	log    *slog.Logger
	// bucket is the socket's own rate limit; used by the read loop only.
	bucket *tokenBucket
	authed atomic.Bool
	sess   atomic.Pointer[Session]
	// bridged: another node of the cluster opened this socket on behalf of
	// a client (it is never bridged again).
	bridged bool
	// first is the handshake frame, kept to be sent on when bridged.
	first []byte

	// wake nudges the write loop; capacity 1, sends never block.
	wake chan struct{}
	// readDone is closed when the read loop returns.
	readDone chan struct{}

	// mu guards the queue and the closing state. Never held across I/O.
	mu      sync.Mutex
	queue   [][]byte
	pending int // frames queued or being written; bounded by SendQueue
	closing bool
	reason  CloseReason
	// relayed, if set, is the close frame a bridged socket's upstream node
	// sent: it is passed to the client as is.
	relayed *websocket.CloseError
}

func newConn(srv *Server, ws *websocket.Conn, remote string) *conn {
	return &conn{
		srv:      srv,
		ws:       ws,
		remote:   remote,
		log:      srv.log.With("remote", remote),
		bucket:   newTokenBucket(srv.cfg.RatePerSecond, srv.cfg.RateBurst, float64(abuseFactor*srv.cfg.RateBurst), time.Now()),
		wake:     make(chan struct{}, 1),
		readDone: make(chan struct{}),
	}
}

// enqueue adds one frame to the bounded queue. It never blocks.
func (c *conn) enqueue(frame []byte) error { return c.enqueueBounded(frame, c.srv.cfg.SendQueue) }

// enqueueBounded adds one frame unless bound frames already wait.
func (c *conn) enqueueBounded(frame []byte, bound int) error {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return errConnClosed
	}
	if c.pending >= bound {
		c.mu.Unlock()
		return errQueueFull
	}
	c.queue = append(c.queue, frame)
	c.pending++
	c.mu.Unlock()
	c.signal()
	return nil
}

// enqueueForced adds frames regardless of the queue bound. Used only for the
// auth/resume response and its replay, which are bounded by ReplayBuffer.
func (c *conn) enqueueForced(frames ...[]byte) error {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return errConnClosed
	}
	c.queue = append(c.queue, frames...)
	c.pending += len(frames)
	c.mu.Unlock()
	c.signal()
	return nil
}

func (c *conn) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// close starts closing the socket once: finals (an error response, the
// session.closed event) are queued after what is pending, then the write
// loop sends the close frame. A slow consumer's queue is dropped instead:
// it would not drain. Later calls are no-ops. Never blocks.
func (c *conn) close(reason CloseReason, finals ...[]byte) {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	c.closing = true
	c.reason = reason
	if reason == CloseReasonSlowConsumer {
		c.queue = nil
		// Unblock a write stuck on the peer's full window now rather than
		// after WriteTimeout; the write loop then gives up on the socket.
		_ = c.ws.UnderlyingConn().SetWriteDeadline(time.Now())
	} else {
		c.queue = append(c.queue, finals...)
	}
	c.mu.Unlock()
	c.signal()
	c.log.Debug("closing socket", "reason", reason.String())
}

// shutdown closes the socket and, if it carries a session, lets the session
// start its grace period. Must not be called with a Session.mu held.
func (c *conn) shutdown(reason CloseReason, finals ...[]byte) {
	if len(finals) > 0 {
		_ = c.enqueueForced(finals...)
	}
	if s := c.sess.Load(); s != nil {
		s.detach(c, reason)
	}
	c.close(reason)
}

func (c *conn) isClosing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closing
}

func (c *conn) closeReason() CloseReason {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reason
}

// send queues a response; a full queue closes the socket as slow consumer.
func (c *conn) send(frame []byte) {
	if err := c.enqueue(frame); errors.Is(err, errQueueFull) {
		c.shutdown(CloseReasonSlowConsumer)
	}
}

func (c *conn) respondError(id string, e *Error) { c.send(encodeError(id, e)) }

// writeLoop owns all writes except control frames gorilla sends itself
// (pong replies). It writes frames in queue order, each with a deadline, and
// pings while authenticated.
func (c *conn) writeLoop() {
	defer c.srv.wg.Done()
	defer c.srv.dropConn(c)
	ping := time.NewTicker(c.srv.cfg.PingInterval)
	defer ping.Stop()
	broken := false
	for {
		select {
		case <-c.wake:
		case <-ping.C:
			if !broken && c.authed.Load() {
				if err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(c.srv.cfg.WriteTimeout)); err != nil {
					broken = true
					c.shutdown(writeErrReason(err))
				}
			}
		}
		c.mu.Lock()
		batch := c.queue
		c.queue = nil
		closing, reason := c.closing, c.reason
		c.mu.Unlock()
		if closing && reason == CloseReasonSlowConsumer {
			batch = nil
		}
		for _, frame := range batch {
			if broken {
				break
			}
			_ = c.ws.SetWriteDeadline(time.Now().Add(c.srv.cfg.WriteTimeout))
			if err := c.ws.WriteMessage(websocket.TextMessage, frame); err != nil {
				broken = true
				c.shutdown(writeErrReason(err))
				break
			}
			c.mu.Lock()
			c.pending--
			c.mu.Unlock()
		}
		if closing {
			c.finishClose(reason, broken)
			return
		}
	}
}

// finishClose sends the close frame, waits briefly for the peer's reply,
// then closes the TCP connection.
func (c *conn) finishClose(reason CloseReason, broken bool) {
	if !broken {
		msg := websocket.FormatCloseMessage(reason.WebSocketCode(), reason.String())
		c.mu.Lock()
		if r := c.relayed; r != nil {
			msg = websocket.FormatCloseMessage(r.Code, r.Text)
		}
		c.mu.Unlock()
		_ = c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(closeWriteTimeout))
	}
	t := time.NewTimer(closeWait)
	select {
	case <-c.readDone:
	case <-t.C:
	case <-c.srv.kill:
	}
	t.Stop()
	_ = c.ws.Close()
}

// writeErrReason classifies a failed write: a deadline means the peer does
// not read fast enough.
func writeErrReason(err error) CloseReason {
	if isTimeout(err) {
		return CloseReasonSlowConsumer
	}
	return CloseReasonConnectionLost
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// readLoop authenticates the socket, then serves its requests in order.
func (c *conn) readLoop() {
	defer c.srv.wg.Done()
	defer close(c.readDone)
	// The close handler only records the peer's close; the reply (with our
	// reason) is written by the write loop, which owns writes.
	c.ws.SetCloseHandler(func(int, string) error { return nil })
	c.ws.SetPongHandler(func(string) error {
		if c.authed.Load() {
			c.extendReadDeadline()
		}
		return nil
	})
	if sess := c.handshake(); sess != nil {
		c.serve(sess)
	}
	c.drain()
}

// extendReadDeadline gives the peer one ping period plus the pong timeout
// to show it is alive (any frame or pong counts).
func (c *conn) extendReadDeadline() {
	_ = c.ws.SetReadDeadline(time.Now().Add(c.srv.cfg.PingInterval + c.srv.cfg.PongTimeout))
}

// readFrame reads one message, refusing to buffer more than MaxFrameBytes
// and text that is not UTF-8 (gorilla/websocket does not check it).
func (c *conn) readFrame() (int, []byte, error) {
	kind, r, err := c.ws.NextReader()
	if err != nil {
		return 0, nil, err
	}
	limit := c.srv.cfg.MaxFrameBytes
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return 0, nil, err
	}
	if int64(len(data)) > limit {
		return kind, nil, errFrameTooLarge
	}
	if kind == websocket.TextMessage && !utf8.Valid(data) {
		return kind, nil, errInvalidUTF8
	}
	return kind, data, nil
}

// readErrReason classifies a failed read.
func readErrReason(err error) CloseReason {
	switch {
	case errors.Is(err, errFrameTooLarge):
		return CloseReasonFrameTooLarge
	case errors.Is(err, errInvalidUTF8):
		return CloseReasonInvalidUTF8
	}
	return CloseReasonConnectionLost
}

// serve handles the requests of an authenticated socket until it closes.
func (c *conn) serve(sess *Session) {
	for {
		c.extendReadDeadline()
		kind, raw, err := c.readFrame()
		if err != nil {
			c.shutdown(readErrReason(err))
			return
		}
		if c.isClosing() {
			return
		}
		now := time.Now()
		switch c.bucket.take(now) {
		case verdictAllow:
			if sess.bucket.take(now) != verdictAllow {
				c.refuseRateLimited(kind, raw)
				continue
			}
		case verdictAbuse:
			c.log.Info("rate limit abuse", "session", sess.id)
			c.shutdown(CloseReasonRateLimited, encodeError("", newError(CodeRateLimited)))
			return
		default:
			c.refuseRateLimited(kind, raw)
			continue
		}
		if kind != websocket.TextMessage {
			c.respondError("", newError(CodeBadFrame))
			continue
		}
		req, perr := decodeRequest(raw)
		if perr != nil {
			if perr.Code == CodeBadFrame && req.ID == "" {
				c.shutdown(CloseReasonBadFrame)
				return
			}
			c.respondError(req.ID, perr)
			continue
		}
		c.dispatch(sess, req)
		if c.isClosing() {
			return
		}
	}
}

// refuseRateLimited answers rate_limited, echoing the id when it can be read.
func (c *conn) refuseRateLimited(kind int, raw []byte) {
	id := ""
	if kind == websocket.TextMessage {
		req, _ := decodeRequest(raw)
		id = req.ID
	}
	c.respondError(id, newError(CodeRateLimited))
}

// drain discards whatever the peer still sends after closing began, until
// its close reply arrives or the write loop closes the connection.
func (c *conn) drain() {
	for {
		_, r, err := c.ws.NextReader()
		if err != nil {
			return
		}
		if _, err := io.Copy(io.Discard, r); err != nil {
			return
		}
	}
}
