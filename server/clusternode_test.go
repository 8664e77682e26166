package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/earshot/earshot/cluster"
)

func TestClusterConfig(t *testing.T) {
	def, err := LoadConfig(nil, envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if def.Cluster.Enabled() {
		t.Fatal("clustering is on by default: make run must not need NATS")
	}
	cfg, err := LoadConfig([]string{"-cluster-node-id", "edge-2", "-store", "postgres"}, envOf(map[string]string{
		"EARSHOT_STORE_DSN":             "postgres://db/earshot",
		"EARSHOT_CLUSTER_NATS_URL":      "nats://nats:4222",
		"EARSHOT_CLUSTER_NAME":          "eu",
		"EARSHOT_CLUSTER_NODE_ID":       "edge-1",
		"EARSHOT_CLUSTER_HEARTBEAT_TTL": "2s",
		"EARSHOT_CLUSTER_PLACEMENT":     "round_robin",
		"EARSHOT_CLUSTER_SIGNALING_URL": "wss://edge-2.example.com/ws",
	}))
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Cluster
	if c.NATSURL != "nats://nats:4222" || c.Name != "eu" || c.NodeID != "edge-2" || c.HeartbeatTTL != 2*time.Second ||
		c.Placement != "round_robin" || c.SignalingURL != "wss://edge-2.example.com/ws" {
		t.Fatalf("cluster config (flag beats env): %+v", c)
	}
	file := filepath.Join(t.TempDir(), "earshot.yaml")
	yaml := "store:\n  driver: postgres\n  dsn: postgres://db/earshot\ncluster:\n  nats_url: nats://nats:4222\n  name: us\n  heartbeat_ttl: 1500ms\n  placement: least_loaded\n"
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err = LoadConfig([]string{"-config", file}, envOf(map[string]string{"EARSHOT_CLUSTER_NAME": "eu"}))
	if err != nil {
		t.Fatal(err)
	}
	if c := cfg.Cluster; c.NATSURL != "nats://nats:4222" || c.Name != "eu" || c.HeartbeatTTL != 1500*time.Millisecond || c.NodeID != "" {
		t.Fatalf("cluster config from YAML (env beats file): %+v", c)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-cluster-nats-url", "nats://nats:4222", "-store", "postgres", "-store-dsn", "postgres://db/x", "-cluster-placement", "busiest"}, "placement"},
		{[]string{"-cluster-nats-url", "nats://nats:4222", "-store", "postgres", "-store-dsn", "postgres://db/x", "-cluster-heartbeat-ttl", "10ms"}, "heartbeat_ttl"},
	} {
		if _, err := LoadConfig(tc.args, envOf(nil)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v, want it to mention %q", tc.args, err, tc.want)
		}
	}
}

func TestClusteredNodeRefusesSQLite(t *testing.T) {
	_, err := LoadConfig([]string{"-cluster-nats-url", "nats://127.0.0.1:4222"}, envOf(nil))
	if !errors.Is(err, cluster.ErrNeedsSharedStore) {
		t.Fatalf("clustered node on the default SQLite: got %v, want ErrNeedsSharedStore", err)
	}
	// The process says why and exits before touching NATS or the data
	// directory.
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-cluster-nats-url", "nats://127.0.0.1:4222", "-data", t.TempDir()}, envOf(nil), &stdout, &stderr)
	if code != 2 || !strings.Contains(stderr.String(), "PostgreSQL") || !strings.Contains(stderr.String(), "sqlite") {
		t.Fatalf("exit %d, stderr %q: want 2 and a message naming SQLite and PostgreSQL", code, stderr.String())
	}
}
