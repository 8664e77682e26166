package cluster

import (
	"encoding/json"
	"testing"
)

func TestNodeStateJSON(t *testing.T) {
	for _, s := range []NodeState{NodeServing, NodeDraining} {
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var back NodeState
		if err := json.Unmarshal(b, &back); err != nil || back != s {
			t.Fatalf("%s: round trip gave %v (%v)", s, back, err)
		}
	}
	var s NodeState
	if err := json.Unmarshal([]byte(`"hibernating"`), &s); err != nil || s != NodeStateUnknown {
		t.Fatalf("a state from a newer node: got %v, %v; want unknown, nil", s, err)
	}
	if _, err := ParseNodeState("unknown"); err == nil {
		t.Fatal("parsed the unknown state")
	}
}
