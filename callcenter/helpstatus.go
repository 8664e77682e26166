package callcenter

import (
	"fmt"
	"strings"
)

// HelpStatus is where a help request is in its life.
type HelpStatus int

// Help request statuses.
const (
	HelpUnknown HelpStatus = iota
	// HelpOpen: raised, waiting for a supervisor to accept it.
	HelpOpen
	// HelpInProgress: a supervisor accepted it (HelpProvidedBy).
	HelpInProgress
	// HelpClosed: help was given and the request closed, by the agent or
	// because the conversation moved on.
	HelpClosed
	// HelpCancelled: withdrawn before anyone accepted it, by the agent or
	// because the conversation was transferred or ended.
	HelpCancelled
)

var helpStatusNames = [...]string{
	HelpUnknown:    "unknown",
	HelpOpen:       "open",
	HelpInProgress: "in_progress",
	HelpClosed:     "closed",
	HelpCancelled:  "cancelled",
}

// String returns the wire name of the status.
func (s HelpStatus) String() string {
	if s < 0 || int(s) >= len(helpStatusNames) {
		return helpStatusNames[HelpUnknown]
	}
	return helpStatusNames[s]
}

// ParseHelpStatus turns a wire name into a HelpStatus.
func ParseHelpStatus(raw string) (HelpStatus, error) {
	for s, name := range helpStatusNames {
		if s != int(HelpUnknown) && strings.EqualFold(raw, name) {
			return HelpStatus(s), nil
		}
	}
	return HelpUnknown, fmt.Errorf("help status %q: %w", raw, errUnknownHelpStatus)
}

// MarshalText makes statuses appear by name in JSON.
func (s HelpStatus) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText parses a status name; unknown names give HelpUnknown.
func (s *HelpStatus) UnmarshalText(b []byte) error {
	v, err := ParseHelpStatus(string(b))
	if err != nil {
		v = HelpUnknown
	}
	*s = v
	return nil
}

// active reports whether the request still counts as the agent's open one.
func (s HelpStatus) active() bool { return s == HelpOpen || s == HelpInProgress }
