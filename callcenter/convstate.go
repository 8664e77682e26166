package callcenter

// ConvState is where a conversation is in its life.
type ConvState int

// Conversation states.
const (
	ConvUnknown ConvState = iota
	// ConvQueued: waiting in its queue for a Ready agent.
	ConvQueued
	// ConvOffered: offered to one agent, waiting for accept.
	ConvOffered
	// ConvActive: an agent is connected.
	ConvActive
	// ConvEnded: over. Parties learn it from conversation.ended, never from
	// a view; ended conversations leave the live state at once.
	ConvEnded
)

var convStateNames = [...]string{
	ConvUnknown: "unknown",
	ConvQueued:  "queued",
	ConvOffered: "offered",
	ConvActive:  "active",
	ConvEnded:   "ended",
}

// String returns the wire name of the state.
func (s ConvState) String() string {
	if s < 0 || int(s) >= len(convStateNames) {
		return convStateNames[ConvUnknown]
	}
	return convStateNames[s]
}

// MarshalText makes states appear by name in JSON.
func (s ConvState) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText parses a state name; unknown names give ConvUnknown.
func (s *ConvState) UnmarshalText(b []byte) error {
	*s = ConvUnknown
	for i, name := range convStateNames {
		if name == string(b) {
			*s = ConvState(i)
		}
	}
	return nil
}
