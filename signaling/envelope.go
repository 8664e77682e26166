package signaling

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"unicode/utf8"
)

// ProtocolVersion is the value of "v" in every frame of this protocol.
const ProtocolVersion = 1

// Limits of the envelope. Ids are chosen by clients, so they are bounded
// before they are echoed back or logged.
const (
	maxIDChars   = 64
	maxTypeChars = 64
)

// Transport request types: handled here, never passed to Handler.Handle.
const (
	TypeAuth         = "auth"
	TypeResume       = "session.resume"
	TypeRefresh      = "auth.refresh"
	TypeSessionClose = "session.close"
	TypePing         = "ping"
)

// EventSessionClosed is the last event a socket receives before the server
// closes it (when the queue allows it). It is not numbered and never replayed.
const EventSessionClosed = "session.closed"

// typeResponse is the "type" of every response frame.
const typeResponse = "response"

// request is one client frame:
// {"v":1,"id":"<1..64 chars>","type":"<name>","data":{...}}.
type request struct {
	V    int             `json:"v"`
	ID   string          `json:"id"`
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

// response is the server's answer to one request.
type response struct {
	V     int             `json:"v"`
	ID    string          `json:"id,omitempty"`
	Type  string          `json:"type"`
	OK    bool            `json:"ok"`
	Data  json.RawMessage `json:"data,omitempty"`
	Error *wireError      `json:"error,omitempty"`
}

type wireError struct {
	Code    Code   `json:"code"`
	Message string `json:"message"`
}

// emptyObject is the data of a successful response whose handler returned nil,
// so that clients can always read response.data as an object.
var emptyObject = json.RawMessage(`{}`)

// decodeRequest parses and validates one text frame. On failure it returns
// the protocol error to answer with, and the request holds whatever id could
// be recovered (empty if none could, or if the id itself is invalid), so the
// caller can decide between an error response and closing the socket.
func decodeRequest(raw []byte) (request, *Error) {
	var req request
	err := json.Unmarshal(raw, &req)
	var typeErr *json.UnmarshalTypeError
	if err != nil && !errors.As(err, &typeErr) {
		return request{ID: salvageID(raw)}, newError(CodeBadFrame)
	}
	if hasLoneSurrogate(raw) {
		// The decoder has already replaced the surrogate with U+FFFD in
		// req: nothing of req may be used, only an id that is itself clean.
		return request{ID: salvageID(raw)}, newError(CodeMessageInvalid)
	}
	if typeErr != nil {
		// Well-formed JSON with a field of the wrong type: the other fields
		// were still decoded.
		req.ID = validIDOrEmpty(req.ID)
		return req, Errorf(CodeBadRequest, "field %q has the wrong type", typeErr.Field)
	}
	if req.V != ProtocolVersion {
		req.ID = validIDOrEmpty(req.ID)
		return req, newError(CodeUnsupportedVersion)
	}
	if !validID(req.ID) {
		req.ID = ""
		return req, Errorf(CodeBadRequest, "id must be 1 to %d characters", maxIDChars)
	}
	if n := utf8.RuneCountInString(req.Type); n == 0 || n > maxTypeChars {
		return req, Errorf(CodeBadRequest, "type must be 1 to %d characters", maxTypeChars)
	}
	if len(req.Data) == 0 || bytes.Equal(req.Data, []byte("null")) {
		req.Data = nil
	}
	return req, nil
}

// hasLoneSurrogate reports whether raw, a syntactically valid JSON text,
// holds a \uXXXX escape of a UTF-16 surrogate (D800-DFFF) that is not a
// high surrogate directly followed by a low one. Such an escape names no
// character; encoding/json silently decodes it as U+FFFD, so it must be
// found in the raw bytes. Backslashes occur only inside strings in valid
// JSON, so no string tracking is needed.
func hasLoneSurrogate(raw []byte) bool {
	for i := 0; i+1 < len(raw); i++ {
		if raw[i] != '\\' {
			continue
		}
		if raw[i+1] != 'u' {
			i++ // a two-byte escape such as \\ or \"
			continue
		}
		r, ok := hex4(raw[i+2:])
		if !ok {
			continue // not valid JSON; the decoder reports it
		}
		switch {
		case r >= 0xDC00 && r <= 0xDFFF:
			return true
		case r >= 0xD800 && r <= 0xDBFF:
			if i+12 > len(raw) || raw[i+6] != '\\' || raw[i+7] != 'u' {
				return true
			}
			lo, ok := hex4(raw[i+8:])
			if !ok || lo < 0xDC00 || lo > 0xDFFF {
				return true
			}
			i += 11
		default:
			i += 5
		}
	}
	return false
}

// hex4 parses the four hex digits at the start of b.
func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

func validID(id string) bool {
	n := utf8.RuneCountInString(id)
	return n > 0 && n <= maxIDChars
}

func validIDOrEmpty(id string) string {
	if validID(id) {
		return id
	}
	return ""
}

// salvageID reads the top-level "id" of a frame that is refused as a whole
// (e.g. truncated after the id, or holding a lone surrogate elsewhere), so
// that the error can still be correlated by the client. It scans tokens and
// stops at the first syntax error; nested objects are skipped. An id that
// is itself invalid (too long, or a lone surrogate) is not returned.
func salvageID(raw []byte) string {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return ""
	}
	for dec.More() {
		keyTok, err := dec.Token()
		if err != nil {
			return ""
		}
		key, ok := keyTok.(string)
		if !ok {
			return ""
		}
		if key == "id" {
			start := dec.InputOffset()
			valTok, err := dec.Token()
			if err != nil || hasLoneSurrogate(raw[start:dec.InputOffset()]) {
				return ""
			}
			id, _ := valTok.(string)
			return validIDOrEmpty(id)
		}
		if err := skipValue(dec); err != nil {
			return ""
		}
	}
	return ""
}

