package signaling

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

func TestRequests(t *testing.T) {
	e := newEnv(t, Config{})
	c := e.dial(t)
	c.auth("alice")

	t.Run("round trip", func(t *testing.T) {
		f := c.expectOK(c.request("echo", map[string]any{"x": 1, "s": "é"}))
		if string(f.Data) != `{"s":"é","x":1}` {
			t.Fatalf("data %s", f.Data)
		}
		f = c.expectOK(c.request("nil", nil))
		if string(f.Data) != `{}` {
			t.Fatalf("nil result gives %s", f.Data)
		}
	})
	t.Run("error mapping", func(t *testing.T) {
		f := c.expectError(c.request("fail", nil), "not_found")
		if f.Error.Message != "no such thing" {
			t.Fatalf("message %q", f.Error.Message)
		}
		f = c.expectError(c.request("secret", nil), CodeInternal)
		if strings.Contains(f.Error.Message, "hunter2") || f.Error.Message != "internal error" {
			t.Fatalf("internal message %q", f.Error.Message)
		}
		c.expectError(c.request("forbidden", nil), CodeForbidden)
		c.expectError(c.request("unmarshallable", nil), CodeInternal)
		c.expectError(c.request("no.such.type", nil), CodeUnknownType)
	})
	t.Run("panic is internal", func(t *testing.T) {
		f := c.expectError(c.request("panic", nil), CodeInternal)
		if strings.Contains(f.Error.Message, "exploded") {
			t.Fatalf("panic text leaked: %q", f.Error.Message)
		}
		c.expectOK(c.request(TypePing, nil)) // the socket still works
		other := e.dial(t)
		other.auth("bob")
		other.expectOK(other.request(TypePing, nil))
	})
	t.Run("auth again", func(t *testing.T) {
		c.expectError(c.request(TypeAuth, map[string]string{"token": "bob"}), CodeAlreadyAuthenticated)
		c.expectError(c.request(TypeResume, map[string]string{"token": "bob"}), CodeAlreadyAuthenticated)
	})
	t.Run("order", func(t *testing.T) {
		// Requests are handled and answered in arrival order.
		ids := make([]string, 20)
		for i := range ids {
			ids[i] = c.request("echo", map[string]int{"i": i})
		}
		for _, id := range ids {
			c.expectOK(id)
		}
	})
}

