package cluster

import "fmt"

// NodeState is what a node accepts.
type NodeState int

// Node states.
const (
	NodeStateUnknown NodeState = iota
	// NodeServing: the node takes new conversations.
	NodeServing
	// NodeDraining: the node takes no new conversations and keeps its
	// live ones until they end or it shuts down.
	NodeDraining
)

var nodeStateNames = [...]string{
	NodeStateUnknown: "unknown",
	NodeServing:      "serving",
	NodeDraining:     "draining",
}

// String returns the wire name of the state.
func (s NodeState) String() string {
	if s < 0 || int(s) >= len(nodeStateNames) {
		return nodeStateNames[NodeStateUnknown]
	}
	return nodeStateNames[s]
}

// ParseNodeState turns a wire name into a NodeState.
func ParseNodeState(raw string) (NodeState, error) {
	for s, name := range nodeStateNames {
		if s != int(NodeStateUnknown) && raw == name {
			return NodeState(s), nil
		}
	}
	return NodeStateUnknown, fmt.Errorf("node state %q: %w", raw, errUnknownNodeState)
}

// MarshalText makes states appear by name in JSON.
func (s NodeState) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText parses a state name; unknown names give NodeStateUnknown (a
// newer node's state an older one does not know is not an error).
func (s *NodeState) UnmarshalText(b []byte) error {
	v, err := ParseNodeState(string(b))
	if err != nil {
		v = NodeStateUnknown
	}
	*s = v
	return nil
}
