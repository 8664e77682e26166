package cluster

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/earshot/earshot/signaling"
)

// A tenant's domain — its agents, queues, conversations, monitors, help
// requests, its floor — runs on one node of the cluster, the tenant's home:
// routing to the longest-idle agent, the monitor limits and the floor feed
// then need no distributed agreement. Users connect to any node; the
// others bridge their sockets to the home (signaling's bridge). What
// spreads across the nodes is the heavy part: each conversation's media is
// placed on the least-loaded node (MediaPlane).
//
// The home is claimed in the tenants bucket with a compare-and-set: the
// first node a user of the tenant connects to creates the key; a node that
// finds the key naming a node no longer in the directory replaces it (only
// one replacement wins, by revision).

// tenantKey is a tenant's key in the tenants bucket: tenant ids may hold
// characters KV keys do not allow.
func tenantKey(tenant string) string {
	return "t_" + base64.RawURLEncoding.EncodeToString([]byte(tenant))
}

// maxClaimRounds bounds the compare-and-set retries of TenantHome: each
// lost round means another node just claimed, so the next read settles it.
const maxClaimRounds = 4

// Takeover rebuilds on this node a tenant whose home was lost, from what
// the old home recorded: its sessions and its conversations. It runs once
// per takeover, before any socket of the tenant is served here.
type Takeover func(ctx context.Context, tenant string, from NodeID, sessions []signaling.SessionRecord, convs []ConversationRecord)

// SetTakeover sets what TenantHome runs when this node takes a tenant over
// (call it before Start).
func (n *Node) SetTakeover(t Takeover) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.takeover = t
}

// TenantHome returns the node that runs tenant's domain, claiming the
// tenant for this node when no live node does. When this node takes a
// tenant over from a lost home (or from its own previous life: the key
// names this node id but this process never claimed it), the Takeover runs
// first, and every caller asking meanwhile waits for it.
func (n *Node) TenantHome(ctx context.Context, tenant string) (NodeRecord, error) {
	self, err := n.Self()
	if err != nil {
		return NodeRecord{}, err
	}
	key := tenantKey(tenant)
	for range maxClaimRounds {
		if err := n.waitTakeover(ctx, tenant); err != nil {
			return NodeRecord{}, err
		}
		e, err := n.tenants.Get(ctx, key)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			if _, err := n.tenants.Create(ctx, key, []byte(n.id)); err == nil {
				n.markHome(tenant)
				n.log.Info("tenant home claimed", "tenant", tenant)
				return self, nil
			} else if !errors.Is(err, jetstream.ErrKeyExists) {
				return NodeRecord{}, fmt.Errorf("cluster: claim tenant %s: %w", tenant, err)
			}
			continue
		}
		if err != nil {
			return NodeRecord{}, fmt.Errorf("cluster: tenant %s home: %w", tenant, err)
		}
		owner := NodeID(e.Value())
		if owner == n.id {
			if n.isHome(tenant) {
				return self, nil
			}
			// Claimed by this node id in an earlier life of the process.
			if n.startTakeover(tenant) {
				n.runTakeover(ctx, tenant, owner)
			}
			continue
		}
		if rec, ok := n.dir.Node(owner); ok {
			return rec, nil
		}
		// The home left the cluster: take the tenant over.
		if !n.startTakeover(tenant) {
			continue // another caller here is doing it: wait for it
		}
		if _, err := n.tenants.Update(ctx, key, []byte(n.id), e.Revision()); err != nil {
			n.endTakeover(tenant, false)
			continue // another node won the compare-and-set
		}
		n.log.Warn("tenant home taken over", "tenant", tenant, "from", owner)
		n.runTakeover(ctx, tenant, owner)
		return self, nil
	}
	return NodeRecord{}, fmt.Errorf("cluster: tenant %s home: still contended after %d rounds", tenant, maxClaimRounds)
}

// startTakeover reserves the takeover of tenant for the caller; false if
// one is already under way here.
func (n *Node) startTakeover(tenant string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.gates[tenant] != nil {
		return false
	}
	if n.gates == nil {
		n.gates = map[string]chan struct{}{}
	}
	n.gates[tenant] = make(chan struct{})
	return true
}

// runTakeover rebuilds the tenant from what from recorded, then opens the
// gate. A failure to read the records is logged: the tenant is served
// anyway, without what could not be read.
func (n *Node) runTakeover(ctx context.Context, tenant string, from NodeID) {
	sessions, convs, err := n.lostTenantState(ctx, tenant, from)
	if err != nil {
		n.log.Error("tenant takeover: records unreadable; serving without them", "tenant", tenant, "from", from, "err", err)
	}
	n.mu.Lock()
	t := n.takeover
	n.mu.Unlock()
	if t != nil {
		t(ctx, tenant, from, sessions, convs)
	}
	n.endTakeover(tenant, true)
}

// endTakeover opens the tenant's gate; home says this node now runs it.
func (n *Node) endTakeover(tenant string, home bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if g := n.gates[tenant]; g != nil {
		close(g)
		delete(n.gates, tenant)
	}
	if home {
		if n.homes == nil {
			n.homes = map[string]bool{}
		}
		n.homes[tenant] = true
	}
}

// waitTakeover waits for a takeover of tenant under way on this node.
func (n *Node) waitTakeover(ctx context.Context, tenant string) error {
	n.mu.Lock()
	g := n.gates[tenant]
	n.mu.Unlock()
	if g == nil {
		return nil
	}
	select {
	case <-g:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("cluster: tenant %s: waiting for its takeover: %w", tenant, ctx.Err())
	}
}

func (n *Node) markHome(tenant string) { n.endTakeover(tenant, true) }

func (n *Node) isHome(tenant string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.homes[tenant]
}
