package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/earshot/earshot/auth"
)

// Malformed frames on an authenticated socket: each is refused with a
// stable code (or closes the socket with a stable reason), changes nothing,
// and the server goes on serving.
func TestHostileFrames(t *testing.T) {
	w := newWorld(t, nil)
	eve := w.ts.token(t, "eve", "Eve", auth.RoleSupervisor, "team-a")
	// open authenticates a socket of eve, a supervisor of the conversation's
	// team who is not monitoring it; the state is read after her session opened.
	open := func(t *testing.T) (*raw, state) {
		r := rawAuthed(t, w.ts, eve)
		return r, snapshot(t, w.ts)
	}

	// Refusals that keep the socket open: the refusal, then a ping works.
	for _, tc := range []struct {
		name  string
		frame func(r *raw)
		id    string // the id the refusal carries; "<none>" for none
		code  string
	}{
		{"binary frame", func(r *raw) { r.write(websocket.BinaryMessage, []byte(`{"v":1,"id":"b","type":"ping"}`)) }, "<none>", "bad_frame"},
		{"invalid JSON with a readable id", func(r *raw) { r.text(`{"v":1,"id":"j1","type":"monitor.start","data":{"conversation_id":`) }, "j1", "bad_frame"},
		{"deep nesting inside data", func(r *raw) {
			r.text(`{"v":1,"id":"n1","type":"monitor.start","data":{"conversation_id":` + nested(5000) + `}}`)
		}, "n1", "bad_request"},
		{"nesting deeper than the JSON decoder allows", func(r *raw) {
			r.text(`{"v":1,"id":"n2","type":"monitor.start","data":` + nested(20000) + `}`)
		}, "n2", "bad_frame"},
		{"deep nesting in an ignored top-level field", func(r *raw) {
			r.text(`{"v":1,"id":"n3","type":"monitor.set_mode","extra":` + nested(5000) + `,"data":{"conversation_id":"` + w.conv + `","mode":"shout"}}`)
		}, "n3", "bad_mode"},
		{"unknown type", func(r *raw) { r.send(map[string]any{"v": 1, "id": "u1", "type": "monitor.spy"}) }, "u1", "unknown_type"},
		{"type too long", func(r *raw) { r.send(map[string]any{"v": 1, "id": "u2", "type": strings.Repeat("m", 65)}) }, "u2", "bad_request"},
		{"missing id", func(r *raw) {
			r.send(map[string]any{"v": 1, "type": "monitor.start", "data": map[string]string{"conversation_id": w.conv}})
		}, "<none>", "bad_request"},
		{"numeric id", func(r *raw) { r.text(`{"v":1,"id":7,"type":"ping"}`) }, "<none>", "bad_request"},
		{"id over 64 characters", func(r *raw) { r.send(map[string]any{"v": 1, "id": strings.Repeat("i", 65), "type": "ping"}) }, "<none>", "bad_request"},
		{"wrong version", func(r *raw) { r.send(map[string]any{"v": 2, "id": "v2", "type": "monitor.start"}) }, "v2", "unsupported_version"},
		{"auth again", func(r *raw) {
			r.send(map[string]any{"v": 1, "id": "a2", "type": "auth", "data": map[string]string{"token": w.ts.token(t, "sam", "Sam", auth.RoleSupervisor, "team-a")}})
		}, "a2", "already_authenticated"},
		{"data that is not an object", func(r *raw) { r.text(`{"v":1,"id":"d1","type":"monitor.start","data":"` + w.conv + `"}`) }, "d1", "bad_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, before := open(t)
			tc.frame(r)
			r.refused(tc.id, tc.code)
			r.alive()
			w.intact(t, before)
		})
	}

	// A duplicate id is the client's problem: both requests are handled, in
	// order, each answered with that id; the second (a refusal) changes nothing.
	t.Run("duplicate request id", func(t *testing.T) {
		r, before := open(t)
		r.send(map[string]any{"v": 1, "id": "dup", "type": "ping"})
		r.send(map[string]any{"v": 1, "id": "dup", "type": "monitor.set_mode", "data": map[string]string{"conversation_id": w.conv, "mode": "barge"}})
		if f := r.response(); !f.OK || f.id() != "dup" {
			t.Fatalf("first dup: ok=%v id=%s code=%s", f.OK, f.id(), f.code())
		}
		r.refused("dup", "not_monitoring")
		w.intact(t, before)
	})

	// Frames that close the socket: the session survives for a resume.
	for _, tc := range []struct {
		name   string
		frame  func(r *raw)
		wsCode int
		reason string
	}{
		{"invalid JSON without a readable id", func(r *raw) { r.text(`{"v":1,"type":"monitor.start",,}`) }, websocket.CloseUnsupportedData, "bad_frame"},
		{"not JSON at all", func(r *raw) { r.text("\x00\x01GET / HTTP/1.1") }, websocket.CloseUnsupportedData, "bad_frame"},
		{"oversized frame", func(r *raw) {
			r.text(`{"v":1,"id":"big","type":"monitor.start","data":{"conversation_id":"` + strings.Repeat("x", 70<<10) + `"}}`)
		}, websocket.CloseMessageTooBig, "frame_too_large"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, before := open(t)
			tc.frame(r)
			frames := r.closedWith(tc.wsCode, tc.reason)
			if len(responses(frames)) != 0 {
				t.Fatalf("a response was sent for a frame without a readable id: %+v", responses(frames))
			}
			if reason, resumable := sessionClosed(t, frames); reason != tc.reason || !resumable {
				t.Fatalf("session.closed %q resumable=%v", reason, resumable)
			}
			w.intact(t, before)
		})
	}

	// Before authentication every malformed first frame closes the socket.
	for _, tc := range []struct {
		name   string
		frame  func(r *raw)
		code   string // "" for no response
		wsCode int
		reason string
	}{
		{"binary first frame", func(r *raw) { r.write(websocket.BinaryMessage, []byte{0xde, 0xad, 0xbe, 0xef}) }, "bad_frame", websocket.CloseUnsupportedData, "bad_frame"},
		{"invalid JSON first frame", func(r *raw) { r.text(`{"v":1,"type":"auth","data":{`) }, "", websocket.CloseUnsupportedData, "bad_frame"},
		{"oversized first frame", func(r *raw) {
			r.text(`{"v":1,"id":"1","type":"auth","data":{"token":"` + strings.Repeat("e", 70<<10) + `"}}`)
		}, "", websocket.CloseMessageTooBig, "frame_too_large"},
		{"request before auth", func(r *raw) {
			r.send(map[string]any{"v": 1, "id": "1", "type": "monitor.start", "data": map[string]string{"conversation_id": w.conv}})
		}, "auth_required", websocket.ClosePolicyViolation, "auth_failed"},
		{"deeply nested auth data", func(r *raw) { r.text(`{"v":1,"id":"1","type":"auth","data":` + nested(5000) + `}`) }, "bad_request", websocket.ClosePolicyViolation, "auth_failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := snapshot(t, w.ts)
			r := rawDial(t, w.ts.ws, nil)
			tc.frame(r)
			got := responses(r.closedWith(tc.wsCode, tc.reason))
			switch {
			case tc.code == "" && len(got) != 0:
				t.Fatalf("unexpected response %s", got[0].code())
			case tc.code != "" && (len(got) != 1 || got[0].code() != tc.code):
				t.Fatalf("responses %+v, want one %s", got, tc.code)
			}
			w.intact(t, before)
		})
	}

	// A token in the URL (or an Authorization header) authenticates nothing:
	// only the first frame does.
	t.Run("token in the URL", func(t *testing.T) {
		before := snapshot(t, w.ts)
		tok := w.ts.token(t, "sam", "Sam", auth.RoleSupervisor, "team-a")
		h := http.Header{"Authorization": {"Bearer " + tok}}
		r := rawDial(t, w.ts.ws+"?token="+tok+"&access_token="+tok, h)
		r.send(map[string]any{"v": 1, "id": "1", "type": "monitor.set_mode", "data": map[string]string{"conversation_id": w.conv, "mode": "barge"}})
		got := responses(r.closedWith(websocket.ClosePolicyViolation, "auth_failed"))
		if len(got) != 1 || got[0].code() != "auth_required" {
			t.Fatalf("responses %+v, want auth_required", got)
		}
		r2 := rawDial(t, w.ts.ws+"?token="+tok, h)
		r2.send(map[string]any{"v": 1, "id": "1", "type": "auth", "data": map[string]string{}})
		if got := responses(r2.closedWith(websocket.ClosePolicyViolation, "auth_failed")); len(got) != 1 || got[0].code() != "token_missing" {
			t.Fatalf("responses %+v, want token_missing", got)
		}
		w.intact(t, before)
	})

	// A flood: requests over the rate are refused rate_limited, and a socket
	// that keeps flooding is closed; other users are served all along.
	t.Run("request flood", func(t *testing.T) {
		r, before := open(t)
		const n = 400 // far beyond burst (40) + abuse debt (3 × 40)
		var b strings.Builder
		_ = r.ws.SetWriteDeadline(time.Now().Add(testDeadline))
		for i := range n {
			b.Reset()
			fmt.Fprintf(&b, `{"v":1,"id":"f%d","type":"monitor.set_mode","data":{"conversation_id":%q,"mode":"barge"}}`, i, w.conv)
			if err := r.ws.WriteMessage(websocket.TextMessage, []byte(b.String())); err != nil {
				break // the server may already have closed the socket
			}
		}
		// While eve floods, other users are served.
		w.agent.do(t, "conversation.transcript", map[string]string{"conversation_id": w.conv}, nil)
		w.sup.do(t, "floor.conversations", nil, nil)
		frames, wsCode, reason := r.closed()
		if wsCode != websocket.ClosePolicyViolation || reason != "rate_limited" {
			t.Fatalf("flooding socket closed with %d %q", wsCode, reason)
		}
		counts := map[string]int{}
		for _, f := range responses(frames) {
			counts[f.code()]++
		}
		// Requests within the burst are handled (refused: eve does not
		// monitor); the rest are refused without being handled.
		if counts["not_monitoring"] == 0 || counts["rate_limited"] == 0 || len(counts) != 2 {
			t.Fatalf("responses by code: %v", counts)
		}
		if reason, resumable := sessionClosed(t, frames); reason != "rate_limited" || !resumable {
			t.Fatalf("session.closed %q resumable=%v", reason, resumable)
		}
		w.intact(t, before)
	})
}
