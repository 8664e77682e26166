package cluster

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestConfigOffByDefault(t *testing.T) {
	c := DefaultConfig()
	if c.Enabled() {
		t.Fatal("clustering is on by default")
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("default config: %v", err)
	}
	if err := c.CheckStore("sqlite"); err != nil {
		t.Fatalf("a single node on SQLite refused: %v", err)
	}
	if c.HeartbeatTTL != 3*time.Second || c.Placement != "least_loaded" || c.Name != "earshot" {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestConfigValidate(t *testing.T) {
	on := func(f func(*Config)) Config {
		c := DefaultConfig()
		c.NATSURL = "nats://127.0.0.1:4222"
		f(&c)
		return c
	}
	if err := on(func(*Config) {}).Validate(); err != nil {
		t.Fatalf("valid config refused: %v", err)
	}
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"url", on(func(c *Config) { c.NATSURL = "127.0.0.1:4222" }), "nats_url"},
		{"name", on(func(c *Config) { c.Name = "a.b" }), "cluster.name"},
		{"empty name", on(func(c *Config) { c.Name = "" }), "cluster.name"},
		{"node id", on(func(c *Config) { c.NodeID = "node 1" }), "cluster.node_id"},
		{"short ttl", on(func(c *Config) { c.HeartbeatTTL = 100 * time.Millisecond }), "heartbeat_ttl"},
		{"long ttl", on(func(c *Config) { c.HeartbeatTTL = time.Hour }), "heartbeat_ttl"},
		{"policy", on(func(c *Config) { c.Placement = "random" }), "least_loaded or round_robin"},
	} {
		err := tc.cfg.Validate()
		if !errors.Is(err, ErrBadConfig) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want ErrBadConfig mentioning %q", tc.name, err, tc.want)
		}
	}
}

func TestClusterRefusesSQLite(t *testing.T) {
	c := DefaultConfig()
	c.NATSURL = "nats://127.0.0.1:4222"
	err := c.CheckStore("sqlite")
	if !errors.Is(err, ErrNeedsSharedStore) || !strings.Contains(err.Error(), "PostgreSQL") {
		t.Fatalf("clustered node on SQLite: got %v, want ErrNeedsSharedStore", err)
	}
	if err := c.CheckStore("postgres"); err != nil {
		t.Fatalf("clustered node on PostgreSQL refused: %v", err)
	}
}

func TestNATSCredentialsStayOutOfMessages(t *testing.T) {
	c := DefaultConfig()
	c.NATSURL = "nats://earshot:s3cret@127.0.0.1:1"
	if got := redactURL(c.NATSURL); strings.Contains(got, "s3cret") || !strings.Contains(got, "127.0.0.1:1") {
		t.Fatalf("redacted %q", got)
	}
	_, err := Connect(context.Background(), Params{Config: c, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err == nil {
		t.Fatal("connected to a closed port")
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("the error shows the NATS password: %v", err)
	}
}

func TestDefaultNodeID(t *testing.T) {
	a, b := DefaultConfig().nodeID(), DefaultConfig().nodeID()
	if a == b {
		t.Fatalf("two starts got the same node id %q", a)
	}
	for _, id := range []string{a, b} {
		if !nodeIDRE.MatchString(id) {
			t.Fatalf("default node id %q is not a valid key", id)
		}
	}
	c := DefaultConfig()
	c.NodeID = "edge-1"
	if got := c.nodeID(); got != "edge-1" {
		t.Fatalf("configured node id: got %q", got)
	}
}
