package signaling

import (
	"errors"
	"testing"
)

func TestCloseReason(t *testing.T) {
	t.Run("round trip", func(t *testing.T) {
		seen := map[string]bool{}
		for r := CloseReasonClientClosed; int(r) < len(closeReasonNames); r++ {
			name := r.String()
			if name == "" || name == "unknown" || seen[name] {
				t.Fatalf("reason %d has name %q", r, name)
			}
			seen[name] = true
			got, err := ParseCloseReason(name)
			if err != nil || got != r {
				t.Fatalf("ParseCloseReason(%q) = %v, %v", name, got, err)
			}
			if len(name) > 123 {
				t.Fatalf("%q does not fit a close frame", name)
			}
		}
	})
	t.Run("unknown", func(t *testing.T) {
		if CloseReason(0) != CloseReasonUnknown || CloseReasonUnknown.String() != "unknown" {
			t.Fatal("zero value is not unknown")
		}
		if CloseReason(999).String() != "unknown" || CloseReason(-1).String() != "unknown" {
			t.Fatal("out of range is not unknown")
		}
		for _, raw := range []string{"unknown", "", "SlowConsumer"} {
			if _, err := ParseCloseReason(raw); !errors.Is(err, ErrUnknownCloseReason) {
				t.Fatalf("ParseCloseReason(%q): %v", raw, err)
			}
		}
	})
	t.Run("websocket codes", func(t *testing.T) {
		want := map[CloseReason]int{
			CloseReasonClientClosed:  1000,
			CloseReasonShutdown:      1001,
			CloseReasonBadFrame:      1003,
			CloseReasonInvalidUTF8:   1007,
			CloseReasonSlowConsumer:  1008,
			CloseReasonFrameTooLarge: 1009,
			CloseReasonUnknown:       1011,
		}
		for r, code := range want {
			if got := r.WebSocketCode(); got != code {
				t.Errorf("%s: code %d, want %d", r, got, code)
			}
		}
	})
}
