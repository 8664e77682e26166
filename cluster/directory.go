package cluster

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// NodeEventKind says what happened to a node in the directory.
type NodeEventKind int

// Node event kinds.
const (
	NodeEventUnknown NodeEventKind = iota
	// NodeJoined: a node appeared (started, or came back after its record
	// had expired).
	NodeJoined
	// NodeLeft: a node said goodbye, or missed its heartbeats for the TTL.
	NodeLeft
	// NodeStateChanged: a node went from serving to draining (or back).
	NodeStateChanged
)

var nodeEventKindNames = [...]string{
	NodeEventUnknown: "unknown",
	NodeJoined:       "joined",
	NodeLeft:         "left",
	NodeStateChanged: "state_changed",
}

// String names the kind.
func (k NodeEventKind) String() string {
	if k < 0 || int(k) >= len(nodeEventKindNames) {
		return nodeEventKindNames[NodeEventUnknown]
	}
	return nodeEventKindNames[k]
}

// NodeEvent is a change in the node directory.
type NodeEvent struct {
	Kind NodeEventKind
	// Node is the node's record: the last one known for NodeLeft.
	Node NodeRecord
	// Expired is set on NodeLeft when the node stopped heartbeating
	// (rather than deleting its record at a clean stop).
	Expired bool
}

// DirectoryParams configures a Directory.
type DirectoryParams struct {
	// KV is the cluster's node bucket.
	KV jetstream.KeyValue
	// TTL is how long a node stays listed after its last heartbeat.
	TTL time.Duration
	// OnEvent, if set, is called for each join, leave and state change, in
	// order, from the directory's goroutine. It must not block.
	OnEvent func(NodeEvent)
	Logger  *slog.Logger
}

// Directory is the live list of a cluster's nodes. It watches the node
// bucket; a node whose record has not been rewritten for the TTL is dropped
// (the bucket's MaxAge removes it on the server too). Safe for concurrent
// use.
type Directory struct {
	p       DirectoryParams
	watcher jetstream.KeyWatcher

	mu    sync.Mutex
	nodes map[NodeID]*liveNode

	ready    chan struct{} // closed once the initial records are loaded
	stop     chan struct{}
	stopOnce sync.Once
	done     chan struct{}
}

type liveNode struct {
	rec  NodeRecord
	seen time.Time // local time the latest record was received
}

// NewDirectory starts watching the node bucket and returns once the records
// already there are loaded (or ctx ends).
func NewDirectory(ctx context.Context, p DirectoryParams) (*Directory, error) {
	if p.Logger == nil {
		p.Logger = slog.Default()
	}
	if p.TTL <= 0 {
		return nil, fmt.Errorf("directory: %w: the TTL must be positive", ErrBadConfig)
	}
	// The watcher lives as long as the Directory, not as long as ctx.
	w, err := p.KV.WatchAll(context.WithoutCancel(ctx))
	if err != nil {
		return nil, fmt.Errorf("watch node directory: %w", err)
	}
	d := &Directory{p: p, watcher: w, nodes: map[NodeID]*liveNode{}, ready: make(chan struct{}), stop: make(chan struct{}), done: make(chan struct{})}
	go d.run()
	select {
	case <-d.ready:
		return d, nil
	case <-d.done:
		return nil, fmt.Errorf("watch node directory: the watch ended before the initial records")
	case <-ctx.Done():
		d.Close()
		return nil, fmt.Errorf("watch node directory: %w", ctx.Err())
	}
}

func (d *Directory) run() {
	defer close(d.done)
	sweep := time.NewTicker(max(d.p.TTL/10, 20*time.Millisecond))
	defer sweep.Stop()
	initial := true
	for {
		select {
		case <-d.stop:
			return
		case e, ok := <-d.watcher.Updates():
			if !ok {
				return
			}
			if e == nil { // the initial records are all in
				if initial {
					initial = false
					close(d.ready)
				}
				continue
			}
			d.apply(e, initial)
		case <-sweep.C:
			d.expire(time.Now())
		}
	}
}

// apply takes in one KV entry.
func (d *Directory) apply(e jetstream.KeyValueEntry, initial bool) {
	now := time.Now()
	id := NodeID(e.Key())
	if e.Operation() != jetstream.KeyValuePut {
		d.mu.Lock()
		n := d.nodes[id]
		delete(d.nodes, id)
		d.mu.Unlock()
		if n != nil {
			d.emit(NodeEvent{Kind: NodeLeft, Node: n.rec})
		}
		return
	}
	rec, err := decodeNode(e.Key(), e.Value())
	if err != nil {
		d.p.Logger.Warn("ignoring a bad node record", "err", err)
		return
	}
	// A live update is as fresh as its arrival (no clock comparison across
	// machines); a record loaded at start is as old as the server says,
	// within the TTL the bucket enforces.
	seen := now
	if initial {
		seen = clampTime(e.Created(), now.Add(-d.p.TTL), now)
	}
	d.mu.Lock()
	old := d.nodes[id]
	d.nodes[id] = &liveNode{rec: rec, seen: seen}
	d.mu.Unlock()
	switch {
	case old == nil:
		d.emit(NodeEvent{Kind: NodeJoined, Node: rec})
	case old.rec.State != rec.State:
		d.emit(NodeEvent{Kind: NodeStateChanged, Node: rec})
	}
}

func clampTime(t, lo, hi time.Time) time.Time {
	if t.Before(lo) {
		return lo
	}
	if t.After(hi) {
		return hi
	}
	return t
}

// expire drops the nodes not heard from for the TTL.
func (d *Directory) expire(now time.Time) {
	var gone []NodeRecord
	d.mu.Lock()
	for id, n := range d.nodes {
		if now.Sub(n.seen) > d.p.TTL {
			delete(d.nodes, id)
			gone = append(gone, n.rec)
		}
	}
	d.mu.Unlock()
	slices.SortFunc(gone, func(a, b NodeRecord) int { return strings.Compare(string(a.ID), string(b.ID)) })
	for _, rec := range gone {
		d.emit(NodeEvent{Kind: NodeLeft, Node: rec, Expired: true})
	}
}

func (d *Directory) emit(ev NodeEvent) {
	if d.p.OnEvent != nil {
		d.p.OnEvent(ev)
	}
}

// Nodes returns the live nodes, by id.
func (d *Directory) Nodes() []NodeRecord {
	d.mu.Lock()
	out := make([]NodeRecord, 0, len(d.nodes))
	for _, n := range d.nodes {
		out = append(out, n.rec)
	}
	d.mu.Unlock()
	slices.SortFunc(out, func(a, b NodeRecord) int { return strings.Compare(string(a.ID), string(b.ID)) })
	return out
}

// Node returns one live node.
func (d *Directory) Node(id NodeID) (NodeRecord, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	n, ok := d.nodes[id]
	if !ok {
		return NodeRecord{}, false
	}
	return n.rec, true
}

// Close stops watching. Idempotent.
func (d *Directory) Close() {
	d.stopOnce.Do(func() {
		close(d.stop)
		_ = d.watcher.Stop()
	})
	<-d.done
}
