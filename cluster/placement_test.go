package cluster

import (
	"errors"
	"testing"
)

type staticNodes []NodeRecord

func (s staticNodes) Nodes() []NodeRecord { return s }

func node(id string, st NodeState, legs, convs int) NodeRecord {
	return NodeRecord{ID: NodeID(id), State: st, Load: Load{Legs: legs, Conversations: convs}}
}

func place(t *testing.T, p *Placer) NodeID {
	t.Helper()
	n, err := p.Place()
	if err != nil {
		t.Fatal(err)
	}
	return n.ID
}

func TestLeastLoaded(t *testing.T) {
	nodes := staticNodes{
		node("a", NodeServing, 30, 10),
		node("b", NodeDraining, 0, 0), // idle, but draining
		node("c", NodeServing, 12, 6),
		node("d", NodeStateUnknown, 0, 0),
		node("e", NodeServing, 14, 7),
	}
	p, err := NewPlacer(PolicyLeastLoaded, nodes)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 { // the same directory gives the same answer
		if got := place(t, p); got != "c" {
			t.Fatalf("placed on %s, want c (least loaded serving)", got)
		}
	}
	// A tie goes to the lowest id.
	tie := staticNodes{node("y", NodeServing, 2, 1), node("x", NodeServing, 1, 2)}
	p, _ = NewPlacer(PolicyLeastLoaded, tie)
	if got := place(t, p); got != "x" {
		t.Fatalf("tie placed on %s, want x", got)
	}
}

func TestRoundRobin(t *testing.T) {
	nodes := staticNodes{node("c", NodeServing, 50, 50), node("a", NodeServing, 0, 0), node("b", NodeDraining, 0, 0)}
	p, err := NewPlacer(PolicyRoundRobin, nodes)
	if err != nil {
		t.Fatal(err)
	}
	var got []NodeID
	for range 4 {
		got = append(got, place(t, p))
	}
	if want := []NodeID{"a", "c", "a", "c"}; !equalIDs(got, want) {
		t.Fatalf("round robin: got %v, want %v", got, want)
	}
}

func equalIDs(a, b []NodeID) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestNoServingNode(t *testing.T) {
	for _, policy := range []Policy{PolicyLeastLoaded, PolicyRoundRobin} {
		p, _ := NewPlacer(policy, staticNodes{node("a", NodeDraining, 0, 0)})
		if _, err := p.Place(); !errors.Is(err, ErrNoServingNode) {
			t.Fatalf("%s with only a draining node: got %v, want ErrNoServingNode", policy, err)
		}
		p, _ = NewPlacer(policy, staticNodes{})
		if _, err := p.Place(); !errors.Is(err, ErrNoServingNode) {
			t.Fatalf("%s with no node: got %v, want ErrNoServingNode", policy, err)
		}
	}
}

func TestParsePolicy(t *testing.T) {
	for _, p := range []Policy{PolicyLeastLoaded, PolicyRoundRobin} {
		got, err := ParsePolicy(p.String())
		if err != nil || got != p {
			t.Fatalf("%s: got %v, %v", p, got, err)
		}
	}
	if _, err := ParsePolicy("unknown"); err == nil {
		t.Fatal("parsed the unknown policy")
	}
	if _, err := NewPlacer(PolicyUnknown, staticNodes{}); err == nil {
		t.Fatal("a placer without a policy")
	}
}
