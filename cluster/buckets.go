package cluster

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// NodesBucket is the KV bucket of cluster's node directory: one key per
// node id, expiring heartbeat_ttl after the node's last write.
func NodesBucket(cluster string) string { return "earshot_" + cluster + "_nodes" }

// ConversationsBucket is the KV bucket of cluster's conversation directory:
// one key per live conversation id, written by its hosting node.
func ConversationsBucket(cluster string) string { return "earshot_" + cluster + "_conversations" }

// TenantsBucket is the KV bucket of cluster's tenant homes: one key per
// tenant (tenantKey), naming the node that runs the tenant's domain.
func TenantsBucket(cluster string) string { return "earshot_" + cluster + "_tenants" }

// openBuckets creates the cluster's buckets, or updates them to this node's
// settings. The node bucket's MaxAge is the heartbeat TTL, so the server
// itself removes the record of a node that stopped heartbeating (and a
// directory that starts later never sees it); the directory also expires
// records it stops hearing about, because a NATS server before 2.11 does
// not tell watchers that a key aged out.
func openBuckets(ctx context.Context, js jetstream.JetStream, cfg Config) (nodes, convs jetstream.KeyValue, err error) {
	nodes, err = js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      NodesBucket(cfg.Name),
		Description: "Earshot node directory of cluster " + cfg.Name,
		History:     1,
		TTL:         cfg.HeartbeatTTL,
		Storage:     jetstream.MemoryStorage, // liveness: nothing to keep across a NATS restart
	})
	if err != nil {
		return nil, nil, fmt.Errorf("node bucket %s: %w", NodesBucket(cfg.Name), err)
	}
	convs, err = js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      ConversationsBucket(cfg.Name),
		Description: "Earshot conversation directory of cluster " + cfg.Name,
		History:     1,
		Storage:     jetstream.FileStorage, // what a failover rebuilds from
	})
	if err != nil {
		return nil, nil, fmt.Errorf("conversation bucket %s: %w", ConversationsBucket(cfg.Name), err)
	}
	return nodes, convs, nil
}

func openTenantsBucket(ctx context.Context, js jetstream.JetStream, cfg Config) (jetstream.KeyValue, error) {
	return openFileBucket(ctx, js, TenantsBucket(cfg.Name), "Earshot tenant homes of cluster "+cfg.Name)
}

func openSessionsBucket(ctx context.Context, js jetstream.JetStream, cfg Config) (jetstream.KeyValue, error) {
	return openFileBucket(ctx, js, SessionsBucket(cfg.Name), "Earshot session records of cluster "+cfg.Name)
}

// openFileBucket creates or opens a bucket of records that must outlive
// their node (what a takeover rebuilds from).
func openFileBucket(ctx context.Context, js jetstream.JetStream, name, desc string) (jetstream.KeyValue, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: name, Description: desc, History: 1, Storage: jetstream.FileStorage,
	})
	if err != nil {
		return nil, fmt.Errorf("bucket %s: %w", name, err)
	}
	return kv, nil
}

// writeTimeout bounds one KV write.
const writeTimeout = 5 * time.Second
