package main

import (
	"context"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/callcenter"
	"github.com/earshot/earshot/cluster"
	"github.com/earshot/earshot/signaling"
)

// connectCluster joins the cluster's NATS and buckets (cluster.nats_url is
// set). The node is listed once the server listens: startCluster.
func (a *app) connectCluster(ctx context.Context) (*cluster.Node, error) {
	log := a.log.With("component", "cluster")
	n, err := cluster.Connect(ctx, cluster.Params{
		Config: a.cfg.Cluster, Logger: log, SFU: a.sfu,
		OnNodeEvent: func(ev cluster.NodeEvent) {
			log.Info("cluster node "+ev.Kind.String(), "peer", ev.Node.ID, "state", ev.Node.State, "expired", ev.Expired, "signaling", ev.Node.SignalingURL)
		},
	})
	if err != nil {
		return nil, err
	}
	return n, nil
}

// routeSocket names the node that serves a user's socket: on a cluster, the
// home of the user's tenant (claimed for this node if it has none); "" is
// this node. Always "" on a single node.
func (a *app) routeSocket(ctx context.Context, id auth.Identity) (string, error) {
	if a.node == nil {
		return "", nil
	}
	ctx, cancel := context.WithTimeout(ctx, a.cfg.Cluster.HeartbeatTTL)
	defer cancel()
	rec, err := a.node.TenantHome(ctx, string(id.Tenant))
	if err != nil {
		return "", err
	}
	if rec.ID == a.node.ID() {
		return "", nil
	}
	return rec.SignalingURL, nil
}

// sessionObserver is the cluster's session record writer (nil on a single
// node: no records are kept).
func (a *app) sessionObserver() signaling.SessionObserver {
	if a.node == nil {
		return nil
	}
	return a.node.Sessions()
}

// takeOver rebuilds a tenant whose home node was lost: its sessions are
// adopted (waiting for their clients' resumes) and its conversations
// restored with the same parties and modes; each voice party re-offers as
// it resumes.
func (a *app) takeOver(_ context.Context, tenant string, from cluster.NodeID, sessions []signaling.SessionRecord, convs []cluster.ConversationRecord) {
	adopted := a.sig.Adopt(sessions)
	snaps := make([]callcenter.ConversationSnapshot, 0, len(convs))
	for _, r := range convs {
		snaps = append(snaps, r.Conversation)
	}
	res := a.center.Restore(snaps, string(from), func(id string) callcenter.Client {
		if s, ok := adopted[id]; ok {
			return s
		}
		return nil
	})
	for _, sn := range snaps {
		if !a.center.Live(sn.ID) {
			a.node.Conversations().ConversationEnded(sn.ID) // its record is stale
		}
	}
	a.log.Warn("tenant taken over", "tenant", tenant, "from", from, "sessions", len(adopted), "conversations", res.Restored, "dropped", res.Dropped)
}

// startCluster lists this node, serving, with the addresses it listens on.
func (a *app) startCluster(httpAddr net.Addr) error {
	if a.node == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), a.cfg.HTTP.ShutdownTimeout)
	defer cancel()
	return a.node.Start(ctx, cluster.Self{
		SignalingURL: a.signalingURL(httpAddr),
		MediaAddr:    a.mediaAddr(),
		Load:         a.load,
	})
}

// load is what placement compares: live conversations and media legs.
func (a *app) load() cluster.Load {
	l := cluster.Load{Legs: a.sfu.Stats().Legs}
	for _, byState := range a.center.Stats().Conversations {
		for _, n := range byState {
			l.Conversations += n
		}
	}
	return l
}

// drain moves the node to draining: readiness fails and the cluster
// directory shows it, so nothing new is placed here. SIGTERM and the admin
// API both come here.
func (a *app) drain(ctx context.Context) (cluster.NodeRecord, error) {
	a.draining.Store(true)
	if a.node == nil {
		return cluster.NodeRecord{}, nil
	}
	// Bounded by the heartbeat TTL: with NATS down the write would wait for
	// the whole shutdown budget, which the shutdown itself needs.
	ctx, cancel := context.WithTimeout(ctx, a.cfg.Cluster.HeartbeatTTL)
	defer cancel()
	rec, err := a.node.Drain(ctx)
	if err != nil {
		a.log.Warn("cluster drain", "err", err)
	}
	return rec, err
}

// finishLiveWork lets a draining cluster node finish what it carries — the
// media of conversations placed here and the conversations its domain runs —
// until they end or ctx (http.shutdown_timeout) is nearly over; whatever is
// left then is ended by the shutdown. New conversations are placed on other
// nodes meanwhile, and the node keeps serving its sockets. A single node
// has nowhere else to put new calls: it stops at once, as before.
func (a *app) finishLiveWork(ctx context.Context) {
	if a.node == nil {
		return
	}
	// Keep a part of the budget for the shutdown itself.
	deadline, ok := ctx.Deadline()
	if !ok {
		return
	}
	until := deadline.Add(-time.Until(deadline) / 5)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		l := a.load()
		if l.Legs == 0 && l.Conversations == 0 {
			return
		}
		if time.Now().After(until) {
			a.log.Warn("drain: shutdown timeout reached with live work; ending it", "conversations", l.Conversations, "legs", l.Legs)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// closeCluster leaves the cluster (after the domain closed).
func (a *app) closeCluster(ctx context.Context) {
	if a.node == nil {
		return
	}
	if err := a.node.Close(ctx); err != nil {
		a.log.Warn("cluster close", "err", err)
	}
}

// signalingURL is cluster.signaling_url, or ws:// on the address the HTTP
// server is bound to (its host name if bound to every interface).
func (a *app) signalingURL(httpAddr net.Addr) string {
	if u := a.cfg.Cluster.SignalingURL; u != "" {
		return u
	}
	return "ws://" + advertised(httpAddr) + "/ws"
}

// mediaAddr is the media UDP address as clients see it: the first public IP
// (NAT 1:1) if configured, else the bound address.
func (a *app) mediaAddr() string {
	addr := a.sfu.UDPAddr()
	if ips := a.cfg.Media.PublicIPs; len(ips) > 0 {
		if u, ok := addr.(*net.UDPAddr); ok {
			return net.JoinHostPort(ips[0], strconv.Itoa(u.Port))
		}
	}
	return advertised(addr)
}

// advertised is addr with an unspecified IP (0.0.0.0, ::) replaced by the
// host name, which other machines can resolve; a specific IP is kept.
func advertised(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return addr.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		if h, err := os.Hostname(); err == nil && h != "" {
			host = h
		}
	}
	return net.JoinHostPort(host, port)
}
