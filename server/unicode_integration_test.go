package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/store"
)

// rawSocket is a signaling client that writes frames byte for byte, for
// input a well-behaved client library cannot produce.
type rawSocket struct {
	ws *websocket.Conn
}

func dialRaw(t *testing.T, ts *testServer, token string) *rawSocket {
	t.Helper()
	d := websocket.Dialer{HandshakeTimeout: testDeadline}
	ws, _, err := d.Dial(ts.ws, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ws.Close() })
	s := &rawSocket{ws: ws}
	s.send(t, `{"v":1,"id":"auth","type":"auth","data":{"token":"`+token+`"}}`)
	if f := s.response(t, "auth"); !f.OK {
		t.Fatalf("auth refused: %+v", f.Error)
	}
	return s
}

func (s *rawSocket) send(t *testing.T, raw string) {
	t.Helper()
	_ = s.ws.SetWriteDeadline(time.Now().Add(testDeadline))
	if err := s.ws.WriteMessage(websocket.TextMessage, []byte(raw)); err != nil {
		t.Fatal(err)
	}
}

type rawFrame struct {
	ID    *string         `json:"id"`
	Type  string          `json:"type"`
	OK    bool            `json:"ok"`
	Data  json.RawMessage `json:"data"`
	Error *struct {
		Code string `json:"code"`
	} `json:"error"`
}

// response reads frames (skipping events) until a response; its id must be
// id ("" = no id at all).
func (s *rawSocket) response(t *testing.T, id string) rawFrame {
	t.Helper()
	_ = s.ws.SetReadDeadline(time.Now().Add(testDeadline))
	for {
		_, b, err := s.ws.ReadMessage()
		if err != nil {
			t.Fatalf("waiting for response %q: %v", id, err)
		}
		var f rawFrame
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatalf("frame %s: %v", b, err)
		}
		if f.Type != "response" {
			continue
		}
		got := ""
		if f.ID != nil {
			got = *f.ID
		}
		if got != id {
			t.Fatalf("response %s, want id %q", b, id)
		}
		return f
	}
}

func (s *rawSocket) refused(t *testing.T, id, code string) {
	t.Helper()
	if f := s.response(t, id); f.OK || f.Error == nil || f.Error.Code != code {
		t.Fatalf("response to %q: ok=%v error %+v, want %s", id, f.OK, f.Error, code)
	}
}

