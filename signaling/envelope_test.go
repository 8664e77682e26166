package signaling

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestDecodeRequest(t *testing.T) {
	cases := []struct {
		name, raw string
		code      Code // "" = valid
		id        string
	}{
		{"valid", `{"v":1,"id":"a","type":"ping","data":{"x":1}}`, "", "a"},
		{"valid without data", `{"v":1,"id":"a","type":"ping"}`, "", "a"},
		{"unknown fields ignored", `{"v":1,"id":"a","type":"ping","extra":true}`, "", "a"},
		{"64 char id", `{"v":1,"id":"` + strings.Repeat("é", 64) + `","type":"ping"}`, "", strings.Repeat("é", 64)},
		{"truncated", `{"v":1,"id":"a","type":"pi`, CodeBadFrame, "a"},
		{"truncated before id", `{"v":1,"type":"ping","i`, CodeBadFrame, ""},
		{"id after nested garbage", `{"data":{"x":[1,{"y":2}]},"id":"n","type":`, CodeBadFrame, "n"},
		{"not json", `hello`, CodeBadFrame, ""},
		{"empty", ``, CodeBadFrame, ""},
		{"array", `[1,2]`, CodeBadRequest, ""},
		{"version 2", `{"v":2,"id":"a","type":"ping"}`, CodeUnsupportedVersion, "a"},
		{"version missing", `{"id":"a","type":"ping"}`, CodeUnsupportedVersion, "a"},
		{"version string", `{"v":"1","id":"a","type":"ping"}`, CodeBadRequest, "a"},
		{"id missing", `{"v":1,"type":"ping"}`, CodeBadRequest, ""},
		{"id too long", `{"v":1,"id":"` + strings.Repeat("x", 65) + `","type":"ping"}`, CodeBadRequest, ""},
		{"id number", `{"v":1,"id":5,"type":"ping"}`, CodeBadRequest, ""},
		{"type missing", `{"v":1,"id":"a"}`, CodeBadRequest, "a"},
		{"type too long", `{"v":1,"id":"a","type":"` + strings.Repeat("t", 65) + `"}`, CodeBadRequest, "a"},
		{"paired surrogates", `{"v":1,"id":"\ud83d\ude00","type":"chat.send","data":{"text":"\uD83D\uDE00 ok \ufffd"}}`, "", "\U0001F600"},
		{"escaped backslash before u", `{"v":1,"id":"a","type":"chat.send","data":{"text":"\\ud800"}}`, "", "a"},
		{"lone high surrogate in data", `{"v":1,"id":"a","type":"chat.send","data":{"text":"x\ud800y"}}`, CodeMessageInvalid, "a"},
		{"lone low surrogate in data", `{"v":1,"id":"a","type":"chat.send","data":{"text":"\udc00"}}`, CodeMessageInvalid, "a"},
		{"high surrogate at end of string", `{"v":1,"id":"a","type":"x","data":{"name":"\uDBFF"}}`, CodeMessageInvalid, "a"},
		{"high then high", `{"v":1,"id":"a","type":"x","data":{"t":"\ud800\ud800"}}`, CodeMessageInvalid, "a"},
		{"reversed pair", `{"v":1,"id":"a","type":"x","data":{"t":"\udc00\ud800"}}`, CodeMessageInvalid, "a"},
		{"high then other escape", `{"v":1,"id":"a","type":"x","data":{"t":"\ud800\n"}}`, CodeMessageInvalid, "a"},
		{"lone surrogate in id", `{"v":1,"id":"\ud800","type":"ping"}`, CodeMessageInvalid, ""},
		{"lone surrogate in type", `{"type":"p\udfffing","v":1,"id":"t"}`, CodeMessageInvalid, "t"},
		{"lone surrogate in a key", `{"v":1,"id":"a","type":"x","data":{"\ud800":1}}`, CodeMessageInvalid, "a"},
		{"lone surrogate and wrong version", `{"v":2,"id":"a","type":"x","data":"\ud800"}`, CodeMessageInvalid, "a"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := decodeRequest([]byte(tc.raw))
			switch {
			case tc.code == "" && err != nil:
				t.Fatalf("unexpected error %v", err)
			case tc.code != "" && (err == nil || err.Code != tc.code):
				t.Fatalf("error %v, want %s", err, tc.code)
			}
			if req.ID != tc.id {
				t.Fatalf("id %q, want %q", req.ID, tc.id)
			}
		})
	}
}

