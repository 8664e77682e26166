// Package sigclient is a Go client of Earshot's signaling protocol (v1). The
// integration tests and the load tester speak to the server through it, so
// it follows docs/protocol.md and nothing else.
package sigclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// RemoteError is an error response from the server.
type RemoteError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *RemoteError) Error() string { return e.Code + ": " + e.Message }

// ErrClosed is returned by requests on a client whose socket is gone.
var ErrClosed = errors.New("signaling socket closed")

// Event is one server-pushed event.
type Event struct {
	Type string          `json:"type"`
	Seq  uint64          `json:"seq"`
	Data json.RawMessage `json:"data"`
	// At is when the client read it.
	At time.Time `json:"-"`
}

// Session is what the server answered to auth.
type Session struct {
	SessionID     string `json:"session_id"`
	ResumeToken   string `json:"resume_token"`
	ResumeGraceMS int64  `json:"resume_grace_ms"`
	Protocol      int    `json:"protocol"`
	// MediaSlots is the audio m-lines a voice offer must have.
	MediaSlots int `json:"media_slots"`
	Identity   struct {
		UserID string   `json:"user_id"`
		Name   string   `json:"name"`
		Tenant string   `json:"tenant"`
		Roles  []string `json:"roles"`
		Teams  []string `json:"teams"`
	} `json:"identity"`
	// ICEServers are the STUN/TURN servers the server gives this user.
	ICEServers []struct {
		URLs       []string `json:"urls"`
		Username   string   `json:"username"`
		Credential string   `json:"credential"`
	} `json:"ice_servers"`
}

// Client is one signaling session.
type Client struct {
	url   string
	token string

	Session Session

	nextID atomic.Uint64

	mu      sync.Mutex
	ws      *websocket.Conn
	pending map[string]chan frame
	events  []Event
	lastSeq uint64
	changed chan struct{}
	closed  bool
	done    chan struct{} // closed when the current read loop ends
	writeMu sync.Mutex
}

type frame struct {
	V     int             `json:"v"`
	ID    string          `json:"id"`
	Type  string          `json:"type"`
	Seq   uint64          `json:"seq"`
	OK    bool            `json:"ok"`
	Data  json.RawMessage `json:"data"`
	Error *RemoteError    `json:"error"`
}

// Dial opens a socket to url (ws://host/ws) and authenticates with token.
func Dial(ctx context.Context, url, token string) (*Client, error) {
	c := &Client{url: url, token: token, changed: make(chan struct{})}
	if err := c.connect(ctx); err != nil {
		return nil, err
	}
	var s Session
	if err := c.Request(ctx, "auth", map[string]string{"token": token}, &s); err != nil {
		c.Close()
		return nil, fmt.Errorf("auth: %w", err)
	}
	c.Session = s
	return c, nil
}

func (c *Client) connect(ctx context.Context) error {
	d := websocket.Dialer{HandshakeTimeout: 10 * time.Second}
	ws, resp, err := d.DialContext(ctx, c.url, http.Header{})
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		return fmt.Errorf("dial %s: %w", c.url, err)
	}
	done := make(chan struct{})
	c.mu.Lock()
	c.ws, c.pending, c.done = ws, map[string]chan frame{}, done
	c.mu.Unlock()
	go c.readLoop(ws, done)
	return nil
}

func (c *Client) readLoop(ws *websocket.Conn, done chan struct{}) {
	defer close(done)
	for {
		_, raw, err := ws.ReadMessage()
		if err != nil {
			c.mu.Lock()
			if c.ws == ws {
				for _, ch := range c.pending {
					close(ch)
				}
				c.pending = map[string]chan frame{}
			}
			c.mu.Unlock()
			return
		}
		var f frame
		if json.Unmarshal(raw, &f) != nil {
			continue
		}
		c.mu.Lock()
		if f.Type == "response" {
			if ch, ok := c.pending[f.ID]; ok {
				delete(c.pending, f.ID)
				ch <- f
			}
		} else {
			if f.Seq > c.lastSeq {
				c.lastSeq = f.Seq
			}
			c.events = append(c.events, Event{Type: f.Type, Seq: f.Seq, Data: f.Data, At: time.Now()})
			close(c.changed)
			c.changed = make(chan struct{})
		}
		c.mu.Unlock()
	}
}

