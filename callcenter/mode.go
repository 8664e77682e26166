package callcenter

import (
	"fmt"
	"strings"
)

// Mode is how a supervisor takes part in a conversation.
type Mode int

// Supervisor modes. A monitor always starts in ModeListen.
const (
	ModeUnknown Mode = iota
	// ModeListen: hears customer and agent; heard by nobody.
	ModeListen
	// ModeWhisper: hears customer and agent; heard by the agent (and other
	// supervisors), never by the customer.
	ModeWhisper
	// ModeBarge: a full participant; everyone hears them.
	ModeBarge
)

var modeNames = [...]string{
	ModeUnknown: "unknown",
	ModeListen:  "listen",
	ModeWhisper: "whisper",
	ModeBarge:   "barge",
}

// String returns the wire name of the mode.
func (m Mode) String() string {
	if m < 0 || int(m) >= len(modeNames) {
		return modeNames[ModeUnknown]
	}
	return modeNames[m]
}

// ParseMode turns a wire name into a Mode.
func ParseMode(raw string) (Mode, error) {
	for m, name := range modeNames {
		if m != int(ModeUnknown) && strings.EqualFold(raw, name) {
			return Mode(m), nil
		}
	}
	return ModeUnknown, fmt.Errorf("mode %q: %w", raw, errUnknownMode)
}

// MarshalText makes modes appear by name in JSON.
func (m Mode) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText parses a mode name.
func (m *Mode) UnmarshalText(b []byte) error {
	if string(b) == "unknown" {
		*m = ModeUnknown
		return nil
	}
	v, err := ParseMode(string(b))
	*m = v
	return err
}