// skipValue consumes one JSON value (scalar, object or array) from dec.
func skipValue(dec *json.Decoder) error {
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}

// marshalData encodes response or event data; nil becomes {}.
func marshalData(data any) (json.RawMessage, error) {
	if data == nil {
		return emptyObject, nil
	}
	if raw, ok := data.(json.RawMessage); ok && len(raw) > 0 {
		if !json.Valid(raw) {
			return nil, errors.New("invalid raw JSON data")
		}
		return raw, nil
	}
	b, err := json.Marshal(data)
	if err != nil {
		return nil, err
	}
	if bytes.Equal(b, []byte("null")) {
		return emptyObject, nil
	}
	return b, nil
}

// encodeOK builds a successful response frame around already encoded data.
func encodeOK(id string, data json.RawMessage) []byte {
	b, _ := json.Marshal(response{V: ProtocolVersion, ID: id, Type: typeResponse, OK: true, Data: data})
	return b
}

// encodeError builds an error response frame. id may be empty when the
// request's id could not be read.
func encodeError(id string, e *Error) []byte {
	b, _ := json.Marshal(response{
		V: ProtocolVersion, ID: id, Type: typeResponse,
		Error: &wireError{Code: e.Code, Message: e.Message},
	})
	return b
}

// eventPrefix is the part of an event frame before its seq:
// {"v":1,"type":"<name>","seq":
// It is built outside the session lock; the seq is appended under it.
func eventPrefix(name string) []byte {
	quoted, _ := json.Marshal(name)
	b := make([]byte, 0, 32+len(quoted))
	b = append(b, `{"v":1,"type":`...)
	b = append(b, quoted...)
	b = append(b, `,"seq":`...)
	return b
}

// appendEvent completes an event frame: prefix, seq and data.
func appendEvent(prefix []byte, seq uint64, data json.RawMessage) []byte {
	b := make([]byte, 0, len(prefix)+24+len(data))
	b = append(b, prefix...)
	b = strconv.AppendUint(b, seq, 10)
	b = append(b, `,"data":`...)
	b = append(b, data...)
	b = append(b, '}')
	return b
}

// sessionClosedFrame is the final, unnumbered event sent before a close frame.
// resumable tells the client whether session.resume can still succeed.
func sessionClosedFrame(reason CloseReason, resumable bool) []byte {
	b, _ := json.Marshal(struct {
		V    int    `json:"v"`
		Type string `json:"type"`
		Data any    `json:"data"`
	}{
		V: ProtocolVersion, Type: EventSessionClosed,
		Data: struct {
			Reason    string `json:"reason"`
			Resumable bool   `json:"resumable"`
		}{reason.String(), resumable},
	})
	return b
}
