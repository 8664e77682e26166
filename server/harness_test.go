package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/earshot/earshot/auth"
)

// testMediaShards is the number of forwarding shards the test servers
// run: EARSHOT_TEST_MEDIA_SHARDS (make test runs the suite with 1 and with
// 2), default 1.
func testMediaShards(t *testing.T) int {
	t.Helper()
	v := os.Getenv("EARSHOT_TEST_MEDIA_SHARDS")
	if v == "" {
		return 1
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		t.Fatalf("EARSHOT_TEST_MEDIA_SHARDS=%q: %v", v, err)
	}
	return n
}

// testServer is a fully wired Earshot on loopback ports.
type testServer struct {
	a     *app
	base  string // http://127.0.0.1:port
	ws    string // ws://127.0.0.1:port/ws
	stop  context.CancelFunc
	done  chan error
	start int // goroutines before the server started
	once  sync.Once
}

func startServer(t *testing.T, mutate func(*Config)) *testServer {
	t.Helper()
	cfg := DefaultConfig()
	cfg.HTTP.Addr = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.Auth.Demo = false
	cfg.Media.UDPPort = 0
	cfg.Media.ListenIP = "127.0.0.1"
	cfg.Media.Shards = testMediaShards(t)
	if mutate != nil {
		mutate(&cfg)
	}
	if err := cfg.validate(); err != nil {
		t.Fatal(err)
	}
	before := runtime.NumGoroutine()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithCancel(context.Background())
	a, err := newApp(ctx, cfg, log)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	ln, err := a.listen()
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	ts := &testServer{a: a, stop: cancel, done: make(chan error, 1), start: before}
	addr := ln.Addr().(*net.TCPAddr).String()
	ts.base, ts.ws = "http://"+addr, "ws://"+addr+"/ws"
	go func() { ts.done <- a.serveOn(ctx, ln) }()
	t.Cleanup(func() { ts.shutdown(t) })
	return ts
}

// shutdown stops the server (idempotent) and checks it stopped cleanly and
// left no goroutine behind.
func (ts *testServer) shutdown(t *testing.T) {
	t.Helper()
	ts.once.Do(func() {
		ts.stop()
		select {
		case err := <-ts.done:
			if err != nil {
				t.Errorf("server stopped with %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("server did not stop within 30s")
		}
		// Clients were closed by their own cleanups, which run first.
		http.DefaultClient.CloseIdleConnections()
		waitGoroutines(t, ts.start)
	})
}

// token mints a token for a user of tenant "t1".
func (ts *testServer) token(t *testing.T, user, name string, role auth.Role, teams ...auth.TeamID) string {
	t.Helper()
	return ts.tokenFor(t, auth.Identity{Subject: auth.UserID(user), Name: name, Tenant: "t1", Roles: []auth.Role{role}, Teams: teams}, time.Hour)
}

func (ts *testServer) tokenFor(t *testing.T, id auth.Identity, ttl time.Duration) string {
	t.Helper()
	tok, err := ts.a.hmac.Mint(auth.MintParams{Identity: id, TTL: ttl})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// waitGoroutines waits until the goroutine count is back near n.
func waitGoroutines(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := runtime.NumGoroutine()
		if got <= n+2 {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("goroutines: %d, want <= %d\n%s", got, n+2, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond) // polling interval, not synchronization
	}
}