func TestValidation(t *testing.T) {
	e := newEnv(t, Config{MaxFrameBytes: 1024})
	authed := func(t *testing.T) *client {
		c := e.dial(t)
		c.auth("alice")
		return c
	}
	text := func(c *client, s string) { c.sendRaw(websocket.TextMessage, []byte(s)) }

	t.Run("malformed JSON with id", func(t *testing.T) {
		c := authed(t)
		text(c, `{"v":1,"id":"m1","type":"echo","data":{bad`)
		c.expectError("m1", CodeBadFrame)
		c.expectOK(c.request(TypePing, nil))
	})
	t.Run("malformed JSON without id", func(t *testing.T) {
		c := authed(t)
		text(c, `not json at all`)
		c.expectSessionClosed(CloseReasonBadFrame, true)
		c.expectClose(CloseReasonBadFrame)
	})
	t.Run("wrong version", func(t *testing.T) {
		c := authed(t)
		text(c, `{"v":2,"id":"w1","type":"echo"}`)
		c.expectError("w1", CodeUnsupportedVersion)
		text(c, `{"id":"w2","type":"echo"}`)
		c.expectError("w2", CodeUnsupportedVersion)
	})
	t.Run("bad envelope", func(t *testing.T) {
		c := authed(t)
		text(c, `{"v":1,"type":"echo"}`)
		c.expectError("", CodeBadRequest)
		text(c, `{"v":1,"id":"`+strings.Repeat("x", 65)+`","type":"echo"}`)
		c.expectError("", CodeBadRequest) // an oversized id is not echoed
		text(c, `{"v":1,"id":"b1"}`)
		c.expectError("b1", CodeBadRequest)
		text(c, `{"v":1,"id":"b2","type":"`+strings.Repeat("t", 65)+`"}`)
		c.expectError("b2", CodeBadRequest)
		text(c, `{"v":1,"id":7,"type":"echo"}`)
		c.expectError("", CodeBadRequest)
		c.expectOK(c.request(TypePing, nil))
	})
	t.Run("binary frame", func(t *testing.T) {
		c := authed(t)
		c.sendRaw(websocket.BinaryMessage, []byte(`{"v":1,"id":"x","type":"ping"}`))
		c.expectError("", CodeBadFrame)
		c.expectOK(c.request(TypePing, nil))
	})
	t.Run("oversize frame", func(t *testing.T) {
		c := authed(t)
		c.expectOK(c.request("echo", map[string]string{"pad": strings.Repeat("a", 900)}))
		c.request("echo", map[string]string{"pad": strings.Repeat("a", 2000)})
		c.expectSessionClosed(CloseReasonFrameTooLarge, true)
		c.expectClose(CloseReasonFrameTooLarge)
	})
	t.Run("oversize first frame", func(t *testing.T) {
		c := e.dial(t)
		c.request(TypeAuth, map[string]string{"token": strings.Repeat("a", 2000)})
		c.expectClose(CloseReasonFrameTooLarge)
	})
	t.Run("invalid UTF-8 closes with 1007", func(t *testing.T) {
		c := authed(t)
		c.sendRaw(websocket.TextMessage, []byte("{\"v\":1,\"id\":\"u1\",\"type\":\"utf8\",\"data\":{\"text\":\"caf\xe9\"}}"))
		c.expectSessionClosed(CloseReasonInvalidUTF8, true)
		c.expectClose(CloseReasonInvalidUTF8)
		if handledTypes(e.handler)["utf8"] {
			t.Fatal("a frame with invalid UTF-8 reached the handler")
		}
	})
	t.Run("invalid UTF-8 first frame closes with 1007", func(t *testing.T) {
		c := e.dial(t)
		text(c, "{\"v\":1,\"id\":\"a1\",\"type\":\"auth\",\"data\":{\"token\":\"alice\xff\"}}")
		c.expectClose(CloseReasonInvalidUTF8)
	})
	t.Run("lone surrogate escapes are message_invalid", func(t *testing.T) {
		c := authed(t)
		text(c, `{"v":1,"id":"s1","type":"lone","data":{"text":"hi \ud800"}}`)
		c.expectError("s1", CodeMessageInvalid)
		text(c, `{"v":1,"id":"s2","type":"lone","data":{"text":"\udc00"}}`)
		c.expectError("s2", CodeMessageInvalid)
		text(c, `{"v":1,"id":"\ud800","type":"lone"}`)
		c.expectError("", CodeMessageInvalid) // the id itself is invalid: not echoed
		if handledTypes(e.handler)["lone"] {
			t.Fatal("a frame with a lone surrogate reached the handler")
		}
		// A correct pair is text like any other, and the socket carries on.
		f := c.expectOK(c.request("echo", map[string]string{"text": "\U0001F600"}))
		if string(f.Data) != "{\"text\":\"\U0001F600\"}" {
			t.Fatalf("echo %s", f.Data)
		}
		text(c, `{"v":1,"id":"p1","type":"echo","data":{"t":"\ud83d\ude00"}}`)
		if f := c.expectOK("p1"); string(f.Data) != `{"t":"\ud83d\ude00"}` {
			t.Fatalf("echo %s", f.Data)
		}
	})
	t.Run("lone surrogate in the first frame", func(t *testing.T) {
		c := e.dial(t)
		text(c, `{"v":1,"id":"f2","type":"auth","data":{"token":"alice\udfff"}}`)
		c.expectError("f2", CodeMessageInvalid)
		c.expectClose(CloseReasonBadFrame)
	})
	t.Run("malformed first frame", func(t *testing.T) {
		c := e.dial(t)
		text(c, `{"v":1,"id":"f1","type":"auth","data":`)
		c.expectError("f1", CodeBadFrame)
		c.expectClose(CloseReasonBadFrame)
	})
}

// handledTypes is the set of request types the fake domain was asked to
// handle so far.
func handledTypes(h *fakeHandler) map[string]bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	seen := map[string]bool{}
	for _, typ := range h.handled {
		seen[typ] = true
	}
	return seen
}

