package cluster_test

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/earshot/earshot/cluster"
	"github.com/earshot/earshot/cluster/clustertest"
)

func TestNodesSeeEachOtherJoin(t *testing.T) {
	env := newClusterEnv(t, 3*time.Second)
	a := env.start(t, "node-a")
	b := env.start(t, "node-b")
	c := env.start(t, "node-c")
	want := []cluster.NodeID{"node-a", "node-b", "node-c"}
	for _, n := range []*testNode{a, b, c} {
		waitFor(t, 10*time.Second, string(n.ID())+" lists all three nodes", func() bool {
			return slices.Equal(ids(n.Directory().Nodes()), want)
		})
	}
	// a was there first: it saw the other two join, as events.
	a.events.wait(t, 5*time.Second, "b joined", is(cluster.NodeJoined, "node-b"))
	a.events.wait(t, 5*time.Second, "c joined", is(cluster.NodeJoined, "node-c"))
	// Each record is what its node wrote.
	rec, ok := a.Directory().Node("node-b")
	if !ok || rec.SignalingURL != "ws://node-b.test/ws" || rec.MediaAddr != "node-b.test:3478" || rec.State != cluster.NodeServing || rec.StartedAt.IsZero() {
		t.Fatalf("node-b as node-a sees it: %+v", rec)
	}
}

func TestKilledNodeDisappearsWithinTTL(t *testing.T) {
	const ttl = time.Second
	env := newClusterEnv(t, ttl)
	a := env.start(t, "node-a")
	b := env.start(t, "node-b")
	a.events.wait(t, 10*time.Second, "b joined", is(cluster.NodeJoined, "node-b"))

	killed := time.Now()
	cluster.Kill(b.Node) // no goodbye: the record stays until it expires
	// The last heartbeat was at most ttl/3 before the kill, and the sweep
	// runs every ttl/10: the node is gone by ttl after the kill; the
	// margin is for a loaded machine.
	const margin = 2 * time.Second
	ev := a.events.wait(t, ttl+margin, "b left", is(cluster.NodeLeft, "node-b"))
	if !ev.Expired {
		t.Fatalf("a killed node left with a goodbye: %+v", ev)
	}
	if took := time.Since(killed); took > ttl+margin {
		t.Fatalf("the killed node was listed for %v after the kill (ttl %v)", took, ttl)
	}
	if _, ok := a.Directory().Node("node-b"); ok {
		t.Fatal("node-b still listed after it left")
	}
	// The server forgot it too (the bucket's MaxAge), so a node starting
	// now never sees it.
	kv := clustertest.Bucket(t, env.url, cluster.NodesBucket(env.name))
	waitFor(t, ttl+margin, "the server expired node-b's record", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_, err := kv.Get(ctx, "node-b")
		return errors.Is(err, jetstream.ErrKeyNotFound)
	})
	late := env.connect(t, "node-late")
	if got := ids(late.Directory().Nodes()); !slices.Equal(got, []cluster.NodeID{"node-a"}) {
		t.Fatalf("a node started after the kill lists %v, want [node-a]", got)
	}
	// a keeps heartbeating: it stays listed, record after record, past
	// several TTLs.
	since := time.Now().UTC()
	waitFor(t, 10*ttl, "node-a heartbeats for three TTLs", func() bool {
		rec, ok := late.Directory().Node("node-a")
		if !ok {
			t.Fatal("a live node dropped out of the directory")
		}
		return rec.UpdatedAt.After(since.Add(3 * ttl))
	})
}

