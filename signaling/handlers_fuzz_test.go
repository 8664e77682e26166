package signaling

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/earshot/earshot/callcenter"
)

// dataDecoder decodes one request type's data exactly as its route (or,
// for transport requests, the socket) does before anything is acted on,
// and returns what was decoded.
type dataDecoder func(data json.RawMessage) (any, error)

// decodeAs is the route decoder of types validated by check().
func decodeAs[T interface{ check() error }]() dataDecoder {
	return func(data json.RawMessage) (any, error) { return decodeCheck[T](data) }
}

// decodeThen adds the value parsing a route does after decodeCheck.
func decodeThen[T interface{ check() error }](parse func(T) error) dataDecoder {
	return func(data json.RawMessage) (any, error) {
		v, err := decodeCheck[T](data)
		if err != nil {
			return v, err
		}
		return v, parse(v)
	}
}

// emptyData is the decoder of requests that take no data.
func emptyData(data json.RawMessage) (any, error) {
	var v struct{}
	return v, decode(data, &v)
}

// transportData is the decoder of auth, session.resume and auth.refresh.
func transportData[T any](data json.RawMessage) (any, error) {
	var v T
	if err := decodeData(data, &v); err != nil {
		return v, err
	}
	return v, nil
}

// requestDecoders lists every request type a socket accepts with its data
// decoder. TestEveryRequestTypeIsFuzzed keeps it complete.
var requestDecoders = map[string]dataDecoder{
	TypeAuth:    transportData[tokenData],
	TypeRefresh: transportData[tokenData],
	TypeResume:  transportData[resumeData],
	"agent.set_state": decodeThen(func(r agentStateReq) error {
		_, err := callcenter.ParseAgentState(r.State)
		return errIf(err, callcenter.ErrBadAgentState)
	}),
	"floor.agents":        emptyData,
	"floor.conversations": emptyData,
	"queues.list":         emptyData,
	"conversation.start": decodeThen(func(r startReq) error {
		_, err := callcenter.ParseChannel(r.Channel)
		return errIf(err, callcenter.ErrBadChannel)
	}),
	"conversation.accept":  decodeAs[acceptReq](),
	"conversation.reoffer": decodeAs[acceptReq](),
	"conversation.dial": decodeThen(func(r dialReq) error {
		_, err := callcenter.ParseChannel(r.Channel)
		return errIf(err, callcenter.ErrBadChannel)
	}),
	"conversation.answer":           decodeAs[acceptReq](),
	"conversation.decline":          decodeAs[conversationRef](),
	"conversation.end":              decodeAs[conversationRef](),
	"conversation.transcript":       decodeAs[conversationRef](),
	"conversation.transfer_targets": decodeAs[conversationRef](),
	"conversation.hold":             decodeAs[toggle](),
	"conversation.mute":             decodeAs[toggle](),
	"conversation.talk_back":        decodeAs[toggle](),
	"conversation.transfer":         decodeAs[transferReq](),
	"conversation.candidate":        decodeAs[candidateReq](),
	"recording.start":               decodeAs[conversationRef](),
	"recording.stop":                decodeAs[conversationRef](),
	"chat.send": decodeThen(func(r chatReq) error {
		_, err := callcenter.ParseMessageKind(r.Kind)
		return errIf(err, Errorf(CodeBadRequest, "kind must be public or whisper"))
	}),
	"monitor.start": decodeAs[monitorReq](),
	"monitor.set_mode": decodeThen(func(r modeReq) error {
		_, err := callcenter.ParseMode(r.Mode)
		return errIf(err, callcenter.ErrBadMode)
	}),
	"monitor.leave":     decodeAs[conversationRef](),
	"monitor.take_over": decodeAs[conversationRef](),
	"help.raise":        decodeAs[helpRaiseReq](),
	"help.accept":       decodeAs[helpRef](),
	"help.cancel":       decodeAs[helpRef](),
	"help.close":        decodeAs[helpRef](),
	"help.list":         emptyData,
	"help.mute":         decodeAs[helpMuteReq](),
	"conversation.pci":  decodeAs[toggle](),
	"monitor.watch": decodeThen(func(r watchReq) error {
		_, err := callcenter.ParseWatchScope(r.Scope)
		return err
	}),
	"monitor.unwatch": decodeAs[watchRef](),
	"monitor.watches": emptyData,
	"monitor.connect": decodeAs[connectReq](),
	"health.mute":     decodeAs[helpMuteReq](),
	"health.settings": emptyData,
}

func errIf(err, as error) error {
	if err != nil {
		return as
	}
	return nil
}

// requestDataCodes are the codes a request may be refused with before the
// domain acts on it.
var requestDataCodes = map[Code]bool{
	CodeBadRequest: true, "bad_channel": true, "bad_agent_state": true, "bad_mode": true,
}

// TestEveryRequestTypeIsFuzzed: a route added without a decoder in
// requestDecoders would escape FuzzRequestData.
func TestEveryRequestTypeIsFuzzed(t *testing.T) {
	d := NewDispatcher(DispatcherParams{})
	for typ := range d.routes {
		if requestDecoders[typ] == nil {
			t.Errorf("request type %q has no decoder in requestDecoders", typ)
		}
	}
	for typ := range requestDecoders {
		if d.routes[typ] == nil && typ != TypeAuth && typ != TypeRefresh && typ != TypeResume {
			t.Errorf("requestDecoders names %q, which no route handles", typ)
		}
	}
}

