package cluster

import (
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
)

// Policy is how a Placer picks a node.
type Policy int

// Placement policies.
const (
	PolicyUnknown Policy = iota
	// PolicyLeastLoaded picks the serving node with the lowest load
	// (legs + conversations); ties go to the lowest node id, so every node
	// that asks with the same directory gets the same answer.
	PolicyLeastLoaded
	// PolicyRoundRobin takes the serving nodes in id order, one after the
	// other, whatever their load.
	PolicyRoundRobin
)

var policyNames = [...]string{
	PolicyUnknown:     "unknown",
	PolicyLeastLoaded: "least_loaded",
	PolicyRoundRobin:  "round_robin",
}

// String returns the configuration name of the policy.
func (p Policy) String() string {
	if p < 0 || int(p) >= len(policyNames) {
		return policyNames[PolicyUnknown]
	}
	return policyNames[p]
}

// ParsePolicy turns a configuration name into a Policy.
func ParsePolicy(raw string) (Policy, error) {
	for p, name := range policyNames {
		if p != int(PolicyUnknown) && strings.EqualFold(raw, name) {
			return Policy(p), nil
		}
	}
	return PolicyUnknown, fmt.Errorf("%q (use least_loaded or round_robin): %w", raw, errUnknownPolicy)
}

// NodeLister gives the live nodes; a Directory is one.
type NodeLister interface {
	Nodes() []NodeRecord
}

// Placer picks the node a new conversation goes to. Draining (and unknown)
// nodes never get one. Safe for concurrent use.
type Placer struct {
	policy Policy
	nodes  NodeLister
	next   atomic.Uint64 // round robin position
}

// NewPlacer returns a Placer choosing among nodes by policy.
func NewPlacer(policy Policy, nodes NodeLister) (*Placer, error) {
	if policy <= PolicyUnknown || int(policy) >= len(policyNames) {
		return nil, fmt.Errorf("placer: %w", errUnknownPolicy)
	}
	return &Placer{policy: policy, nodes: nodes}, nil
}

// Policy returns the placer's policy.
func (p *Placer) Policy() Policy { return p.policy }

// Place returns the serving node a new conversation should go to, or
// ErrNoServingNode.
func (p *Placer) Place() (NodeRecord, error) { return p.placeFrom(p.nodes.Nodes()) }

// placeFrom is Place among the given nodes (the directory's, with load the
// caller adjusted).
func (p *Placer) placeFrom(nodes []NodeRecord) (NodeRecord, error) {
	var serving []NodeRecord
	for _, n := range nodes {
		if n.State == NodeServing {
			serving = append(serving, n)
		}
	}
	if len(serving) == 0 {
		return NodeRecord{}, ErrNoServingNode
	}
	slices.SortFunc(serving, func(a, b NodeRecord) int { return strings.Compare(string(a.ID), string(b.ID)) })
	if p.policy == PolicyRoundRobin {
		i := (p.next.Add(1) - 1) % uint64(len(serving))
		return serving[i], nil
	}
	best := serving[0]
	for _, n := range serving[1:] {
		if n.Load.score() < best.Load.score() {
			best = n
		}
	}
	return best, nil
}