// Request sends a request and waits for its response; out, if not nil,
// receives the response data. A refusal is a *RemoteError.
func (c *Client) Request(ctx context.Context, typ string, data any, out any) error {
	id := strconv.FormatUint(c.nextID.Add(1), 10)
	raw, err := json.Marshal(map[string]any{"v": 1, "id": id, "type": typ, "data": data})
	if err != nil {
		return err
	}
	ch := make(chan frame, 1)
	c.mu.Lock()
	ws := c.ws
	if c.closed || ws == nil {
		c.mu.Unlock()
		return ErrClosed
	}
	c.pending[id] = ch
	c.mu.Unlock()
	if err := c.write(ws, raw); err != nil {
		return fmt.Errorf("%s: %w", typ, err)
	}
	select {
	case f, ok := <-ch:
		if !ok {
			return ErrClosed
		}
		if !f.OK {
			if f.Error == nil {
				return &RemoteError{Code: "unknown", Message: "error response without error"}
			}
			return f.Error
		}
		if out != nil && len(f.Data) > 0 {
			return json.Unmarshal(f.Data, out)
		}
		return nil
	case <-ctx.Done():
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
		return fmt.Errorf("%s: %w", typ, ctx.Err())
	}
}

func (c *Client) write(ws *websocket.Conn, raw []byte) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	_ = ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return ws.WriteMessage(websocket.TextMessage, raw)
}

// Events returns a copy of every event received so far.
func (c *Client) Events() []Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Event(nil), c.events...)
}

// Mark returns a position in the event history, for WaitEvent.
func (c *Client) Mark() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.events)
}

// WaitEvent waits for an event of type typ at or after position from for
// which match (if not nil) is true.
func (c *Client) WaitEvent(ctx context.Context, from int, typ string, match func(json.RawMessage) bool) (Event, error) {
	for {
		c.mu.Lock()
		for i := from; i < len(c.events); i++ {
			if e := c.events[i]; e.Type == typ && (match == nil || match(e.Data)) {
				c.mu.Unlock()
				return e, nil
			}
		}
		ch := c.changed
		c.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return Event{}, fmt.Errorf("waiting for %s: %w", typ, ctx.Err())
		}
	}
}

// DropSocket closes the socket without ending the session, as a network
// failure would; Resume reattaches.
func (c *Client) DropSocket() {
	c.mu.Lock()
	ws, done := c.ws, c.done
	c.ws = nil
	c.mu.Unlock()
	if ws != nil {
		_ = ws.Close()
		<-done
	}
}

// Resume opens a new socket and resumes the session, receiving the events
// missed since the last one seen.
func (c *Client) Resume(ctx context.Context) error {
	if err := c.connect(ctx); err != nil {
		return err
	}
	c.mu.Lock()
	last := c.lastSeq
	c.mu.Unlock()
	var s Session
	err := c.Request(ctx, "session.resume", map[string]any{"token": c.token, "resume_token": c.Session.ResumeToken, "last_seq": last}, &s)
	if err != nil {
		return fmt.Errorf("resume: %w", err)
	}
	if s.ResumeToken != "" {
		c.Session.ResumeToken = s.ResumeToken
	}
	return nil
}

// Dropped is closed when the current socket is gone (nil before the first
// one): the session may then be resumed.
func (c *Client) Dropped() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.done
}

// ResumeAt resumes the session on a socket to another URL (another node of
// a cluster): the session continues there.
func (c *Client) ResumeAt(ctx context.Context, url string) error {
	c.mu.Lock()
	c.url = url
	c.mu.Unlock()
	return c.Resume(ctx)
}

// Close ends the session for good (session.close) and closes the socket.
func (c *Client) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = c.Request(ctx, "session.close", nil, nil)
	c.mu.Lock()
	c.closed = true
	ws, done := c.ws, c.done
	c.ws = nil
	c.mu.Unlock()
	if ws != nil {
		_ = ws.Close()
		<-done
	}
}
