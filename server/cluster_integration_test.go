package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/cluster"
	"github.com/earshot/earshot/cluster/clustertest"
	"github.com/earshot/earshot/store/postgres"
)

// usePostgres points cfg at a fresh schema of the test PostgreSQL, dropped
// when the test ends; it skips the test (fails it under
// EARSHOT_REQUIRE_POSTGRES=1) when no server is reachable.
func usePostgres(t *testing.T, cfg *Config) {
	t.Helper()
	dsn := os.Getenv("EARSHOT_TEST_POSTGRES_DSN")
	if dsn == "" {
		dsn = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "earshot_test_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	st, err := postgres.Open(ctx, postgres.Params{DSN: dsn, Schema: schema, MaxConns: 2})
	if err != nil {
		msg := "PostgreSQL not reachable (set EARSHOT_TEST_POSTGRES_DSN): " + err.Error()
		if os.Getenv("EARSHOT_REQUIRE_POSTGRES") == "1" {
			t.Fatalf("%s; EARSHOT_REQUIRE_POSTGRES=1 requires it", msg)
		}
		t.Skipf("SKIP: %s; set EARSHOT_REQUIRE_POSTGRES=1 to make this a failure", msg)
	}
	_ = st.Close()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := postgres.DropSchema(ctx, dsn, schema); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	cfg.Store.Driver, cfg.Store.DSN, cfg.Store.Schema = "postgres", dsn, schema
}

// dirWatcher watches a cluster's node directory from a connection of its own
// (connected, never started: it is not a node of the cluster).
type dirWatcher struct {
	node *cluster.Node

	mu      sync.Mutex
	events  []cluster.NodeEvent
	changed chan struct{}
}

func watchDirectory(t *testing.T, url, name string) *dirWatcher {
	t.Helper()
	o := &dirWatcher{changed: make(chan struct{})}
	cfg := cluster.DefaultConfig()
	cfg.NATSURL, cfg.Name, cfg.NodeID = url, name, "observer"
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	n, err := cluster.Connect(ctx, cluster.Params{Config: cfg, Logger: discardLogger(), OnNodeEvent: func(ev cluster.NodeEvent) {
		o.mu.Lock()
		o.events = append(o.events, ev)
		close(o.changed)
		o.changed = make(chan struct{})
		o.mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	o.node = n
	t.Cleanup(func() { _ = n.Close(context.Background()) })
	return o
}

func (o *dirWatcher) wait(t *testing.T, kind cluster.NodeEventKind, id cluster.NodeID) cluster.NodeEvent {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		o.mu.Lock()
		for _, ev := range o.events {
			if ev.Kind == kind && ev.Node.ID == id {
				o.mu.Unlock()
				return ev
			}
		}
		c := o.changed
		o.mu.Unlock()
		select {
		case <-c:
		case <-deadline:
			t.Fatalf("no %s event for %s within 15s", kind, id)
		}
	}
}

// startClusteredServer starts a server on PostgreSQL joined to a cluster of
// its own, and an dirWatcher of that cluster.
func startClusteredServer(t *testing.T, nodeID string) (*testServer, *dirWatcher) {
	t.Helper()
	url := clustertest.Require(t)
	name := clustertest.Name(t, url)
	obs := watchDirectory(t, url, name)
	ts := startServer(t, func(c *Config) {
		usePostgres(t, c)
		c.Cluster.NATSURL, c.Cluster.Name, c.Cluster.NodeID = url, name, nodeID
	})
	return ts, obs
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestClusteredNodeJoinsAndDrainsOnShutdown(t *testing.T) {
	ts, obs := startClusteredServer(t, "srv-1")
	joined := obs.wait(t, cluster.NodeJoined, "srv-1")
	rec := joined.Node
	if rec.State != cluster.NodeServing || rec.SignalingURL != ts.ws || rec.MediaAddr != ts.a.sfu.UDPAddr().String() {
		t.Fatalf("the node's record: %+v (want serving at %s, media %s)", rec, ts.ws, ts.a.sfu.UDPAddr())
	}
	if code, _ := get(t, ts.base+"/readyz"); code != http.StatusOK {
		t.Fatalf("readyz %d while serving", code)
	}
	ts.shutdown(t) // what SIGTERM does
	if ev := obs.wait(t, cluster.NodeStateChanged, "srv-1"); ev.Node.State != cluster.NodeDraining {
		t.Fatalf("state change at shutdown: %+v, want draining", ev.Node)
	}
	if ev := obs.wait(t, cluster.NodeLeft, "srv-1"); ev.Expired {
		t.Fatal("a clean shutdown left by expiry, not by goodbye")
	}
}

func clusterRequest(t *testing.T, method, url, token string, into any) int {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if into != nil {
		if err := json.Unmarshal(b, into); err != nil {
			t.Fatalf("%s %s: %v in %s", method, url, err, b)
		}
	}
	return resp.StatusCode
}

type apiErr struct {
	Error struct {
		Code string `json:"code"`
	} `json:"error"`
}

func TestAdminDrainsANode(t *testing.T) {
	ts, obs := startClusteredServer(t, "srv-1")
	obs.wait(t, cluster.NodeJoined, "srv-1")
	admin := ts.token(t, "root", "Root", auth.RoleAdmin)
	sup := ts.token(t, "sam", "Sam", auth.RoleSupervisor, "team-a")

	var e apiErr
	if code := clusterRequest(t, "POST", ts.base+"/api/v1/cluster/drain", "", &e); code != http.StatusUnauthorized || e.Error.Code != "unauthorized" {
		t.Fatalf("drain without a token: %d %s", code, e.Error.Code)
	}
	if code := clusterRequest(t, "POST", ts.base+"/api/v1/cluster/drain", sup, &e); code != http.StatusForbidden || e.Error.Code != "forbidden" {
		t.Fatalf("drain by a supervisor: %d %s", code, e.Error.Code)
	}
	if self, ok := obs.node.Directory().Node("srv-1"); !ok || self.State != cluster.NodeServing {
		t.Fatalf("a refused drain changed the node: %+v", self)
	}
	// The node's own directory watcher learns of itself asynchronously.
	var nodes nodesResponse
	for deadline := time.Now().Add(10 * time.Second); ; {
		nodes = nodesResponse{}
		if code := clusterRequest(t, "GET", ts.base+"/api/v1/cluster/nodes", admin, &nodes); code != http.StatusOK {
			t.Fatalf("nodes: %d", code)
		}
		if len(nodes.Nodes) > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond) // polling the directory
	}
	if nodes.Self.ID != "srv-1" || len(nodes.Nodes) != 1 || nodes.Placement.Policy != "least_loaded" || nodes.Placement.Node == nil || nodes.Placement.Node.ID != "srv-1" {
		t.Fatalf("nodes before the drain: %+v", nodes)
	}

	var drained struct {
		Node cluster.NodeRecord `json:"node"`
	}
	if code := clusterRequest(t, "POST", ts.base+"/api/v1/cluster/drain", admin, &drained); code != http.StatusOK || drained.Node.State != cluster.NodeDraining {
		t.Fatalf("drain by an admin: %d %+v", code, drained.Node)
	}
	if ev := obs.wait(t, cluster.NodeStateChanged, "srv-1"); ev.Node.State != cluster.NodeDraining {
		t.Fatalf("the directory shows %+v, want draining", ev.Node)
	}
	if code, body := get(t, ts.base+"/readyz"); code != http.StatusServiceUnavailable {
		t.Fatalf("readyz while draining: %d %s", code, body)
	}
	// The node's own directory learns of the drain from its watch, a moment
	// after the observer's may: wait for it, with a deadline.
	deadline := time.Now().Add(15 * time.Second)
	for {
		nodes = nodesResponse{}
		code := clusterRequest(t, "GET", ts.base+"/api/v1/cluster/nodes", admin, &nodes)
		if code == http.StatusOK && nodes.Placement.Node == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("placement with the only node draining: %d %+v", code, nodes.Placement)
		}
		time.Sleep(20 * time.Millisecond) // poll interval
	}
}

func TestClusterAPIOnASingleNode(t *testing.T) {
	ts := startServer(t, nil)
	admin := ts.token(t, "root", "Root", auth.RoleAdmin)
	var e apiErr
	if code := clusterRequest(t, "POST", ts.base+"/api/v1/cluster/drain", admin, &e); code != http.StatusConflict || e.Error.Code != "not_clustered" {
		t.Fatalf("drain on a single node: %d %s", code, e.Error.Code)
	}
	if code, _ := get(t, ts.base+"/readyz"); code != http.StatusOK {
		t.Fatalf("a refused drain made the node unready: %d", code)
	}
}