func TestCleanLeaveIsSeenAtOnce(t *testing.T) {
	env := newClusterEnv(t, 30*time.Second) // expiry cannot be what removes it
	a := env.start(t, "node-a")
	b := env.start(t, "node-b")
	a.events.wait(t, 10*time.Second, "b joined", is(cluster.NodeJoined, "node-b"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := b.Close(ctx); err != nil {
		t.Fatal(err)
	}
	ev := a.events.wait(t, 5*time.Second, "b left", is(cluster.NodeLeft, "node-b"))
	if ev.Expired {
		t.Fatalf("a clean leave was seen as an expiry: %+v", ev)
	}
}

func TestDrainShowsAndPlacementSkipsIt(t *testing.T) {
	env := newClusterEnv(t, time.Second)
	a := env.start(t, "node-a")
	b := env.start(t, "node-b")
	a.legs.Store(40)
	b.legs.Store(2)
	// Heartbeats carry the load: a's placer picks the idle b.
	waitFor(t, 10*time.Second, "node-a places on the less loaded node-b", func() bool {
		n, err := a.Placer().Place()
		return err == nil && n.ID == "node-b"
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rec, err := b.Drain(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rec.State != cluster.NodeDraining {
		t.Fatalf("drain wrote %+v", rec)
	}
	ev := a.events.wait(t, 5*time.Second, "b draining", is(cluster.NodeStateChanged, "node-b"))
	if ev.Node.State != cluster.NodeDraining {
		t.Fatalf("state change: %+v", ev)
	}
	// Placement skips it from then on, however idle it is; and it stays
	// listed (draining), heartbeat after heartbeat.
	for range 5 {
		n, err := a.Placer().Place()
		if err != nil || n.ID != "node-a" {
			t.Fatalf("placed on %v (%v) while node-b drains; want node-a", n.ID, err)
		}
	}
	waitFor(t, 10*env.ttl, "node-b heartbeats for two TTLs after draining", func() bool {
		got, ok := a.Directory().Node("node-b")
		if !ok || got.State != cluster.NodeDraining {
			t.Fatalf("node-b after draining: %+v (listed %v), want draining", got, ok)
		}
		return got.UpdatedAt.After(rec.UpdatedAt.Add(2 * env.ttl))
	})
	// With every node draining, nothing can be placed.
	if _, err := a.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "no serving node left", func() bool {
		_, err := a.Placer().Place()
		return errors.Is(err, cluster.ErrNoServingNode)
	})
}

func TestDrainBeforeStart(t *testing.T) {
	env := newClusterEnv(t, time.Second)
	n := env.connect(t, "node-a")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := n.Drain(ctx); !errors.Is(err, cluster.ErrNotStarted) {
		t.Fatalf("drain before start: got %v, want ErrNotStarted", err)
	}
	if got := n.Directory().Nodes(); len(got) != 0 {
		t.Fatalf("a node that did not start is listed: %+v", got)
	}
}

func TestClosedNodeLeavesNoGoroutine(t *testing.T) {
	env := newClusterEnv(t, time.Second)
	before := runtime.NumGoroutine()
	n := env.start(t, "node-a")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.Close(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "goroutines back to the count before the node", func() bool {
		return runtime.NumGoroutine() <= before
	})
}

func TestDirectoryIgnoresBadRecords(t *testing.T) {
	env := newClusterEnv(t, 3*time.Second)
	watcher := env.connect(t, "watcher") // creates the buckets
	kv := clustertest.Bucket(t, env.url, cluster.NodesBucket(env.name))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for key, value := range map[string]string{
		"garbage":  `{"id":`,
		"imposter": `{"id":"node-a","state":"serving"}`,
	} {
		if _, err := kv.Put(ctx, key, []byte(value)); err != nil {
			t.Fatal(err)
		}
	}
	env.start(t, "node-a")
	watcher.events.wait(t, 10*time.Second, "node-a joined", is(cluster.NodeJoined, "node-a"))
	if got := ids(watcher.Directory().Nodes()); !slices.Equal(got, []cluster.NodeID{"node-a"}) {
		t.Fatalf("listed %v, want only [node-a]", got)
	}
	for _, ev := range watcher.events.snapshot() {
		if ev.Node.ID != "node-a" {
			t.Fatalf("an event for a bad record: %+v", ev)
		}
	}
}
