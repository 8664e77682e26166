package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/earshot/earshot/media"
)

// Params configures Connect.
type Params struct {
	Config Config
	Logger *slog.Logger
	// OnNodeEvent, if set, is called for each join, leave and state change
	// in the node directory (see DirectoryParams.OnEvent).
	OnNodeEvent func(NodeEvent)
	// SFU, if set, is this node's media plane: the node hosts media groups
	// other nodes place on it, and Media places this node's conversations
	// across the cluster.
	SFU *media.SFU
}

// Self is what this node tells the cluster about itself.
type Self struct {
	SignalingURL string
	MediaAddr    string
	// Load reads the node's load at each heartbeat; it must be cheap.
	Load func() Load
}

// Node is this server's membership of a cluster: its NATS connection, the
// node directory it watches and heartbeats into, and the conversation
// directory it writes. Connect it before the domain is built (the domain
// writes through Conversations), Start it once the server listens.
type Node struct {
	cfg   Config
	id    NodeID
	log   *slog.Logger
	nc    *nats.Conn
	nodes jetstream.KeyValue
	// tenants maps each tenant to its home node (tenants.go).
	tenants jetstream.KeyValue
	// sessions and convKV hold what a takeover of a tenant rebuilds from.
	sessions jetstream.KeyValue
	convKV   jetstream.KeyValue
	sessW    *SessionWriter
	dir      *Directory
	convs    *ConversationWriter
	placer   *Placer
	host     *mediaHost  // nil without an SFU
	media    *MediaPlane // nil without an SFU

	mu     sync.Mutex
	member *member // nil until Start
	closed bool
	// takeover, gates and homes belong to TenantHome (tenants.go): what to
	// run when taking a tenant over, the takeovers under way (closed when
	// done), and the tenants this process runs.
	takeover Takeover
	gates    map[string]chan struct{}
	homes    map[string]bool
}

// Connect joins the NATS server, creates or opens the cluster's buckets and
// loads the node directory. The node is not listed until Start.
func Connect(ctx context.Context, p Params) (*Node, error) {
	cfg := p.Config
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if !cfg.Enabled() {
		return nil, fmt.Errorf("%w: cluster.nats_url is not set", ErrBadConfig)
	}
	log := p.Logger
	if log == nil {
		log = slog.Default()
	}
	policy, _ := ParsePolicy(cfg.Placement) // validated
	n := &Node{cfg: cfg, id: NodeID(cfg.nodeID())}
	n.log = log.With("node", n.id)
	nc, err := nats.Connect(cfg.NATSURL,
		nats.Name("earshot "+string(n.id)),
		nats.MaxReconnects(-1), // a NATS restart must not take the node out for good
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil { // nil: our own Close
				n.log.Warn("NATS disconnected", "err", err)
			}
		}),
		nats.ReconnectHandler(func(c *nats.Conn) { n.log.Info("NATS reconnected", "url", c.ConnectedUrlRedacted()) }),
	)
	if err != nil {
		return nil, fmt.Errorf("cluster: connect to NATS %s: %w", redactURL(cfg.NATSURL), err)
	}
	n.nc = nc
	js, err := jetstream.New(nc)
	if err == nil {
		var convs jetstream.KeyValue
		if n.nodes, convs, err = openBuckets(ctx, js, cfg); err == nil {
			n.convKV = convs
			if n.tenants, err = openTenantsBucket(ctx, js, cfg); err == nil {
				n.sessions, err = openSessionsBucket(ctx, js, cfg)
			}
		}
		if err == nil {
			n.dir, err = NewDirectory(ctx, DirectoryParams{KV: n.nodes, TTL: cfg.HeartbeatTTL, OnEvent: func(ev NodeEvent) { n.nodeEvent(ev, p.OnNodeEvent) }, Logger: n.log})
			if err == nil {
				n.convs = newConversationWriter(convs, n.id, n.log)
				n.sessW = newSessionWriter(n.sessions, n.id, n.log)
			}
		}
	}
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("cluster %s: %w (is JetStream enabled on %s?)", cfg.Name, err, redactURL(cfg.NATSURL))
	}
	n.placer, _ = NewPlacer(policy, n.dir)
	if p.SFU != nil {
		if err := n.startMedia(p.SFU); err != nil {
			n.dir.Close()
			nc.Close()
			return nil, err
		}
	}
	return n, nil
}

