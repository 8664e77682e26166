package cluster

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
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

// TenantHome returns the node that runs tenant's domain, claiming the
// tenant for this node when no live node does. The node must be started.
func (n *Node) TenantHome(ctx context.Context, tenant string) (NodeRecord, error) {
	self, err := n.Self()
	if err != nil {
		return NodeRecord{}, err
	}
	key := tenantKey(tenant)
	for range maxClaimRounds {
		e, err := n.tenants.Get(ctx, key)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			if _, err := n.tenants.Create(ctx, key, []byte(n.id)); err == nil {
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
			return self, nil
		}
		if rec, ok := n.dir.Node(owner); ok {
			return rec, nil
		}
		// The home left the cluster: take the tenant over.
		if _, err := n.tenants.Update(ctx, key, []byte(n.id), e.Revision()); err == nil {
			n.log.Warn("tenant home taken over", "tenant", tenant, "from", owner)
			return self, nil
		}
	}
	return NodeRecord{}, fmt.Errorf("cluster: tenant %s home: still contended after %d rounds", tenant, maxClaimRounds)
}
