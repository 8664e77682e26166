package callcenter

import (
	"fmt"
	"strings"
)

// AgentState is an agent's availability as routing and the floor see it.
type AgentState int

// Agent states. Busy is never set by the agent: it follows from having a
// conversation (or one being offered).
const (
	AgentUnknown AgentState = iota
	AgentReady
	AgentNotReady
	AgentBusy
	// AgentOffline: no connected session.
	AgentOffline
)

var agentStateNames = [...]string{
	AgentUnknown:  "unknown",
	AgentReady:    "ready",
	AgentNotReady: "not_ready",
	AgentBusy:     "busy",
	AgentOffline:  "offline",
}

// String returns the wire name of the state.
func (s AgentState) String() string {
	if s < 0 || int(s) >= len(agentStateNames) {
		return agentStateNames[AgentUnknown]
	}
	return agentStateNames[s]
}

// MarshalText makes states appear by name in JSON.
func (s AgentState) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// ParseAgentState parses a state an agent may choose: ready or not_ready.
func ParseAgentState(raw string) (AgentState, error) {
	switch strings.ToLower(raw) {
	case "ready":
		return AgentReady, nil
	case "not_ready":
		return AgentNotReady, nil
	}
	return AgentUnknown, fmt.Errorf("agent state %q: %w", raw, ErrBadAgentState)
}

// UnmarshalText parses any state name; unknown names give AgentUnknown.
func (s *AgentState) UnmarshalText(b []byte) error {
	*s = AgentUnknown
	for i, name := range agentStateNames {
		if name == string(b) {
			*s = AgentState(i)
		}
	}
	return nil
}