// FuzzRequestData fuzzes the data of every request type, chosen by name.
// Data a route accepts must be within its limits (check passes) and
// survive a round trip; data it refuses must carry a stable code and a
// bounded message. A type no route knows must be refused as unknown_type
// without reaching the domain.
func FuzzRequestData(f *testing.F) {
	for typ, data := range map[string]string{
		TypeAuth:                 `{"token":"eyJhbGciOiJIUzI1NiJ9.e30.c2ln"}`,
		TypeResume:               `{"token":"t","resume_token":"AAAA","last_seq":18446744073709551615}`,
		"agent.set_state":        `{"state":"ready"}`,
		"floor.agents":           `{}`,
		"conversation.start":     `{"queue":"support","channel":"voice","offer":"v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"}`,
		"conversation.dial":      `{"customer_id":"carla","channel":"chat"}`,
		"conversation.accept":    `{"conversation_id":"6f1c2a4e-9d0b-4e8f-a1b2-c3d4e5f60718","offer":""}`,
		"conversation.hold":      `{"conversation_id":"c1","on":true}`,
		"conversation.reoffer":   `{"conversation_id":"c1","offer":"v=0\r\n"}`,
		"conversation.transfer":  `{"conversation_id":"c1","to_agent":"alice"}`,
		"conversation.candidate": `{"conversation_id":"c1","candidate":{"candidate":"candidate:1 1 udp 2122260223 192.168.1.2 54321 typ host","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":"abcd"}}`,
		"chat.send":              `{"conversation_id":"c1","kind":"whisper","text":"<script>alert(1)</script>"}`,
		"monitor.start":          `{"conversation_id":"c1","reason":"quality","offer":"v=0\r\n"}`,
		"monitor.set_mode":       `{"conversation_id":"c1","mode":"barge"}`,
		"monitor.watch":          `{"agent":"alex","scope":"all","reason":"new hire"}`,
		"monitor.unwatch":        `{"watch_id":"w1"}`,
		"monitor.connect":        `{"conversation_id":"c1","offer":"v=0\r\n"}`,
		"conversation.pci":       `{"conversation_id":"c1","on":true}`,
		"help.raise":             `{"conversation_id":"c1","reason":"angry customer","comment":"please join"}`,
		"help.accept":            `{"help_request_id":"h1"}`,
		"help.mute":              `{"on":false}`,
		"health.mute":            `{"on":true}`,
		"conversation.mute":      `{"conversation_id":"c1","on":null}`,
		"conversation.end":       `{"conversation_id":"c1","extra":1}`,
		"floor.conversations":    `{"a":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}`,
		"no.such.type":           `{}`,
	} {
		f.Add(typ, []byte(data))
	}
	d := NewDispatcher(DispatcherParams{})
	f.Fuzz(func(t *testing.T, typ string, data []byte) {
		dec := requestDecoders[typ]
		if dec == nil {
			if d.routes[typ] != nil {
				t.Fatalf("route %q has no decoder", typ)
			}
			// nil session and center: an unknown type must not reach either.
			_, err := d.Handle(context.Background(), nil, typ, data)
			if pe := AsError(err); pe == nil || pe.Code != CodeUnknownType {
				t.Fatalf("unknown type %q: %v", typ, err)
			}
			return
		}
		v, err := dec(data)
		if err != nil {
			pe := AsError(err)
			if !requestDataCodes[pe.Code] {
				t.Fatalf("%s refused with code %q: %v", typ, pe.Code, err)
			}
			// A message may quote a field name, never the whole input.
			if len(pe.Message) > 200+len(data)/4 && len(pe.Message) > 200 {
				t.Fatalf("%s: message of %d bytes for %d bytes of data", typ, len(pe.Message), len(data))
			}
			return
		}
		if c, ok := v.(interface{ check() error }); ok {
			if err := c.check(); err != nil {
				t.Fatalf("accepted value fails its own check: %v", err)
			}
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("marshal accepted %T: %v", v, err)
		}
		again, err := dec(b)
		if err != nil {
			t.Fatalf("%s: re-encoded data %s refused: %v", typ, b, err)
		}
		if !reflect.DeepEqual(v, again) {
			t.Fatalf("%s: round trip changed the data:\n%#v\n%#v", typ, v, again)
		}
	})
}

// TestRequestDecodersRefuseUnknownFields pins the strictness the fuzz
// target relies on: domain requests refuse unknown fields (a misspelt field
// never silently does nothing).
func TestRequestDecodersRefuseUnknownFields(t *testing.T) {
	types := make([]string, 0, len(requestDecoders))
	for typ := range requestDecoders {
		types = append(types, typ)
	}
	slices.Sort(types)
	for _, typ := range types {
		if strings.HasPrefix(typ, "auth") || typ == TypeResume {
			continue // transport requests ignore unknown fields
		}
		_, err := requestDecoders[typ](json.RawMessage(`{"no_such_field":1}`))
		var pe *Error
		if !errors.As(err, &pe) || pe.Code != CodeBadRequest {
			t.Errorf("%s: %v", typ, err)
		}
	}
}