// startMedia serves other nodes' media requests and places this node's.
func (n *Node) startMedia(sfu *media.SFU) error {
	host, err := startMediaHost(n.nc, n.cfg.Name, n.id, sfu, n.log.With("part", "media host"))
	if err != nil {
		return err
	}
	plane, err := newMediaPlane(n, sfu)
	if err != nil {
		host.close()
		return err
	}
	n.mu.Lock()
	n.host, n.media = host, plane
	n.mu.Unlock()
	return nil
}

// nodeEvent acts on a directory change, then tells the caller's handler. A
// node that left takes its media with it: the groups this node controls
// there are lost (re-offered elsewhere), the groups it controlled here
// are closed.
func (n *Node) nodeEvent(ev NodeEvent, then func(NodeEvent)) {
	if ev.Kind == NodeLeft && ev.Node.ID != n.id {
		n.mu.Lock()
		host, plane := n.host, n.media
		n.mu.Unlock()
		if plane != nil {
			plane.nodeLost(ev.Node.ID)
		}
		if host != nil {
			go host.controlLost(ev.Node.ID)
		}
	}
	if then != nil {
		then(ev)
	}
}

// Sessions is the session record writer: hand it to signaling as its
// SessionObserver.
func (n *Node) Sessions() *SessionWriter { return n.sessW }

// Media is the domain's media plane on this node (nil without an SFU).
func (n *Node) Media() *MediaPlane { return n.media }

// ID is this node's id.
func (n *Node) ID() NodeID { return n.id }

// Directory is the live list of the cluster's nodes.
func (n *Node) Directory() *Directory { return n.dir }

// Placer picks the node for a new conversation, by the configured policy.
func (n *Node) Placer() *Placer { return n.placer }

// Conversations is the conversation directory writer: hand it to the
// domain as its callcenter.Mirror.
func (n *Node) Conversations() *ConversationWriter { return n.convs }

// Start lists the node as serving and starts its heartbeat.
func (n *Node) Start(ctx context.Context, self Self) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.member != nil || n.closed {
		return fmt.Errorf("cluster: start node %s: already started or closed", n.id)
	}
	if self.Load == nil {
		self.Load = func() Load { return Load{} }
	}
	m, err := startMember(ctx, memberParams{
		kv: n.nodes,
		rec: NodeRecord{
			ID: n.id, SignalingURL: self.SignalingURL, MediaAddr: self.MediaAddr,
			State: NodeServing, StartedAt: time.Now().UTC(),
		},
		load:     self.Load,
		interval: n.cfg.HeartbeatTTL / 3,
		log:      n.log,
	})
	if err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	n.member = m
	peers := 0
	for _, rec := range n.dir.Nodes() {
		if rec.ID != n.id {
			peers++
		}
	}
	n.log.Info("joined the cluster", "cluster", n.cfg.Name, "signaling", self.SignalingURL, "media", self.MediaAddr, "peers", peers)
	return nil
}

// Drain lists the node as draining: placement gives it no new
// conversation. It returns the record as written.
func (n *Node) Drain(ctx context.Context) (NodeRecord, error) {
	n.mu.Lock()
	m := n.member
	n.mu.Unlock()
	if m == nil {
		return NodeRecord{}, ErrNotStarted
	}
	rec, err := m.setState(ctx, NodeDraining)
	if err != nil {
		return rec, fmt.Errorf("cluster: drain: %w", err)
	}
	n.log.Info("draining: no new conversations are placed here")
	return rec, nil
}

// Self returns this node's record as last written.
func (n *Node) Self() (NodeRecord, error) {
	n.mu.Lock()
	m := n.member
	n.mu.Unlock()
	if m == nil {
		return NodeRecord{}, ErrNotStarted
	}
	return m.record(), nil
}

// Close leaves the cluster cleanly: it writes the conversation records
// still queued (close the domain first, so their ends are deleted), deletes
// the node's record and closes the NATS connection. Bounded by ctx.
func (n *Node) Close(ctx context.Context) error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	m := n.member
	n.mu.Unlock()
	var errs []error
	if n.media != nil {
		n.media.close()
		n.host.close()
	}
	if err := n.convs.Close(ctx); err != nil {
		errs = append(errs, err)
	}
	if err := n.sessW.Close(ctx); err != nil {
		errs = append(errs, err)
	}
	if m != nil {
		if err := m.leave(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	n.dir.Close()
	n.nc.Close() // every write above was acknowledged: nothing is in flight
	return errors.Join(errs...)
}
