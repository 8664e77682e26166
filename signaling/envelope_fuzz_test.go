package signaling

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// envelopeCodes are the only codes decodeRequest may refuse a frame with.
var envelopeCodes = map[Code]bool{CodeBadFrame: true, CodeBadRequest: true, CodeUnsupportedVersion: true, CodeMessageInvalid: true}

// FuzzDecodeRequest feeds arbitrary text frames to the envelope decoder.
// An accepted frame must satisfy the envelope's limits and survive a
// round trip (encode, decode again, same request); a refused one must carry
// one of the envelope's codes (message_invalid for a lone surrogate), an id that is empty or valid, and an error
// response frame that is valid JSON naming that id and code.
func FuzzDecodeRequest(f *testing.F) {
	for _, s := range []string{
		`{"v":1,"id":"1","type":"auth","data":{"token":"eyJhbGciOiJIUzI1NiJ9.e30.sig"}}`,
		`{"v":1,"id":"r7","type":"session.resume","data":{"token":"t","resume_token":"abc","last_seq":12}}`,
		`{"v":1,"id":"2","type":"ping"}`,
		`{"v":1,"id":"3","type":"monitor.set_mode","data":{"conversation_id":"c-1","mode":"whisper"}}`,
		`{"v":1,"id":"4","type":"chat.send","data":{"conversation_id":"c-1","kind":"public","text":"hello \u003cb\u003e"}}`,
		`{"v":1,"id":"5","type":"conversation.start","data":{"queue":"support","channel":"voice","offer":"v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"}}`,
		`{"v":1,"id":"a","type":"pi`,
		`{"data":{"x":[1,{"y":2}]},"id":"n","type":`,
		`{"v":"1","id":"a","type":"ping"}`,
		`{"v":2,"id":"a","type":"ping"}`,
		`{"v":1,"id":"` + strings.Repeat("é", 65) + `","type":"ping"}`,
		`{"v":1,"id":"a","type":"ping","data":null}`,
		"{\"v\":1,\"id\":\"\xff\xfe\",\"type\":\"\xc0\"}",
		`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[`,
		`{"v":1,"id":"s1","type":"chat.send","data":{"text":"\ud83d"}}`,
		`{"v":1,"id":"\udc00","type":"ping"}`,
		`{"v":1,"id":"s2","type":"chat.send","data":{"text":"\ud83d\ude00 \\ud83d"}}`,
		``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		req, perr := decodeRequest(raw)
		if perr != nil {
			checkRefusedFrame(t, req, perr)
			return
		}
		if req.V != ProtocolVersion || !validID(req.ID) {
			t.Fatalf("accepted %+v", req)
		}
		if n := utf8.RuneCountInString(req.Type); n == 0 || n > maxTypeChars {
			t.Fatalf("accepted type of %d characters", n)
		}
		if bytes.Equal(req.Data, []byte("null")) {
			t.Fatal("data null not normalised to absent")
		}
		again, b := roundTrip(t, req)
		if again.V != req.V || again.ID != req.ID || again.Type != req.Type || !sameJSON(again.Data, req.Data) {
			t.Fatalf("round trip changed the request:\n%+v\n%+v (via %s)", req, again, b)
		}
	})
}

// roundTrip encodes an accepted request as a client would send it and
// decodes it again.
func roundTrip(t *testing.T, req request) (request, []byte) {
	t.Helper()
	b, err := json.Marshal(req)
	if err != nil {
		t.Fatalf("marshal accepted request: %v", err)
	}
	again, perr := decodeRequest(b)
	if perr != nil {
		t.Fatalf("re-encoded request %s refused: %v", b, perr)
	}
	return again, b
}

// sameJSON compares two raw JSON values as json.Marshal writes them:
// without insignificant space, and with <, > and & escaped (a found input,
// 'html_escaped_data', had "&" come back as "\u0026", the same string).
func sameJSON(a, b json.RawMessage) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	canonical := func(v json.RawMessage) ([]byte, bool) {
		var compact, escaped bytes.Buffer
		if json.Compact(&compact, v) != nil {
			return nil, false
		}
		json.HTMLEscape(&escaped, compact.Bytes())
		return escaped.Bytes(), true
	}
	ca, okA := canonical(a)
	cb, okB := canonical(b)
	return okA && okB && bytes.Equal(ca, cb)
}

// checkRefusedFrame asserts what a client sees when its frame is refused.
func checkRefusedFrame(t *testing.T, req request, perr *Error) {
	t.Helper()
	if !envelopeCodes[perr.Code] {
		t.Fatalf("refused with code %q", perr.Code)
	}
	if req.ID != "" && !validID(req.ID) {
		t.Fatalf("invalid id %q would be echoed", req.ID)
	}
	frame := encodeError(req.ID, perr)
	var resp struct {
		V     int    `json:"v"`
		ID    string `json:"id"`
		Type  string `json:"type"`
		OK    bool   `json:"ok"`
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(frame, &resp); err != nil {
		t.Fatalf("error frame %s is not JSON: %v", frame, err)
	}
	if resp.V != ProtocolVersion || resp.Type != typeResponse || resp.OK || resp.ID != req.ID || resp.Error.Code != string(perr.Code) {
		t.Fatalf("error frame %s for id %q, code %s", frame, req.ID, perr.Code)
	}
	if _, err := ParseCode(resp.Error.Code); err != nil {
		t.Fatalf("undocumented code: %v", err)
	}
	// The message is a fixed text or names a field: bounded whatever the frame.
	if len(resp.Error.Message) > 256 {
		t.Fatalf("message of %d bytes", len(resp.Error.Message))
	}
}