// Chat text, request ids and other strings with a lone surrogate escape are
// refused with message_invalid before anything reads them: no message is
// posted, broadcast or stored; raw invalid UTF-8 closes the socket with
// 1007. The customer's socket is raw; the agent uses the normal client.
func TestInvalidUnicodeOverSignaling(t *testing.T) {
	ts := startServer(t, nil)
	carla := dialRaw(t, ts, ts.token(t, "carla", "Carla", auth.RoleCustomer))
	agent := newParty(t, ts, "agent", ts.token(t, "alex", "Alex", auth.RoleAgent, "team-a"))
	agent.do(t, "agent.set_state", map[string]string{"state": "ready"}, nil)
	carla.send(t, `{"v":1,"id":"start","type":"conversation.start","data":{"queue":"support","channel":"chat"}}`)
	var start startResp
	if f := carla.response(t, "start"); !f.OK || json.Unmarshal(f.Data, &start) != nil {
		t.Fatalf("conversation.start: %+v", f.Error)
	}
	conv := start.Conversation.ConversationID
	if _, err := agent.sig.WaitEvent(ctxT(t), 0, "conversation.offered", func(b json.RawMessage) bool { return convID(b) == conv }); err != nil {
		t.Fatal(err)
	}
	agent.do(t, "conversation.accept", map[string]string{"conversation_id": conv}, nil)
	mark := agent.sig.Mark()

	chat := func(id, text string) string {
		return `{"v":1,"id":"` + id + `","type":"chat.send","data":{"conversation_id":"` + conv + `","kind":"public","text":"` + text + `"}}`
	}
	for _, tc := range []struct{ name, frame, id string }{
		{"lone high surrogate in text", chat("c1", `hello \ud800`), "c1"},
		{"lone low surrogate in text", chat("c2", `\uDC00 there`), "c2"},
		{"reversed pair in text", chat("c3", `\udc00\ud800`), "c3"},
		{"lone surrogate in the request id", chat(`\ud800`, "looks fine"), ""},
		{"lone surrogate in the conversation id", `{"v":1,"id":"c4","type":"chat.send","data":{"conversation_id":"` + conv + `\udfff","kind":"public","text":"x"}}`, "c4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			carla.send(t, tc.frame)
			carla.refused(t, tc.id, "message_invalid")
		})
	}
	// The domain's own message_invalid for what Go could represent.
	carla.send(t, chat("c5", "   "))
	carla.refused(t, "c5", "message_invalid")
	// A real pair is a character like any other, and the socket carries on.
	carla.send(t, chat("ok", `hello \ud83d\ude00`))
	if f := carla.response(t, "ok"); !f.OK {
		t.Fatalf("valid chat refused: %+v", f.Error)
	}
	const want = "hello \U0001F600"

	var tr struct {
		Messages []struct {
			Text string `json:"text"`
		} `json:"messages"`
	}
	agent.do(t, "conversation.transcript", map[string]string{"conversation_id": conv}, &tr)
	if len(tr.Messages) != 1 || tr.Messages[0].Text != want {
		t.Fatalf("transcript %+v, want exactly %q", tr.Messages, want)
	}
	textOf := func(b json.RawMessage) string {
		var m struct {
			Text string `json:"text"`
		}
		_ = json.Unmarshal(b, &m)
		return m.Text
	}
	if _, err := agent.sig.WaitEvent(ctxT(t), mark, "chat.message", func(b json.RawMessage) bool { return textOf(b) == want }); err != nil {
		t.Fatal(err)
	}
	var posted []string
	for _, ev := range agent.sig.Events()[mark:] {
		if ev.Type == "chat.message" {
			posted = append(posted, textOf(ev.Data))
		}
	}
	if len(posted) != 1 {
		t.Fatalf("agent received chat messages %q, want only %q", posted, want)
	}

	// The durable transcript holds the one valid message only. It is
	// written after the response, so wait for it, then check nothing else
	// (sent before it) was stored.
	sam := ts.token(t, "sam", "Sam", auth.RoleSupervisor, "team-a")
	deadline := time.Now().Add(testDeadline)
	for {
		var h store.ConversationHistory
		code := apiGet(t, ts, "/api/v1/conversations/"+conv, sam, &h)
		if code == http.StatusOK && len(h.Messages) > 0 {
			if len(h.Messages) != 1 || h.Messages[0].Text != want {
				t.Fatalf("stored messages %+v, want exactly %q", h.Messages, want)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("valid message never stored (status %d)", code)
		}
		time.Sleep(20 * time.Millisecond) // polling interval, not synchronization
	}

	t.Run("raw invalid UTF-8 closes with 1007", func(t *testing.T) {
		carla.send(t, chat("bad", "caf\xe9"))
		_ = carla.ws.SetReadDeadline(time.Now().Add(testDeadline))
		for {
			_, _, err := carla.ws.ReadMessage()
			if err == nil {
				continue // session.closed
			}
			var ce *websocket.CloseError
			if !errors.As(err, &ce) || ce.Code != websocket.CloseInvalidFramePayloadData || ce.Text != "invalid_utf8" {
				t.Fatalf("got %v, want close 1007 invalid_utf8", err)
			}
			break
		}
		agent.do(t, "conversation.transcript", map[string]string{"conversation_id": conv}, &tr)
		if len(tr.Messages) != 1 || strings.ContainsRune(tr.Messages[0].Text, '\uFFFD') {
			t.Fatalf("transcript after the bad frame: %+v", tr.Messages)
		}
	})
}
