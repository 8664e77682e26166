package cluster_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/earshot/earshot/cluster"
	"github.com/earshot/earshot/cluster/clustertest"
)

// events records a node's directory events.
type events struct {
	mu      sync.Mutex
	list    []cluster.NodeEvent
	changed chan struct{}
}

func newEvents() *events { return &events{changed: make(chan struct{})} }

func (e *events) add(ev cluster.NodeEvent) {
	e.mu.Lock()
	e.list = append(e.list, ev)
	close(e.changed)
	e.changed = make(chan struct{})
	e.mu.Unlock()
}

// wait returns the first event matching ok, failing the test at deadline.
func (e *events) wait(t *testing.T, within time.Duration, what string, ok func(cluster.NodeEvent) bool) cluster.NodeEvent {
	t.Helper()
	deadline := time.After(within)
	for {
		e.mu.Lock()
		for _, ev := range e.list {
			if ok(ev) {
				e.mu.Unlock()
				return ev
			}
		}
		c := e.changed
		e.mu.Unlock()
		select {
		case <-c:
		case <-deadline:
			t.Fatalf("no %s within %v; events: %+v", what, within, e.snapshot())
		}
	}
}

func (e *events) snapshot() []cluster.NodeEvent {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]cluster.NodeEvent(nil), e.list...)
}

func is(kind cluster.NodeEventKind, id cluster.NodeID) func(cluster.NodeEvent) bool {
	return func(ev cluster.NodeEvent) bool { return ev.Kind == kind && ev.Node.ID == id }
}

// testNode is a started node with its own NATS connection.
type testNode struct {
	*cluster.Node
	events *events
	legs   atomic.Int64 // the load it reports
}

type clusterEnv struct {
	url, name string
	ttl       time.Duration
}

func newClusterEnv(t *testing.T, ttl time.Duration) clusterEnv {
	url := clustertest.Require(t)
	return clusterEnv{url: url, name: clustertest.Name(t, url), ttl: ttl}
}

func (env clusterEnv) config(id string) cluster.Config {
	c := cluster.DefaultConfig()
	c.NATSURL, c.Name, c.NodeID, c.HeartbeatTTL = env.url, env.name, id, env.ttl
	return c
}

// connect connects a node without starting it (it watches, is not listed).
func (env clusterEnv) connect(t *testing.T, id string) *testNode {
	t.Helper()
	n := &testNode{events: newEvents()}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	node, err := cluster.Connect(ctx, cluster.Params{Config: env.config(id), Logger: quiet(), OnNodeEvent: n.events.add})
	if err != nil {
		t.Fatal(err)
	}
	n.Node = node
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = node.Close(ctx) // a killed node cannot say goodbye: errors are expected then
	})
	return n
}

// start connects and starts a node.
func (env clusterEnv) start(t *testing.T, id string) *testNode {
	t.Helper()
	n := env.connect(t, id)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err := n.Start(ctx, cluster.Self{
		SignalingURL: "ws://" + id + ".test/ws", MediaAddr: id + ".test:3478",
		Load: func() cluster.Load { return cluster.Load{Legs: int(n.legs.Load())} },
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// waitFor waits until cond holds, polling (the condition is another
// process's state), and fails at the deadline.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(10 * time.Millisecond) // polling interval, not synchronization
	}
}

func ids(nodes []cluster.NodeRecord) []cluster.NodeID {
	var out []cluster.NodeID
	for _, n := range nodes {
		out = append(out, n.ID)
	}
	return out
}
