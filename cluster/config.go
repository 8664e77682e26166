package cluster

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"
)

// Config is the cluster section of the server configuration (YAML
// `cluster:`, env EARSHOT_CLUSTER_*, flags -cluster-*; README.md).
// Clustering is off unless NATSURL is set.
type Config struct {
	// NATSURL is the NATS server (JetStream enabled), e.g.
	// nats://127.0.0.1:4222. Empty: a single node that never touches NATS.
	NATSURL string `yaml:"nats_url"`
	// Name names the cluster: the nodes of one cluster share its buckets.
	Name string `yaml:"name"`
	// NodeID names this node in the directory. Empty: the host name and a
	// random suffix, new at every start.
	NodeID string `yaml:"node_id"`
	// HeartbeatTTL is how long a node stays in the directory after its
	// last heartbeat; it heartbeats three times per TTL. Every node of a
	// cluster must use the same value.
	HeartbeatTTL time.Duration `yaml:"heartbeat_ttl"`
	// Placement is the placement policy: least_loaded or round_robin.
	Placement string `yaml:"placement"`
	// SignalingURL is the WebSocket URL other nodes and clients reach this
	// node's signaling at. Empty: ws://<http listen address>/ws.
	SignalingURL string `yaml:"signaling_url"`
}

// DefaultConfig is clustering off, with the defaults it uses when turned on.
func DefaultConfig() Config {
	return Config{Name: "earshot", HeartbeatTTL: 3 * time.Second, Placement: PolicyLeastLoaded.String()}
}

// Enabled reports whether the node joins a cluster.
func (c Config) Enabled() bool { return c.NATSURL != "" }

// Limits of the heartbeat TTL: below the minimum a loaded machine misses
// heartbeats; above the maximum a dead node lingers for too long.
const (
	MinHeartbeatTTL = 500 * time.Millisecond
	MaxHeartbeatTTL = time.Minute
)

// Names become bucket names and KV keys: letters, digits, - and _ only.
var (
	clusterNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)
	nodeIDRE      = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
)

// Validate checks the settings that matter when clustering is on.
func (c Config) Validate() error {
	if !c.Enabled() {
		return nil
	}
	if !strings.Contains(c.NATSURL, "://") {
		return fmt.Errorf("%w: cluster.nats_url %q: use nats://host:port", ErrBadConfig, redactURL(c.NATSURL))
	}
	if !clusterNameRE.MatchString(c.Name) {
		return fmt.Errorf("%w: cluster.name %q: 1-32 letters, digits, - or _", ErrBadConfig, c.Name)
	}
	if c.NodeID != "" && !nodeIDRE.MatchString(c.NodeID) {
		return fmt.Errorf("%w: cluster.node_id %q: 1-64 letters, digits, - or _", ErrBadConfig, c.NodeID)
	}
	if c.HeartbeatTTL < MinHeartbeatTTL || c.HeartbeatTTL > MaxHeartbeatTTL {
		return fmt.Errorf("%w: cluster.heartbeat_ttl %v: between %v and %v", ErrBadConfig, c.HeartbeatTTL, MinHeartbeatTTL, MaxHeartbeatTTL)
	}
	if _, err := ParsePolicy(c.Placement); err != nil {
		return fmt.Errorf("%w: cluster.placement: %w", ErrBadConfig, err)
	}
	return nil
}

// CheckStore refuses a clustered node on any store but PostgreSQL.
func (c Config) CheckStore(driver string) error {
	if c.Enabled() && driver != "postgres" {
		return fmt.Errorf("store driver %q: %w", driver, ErrNeedsSharedStore)
	}
	return nil
}

// redactURL is a NATS URL without its credentials, for logs and errors.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	if u.User != nil {
		u.User = url.User("REDACTED")
	}
	return u.String()
}

// nodeID is the configured id, or the host name and a random suffix.
func (c Config) nodeID() string {
	if c.NodeID != "" {
		return c.NodeID
	}
	host, _ := os.Hostname()
	host = strings.Map(func(r rune) rune {
		if r < 128 && nodeIDRE.MatchString(string(r)) {
			return r
		}
		return '-'
	}, host)
	if len(host) > 40 {
		host = host[:40]
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	if host == "" {
		return "node-" + hex.EncodeToString(b[:])
	}
	return host + "-" + hex.EncodeToString(b[:])
}