// TestDecodeRequestPrefixes feeds every prefix of valid frames, as a
// stream cut at any byte would: decoding never panics and never accepts an
// incomplete frame.
func TestDecodeRequestPrefixes(t *testing.T) {
	for _, full := range []string{
		`{"v":1,"id":"abc","type":"monitor.start","data":{"conversation":"c1","mode":"listen","sdp":"v=0\r\n"}}`,
		`{"type":"x","data":[1,2,{"a":"}"}],"id":"q","v":1}`,
	} {
		for i := 0; i < len(full); i++ {
			if _, err := decodeRequest([]byte(full[:i])); err == nil {
				t.Fatalf("prefix %q accepted", full[:i])
			}
		}
		if _, err := decodeRequest([]byte(full)); err != nil {
			t.Fatalf("full frame refused: %v", err)
		}
	}
}

func TestHasLoneSurrogate(t *testing.T) {
	for raw, want := range map[string]bool{
		`"plain"`:                false,
		`"\ud800"`:               true,
		`"\uDC00"`:               true,
		`"\ud800\udc00"`:         false,
		`"\uD800\uDC00\udc00"`:   true, // a pair, then a lone low one
		`"\ud800\u0041"`:         true,
		`"\\ud800"`:              false, // an escaped backslash, then text
		`"\\\ud800"`:             true,  // an escaped backslash, then a lone escape
		`"\ud7ff\ue000"`:         false,
		`"\ud800"` + ` "\udc00"`: true, // a pair must be adjacent in one string
		`"\ud83d\ude00"`:         false,
		`"\ud83d\ude0"`:          true, // truncated low escape
	} {
		if got := hasLoneSurrogate([]byte(raw)); got != want {
			t.Errorf("hasLoneSurrogate(%s) = %v, want %v", raw, got, want)
		}
	}
}

func TestEncode(t *testing.T) {
	ok := encodeOK("a", json.RawMessage(`{"x":1}`))
	if string(ok) != `{"v":1,"id":"a","type":"response","ok":true,"data":{"x":1}}` {
		t.Fatalf("ok response %s", ok)
	}
	bad := encodeError("", newError(CodeRateLimited))
	if string(bad) != `{"v":1,"type":"response","ok":false,"error":{"code":"rate_limited","message":"too many requests; slow down"}}` {
		t.Fatalf("error response %s", bad)
	}
	ev := appendEvent(eventPrefix(`chat."quoted"`), 42, json.RawMessage(`{"t":"<b>"}`))
	var f frame
	if err := json.Unmarshal(ev, &f); err != nil || f.Type != `chat."quoted"` || f.Seq != 42 || f.V != 1 {
		t.Fatalf("event %s: %+v %v", ev, f, err)
	}
	closed := sessionClosedFrame(CloseReasonSlowConsumer, true)
	if string(closed) != `{"v":1,"type":"session.closed","data":{"reason":"slow_consumer","resumable":true}}` {
		t.Fatalf("session.closed %s", closed)
	}
	for _, in := range []any{nil, json.RawMessage(nil), (*struct{})(nil)} {
		if got, err := marshalData(in); err != nil || string(got) != `{}` {
			t.Fatalf("marshalData(%#v) = %s, %v", in, got, err)
		}
	}
	if _, err := marshalData(json.RawMessage(`{bad`)); err == nil {
		t.Fatal("invalid raw JSON accepted")
	}
}

func BenchmarkDecodeRequest(b *testing.B) {
	raw := []byte(`{"v":1,"id":"abc","type":"monitor.start","data":{"conversation":"c1","mode":"listen"}}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeRequest(raw); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEvent(b *testing.B) {
	data := json.RawMessage(`{"conversation":"c1","state":"active"}`)
	b.ReportAllocs()
	for b.Loop() {
		_ = appendEvent(eventPrefix("conversation.updated"), 12345, data)
	}
}