func TestRateLimit(t *testing.T) {
	t.Run("limited", func(t *testing.T) {
		// A refill so slow that the test never sees a token come back.
		e := newEnv(t, Config{RatePerSecond: 0.001, RateBurst: 3})
		c := e.dial(t)
		r := c.auth("alice") // takes one token
		var ids []string
		for range 4 {
			ids = append(ids, c.request(TypePing, nil))
		}
		c.expectOK(ids[0])
		c.expectOK(ids[1])
		c.expectError(ids[2], CodeRateLimited)
		c.expectError(ids[3], CodeRateLimited)
		if !e.handler.session(t, r.SessionID).Connected() {
			t.Fatal("a client over its rate is not closed at once")
		}
	})
	t.Run("abuse closes", func(t *testing.T) {
		e := newEnv(t, Config{RatePerSecond: 0.001, RateBurst: 2})
		c := e.dial(t)
		r := c.auth("alice")
		// burst 2 (1 used by auth), then debt up to 3x burst = 6: the
		// 8th frame after auth crosses it.
		for range 8 {
			c.request(TypePing, nil)
		}
		c.expectOK("r2")
		for i := 3; i <= 8; i++ {
			c.expectError("r"+itoa(i), CodeRateLimited)
		}
		c.expectError("", CodeRateLimited)
		c.expectSessionClosed(CloseReasonRateLimited, true)
		c.expectClose(CloseReasonRateLimited)
		s := e.handler.session(t, r.SessionID)
		waitFor(t, "detach", func() bool { return s.lastDropReason() == CloseReasonRateLimited })
	})
	t.Run("per user across sockets", func(t *testing.T) {
		e := newEnv(t, Config{UserRatePerSecond: 0.001, UserRateBurst: 3})
		a, b := e.dial(t), e.dial(t)
		a.auth("alice")
		b.auth("alice-2") // same user, second session
		a.expectOK(a.request(TypePing, nil))
		b.expectOK(b.request(TypePing, nil))
		a.expectOK(a.request(TypePing, nil))
		b.expectError(b.request(TypePing, nil), CodeRateLimited)
		a.expectError(a.request(TypePing, nil), CodeRateLimited)
		// Another user is not affected.
		o := e.dial(t)
		o.auth("bob")
		o.expectOK(o.request(TypePing, nil))
	})
}

func TestSlowConsumer(t *testing.T) {
	e := newEnv(t, Config{SendQueue: 8, WriteTimeout: 2 * time.Second})
	slow := e.dial(t)
	r := slow.auth("alice")
	s := e.handler.session(t, r.SessionID)

	// The client never reads. Push large events at the pace the server can
	// write them, until the TCP buffers are full, writes stall and the
	// bounded queue overflows.
	payload := map[string]string{"pad": strings.Repeat("x", 32<<10)}
	deadline := time.Now().Add(2 * testTimeout)
	pushed := 0
	for s.Connected() {
		if time.Now().After(deadline) {
			t.Fatalf("still connected after %d pushes", pushed)
		}
		if err := s.Push("test.big", payload); err != nil {
			t.Fatalf("push: %v", err)
		}
		pushed++
		drained := time.Now().Add(100 * time.Millisecond)
		for pending(s) > 0 && time.Now().Before(drained) {
			time.Sleep(time.Millisecond)
		}
	}
	t.Logf("closed as slow consumer after %d pushes", pushed)
	if got := s.lastDropReason(); got != CloseReasonSlowConsumer {
		t.Fatalf("dropped for %s, want slow_consumer", got)
	}
	// Push still works (into the replay buffer) while the session waits
	// for a resume, and never blocks.
	if err := s.Push("test.big", payload); err != nil {
		t.Fatalf("push while detached: %v", err)
	}
	e.handler.expectNoClosed(t)

	// The server stays healthy for others.
	o := e.dial(t)
	o.auth("bob")
	o.expectOK(o.request("echo", map[string]int{"ok": 1}))
}

// pending is the number of frames waiting in the session's socket queue.
func pending(s *Session) int {
	s.mu.Lock()
	c := s.conn
	s.mu.Unlock()
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pending
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

func TestKeepalive(t *testing.T) {
	// Silence limit: PingInterval+PongTimeout = 1.2 s.
	cfg := Config{PingInterval: 200 * time.Millisecond, PongTimeout: time.Second}
	t.Run("silent peer is dropped", func(t *testing.T) {
		e := newEnv(t, cfg)
		c := e.dial(t)
		r := c.auth("alice")
		s := e.handler.session(t, r.SessionID)
		// The client never reads, so it never answers pings.
		waitFor(t, "drop", func() bool { return !s.Connected() })
		if got := s.lastDropReason(); got != CloseReasonConnectionLost {
			t.Fatalf("dropped for %s", got)
		}
		e.handler.expectNoClosed(t) // only the socket is gone
	})
	t.Run("pongs keep the socket", func(t *testing.T) {
		e := newEnv(t, cfg)
		c := e.dial(t)
		r := c.auth("alice")
		s := e.handler.session(t, r.SessionID)
		pings := make(chan struct{}, 100)
		c.ws.SetPingHandler(func(data string) error {
			pings <- struct{}{}
			return c.ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(testTimeout))
		})
		done := make(chan struct{})
		go func() { // reading is what answers pings
			defer close(done)
			for {
				if _, _, err := c.ws.ReadMessage(); err != nil {
					return
				}
			}
		}()
		// Twelve pings span twice the silence limit.
		for i := range 12 {
			select {
			case <-pings:
			case <-time.After(testTimeout):
				t.Fatalf("ping %d not received", i)
			}
		}
		if !s.Connected() {
			t.Fatalf("answering peer dropped (%s)", s.lastDropReason())
		}
		_ = c.ws.Close()
		<-done
	})
}
