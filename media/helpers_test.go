package media

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/earshot/earshot/media/mediatest"
)

// Generous deadlines: the suite must pass on a loaded 2-core machine with
// the race detector on.
const (
	connectDeadline = 20 * time.Second
	flowDeadline    = 15 * time.Second
)

// testShardsEnv names the environment variable that sets the number of
// forwarding shards the tests' SFUs run (make test runs the suite with 1
// and with 2).
const testShardsEnv = "EARSHOT_TEST_MEDIA_SHARDS"

// testConfig is a loopback SFU on a free port, with the shards
// testShardsEnv asks for (default 1).
func testConfig() Config {
	cfg := DefaultConfig()
	cfg.ListenIP = "127.0.0.1"
	if v := os.Getenv(testShardsEnv); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			panic(fmt.Sprintf("%s=%q: %v", testShardsEnv, v, err))
		}
		cfg.Shards = n
	}
	return cfg
}

// newTestSFU starts an SFU closed at the end of the test.
func newTestSFU(t *testing.T, cfg Config) *SFU {
	t.Helper()
	s, err := New(Params{Config: cfg, Logger: testLogger()})
	if err != nil {
		t.Fatalf("new sfu: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// testLogger shows warnings with -v and keeps quiet otherwise (pion warns
// about every stream it tears down).
func testLogger() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	return slog.New(slog.DiscardHandler)
}

// newTestClient creates a mediatest client closed at the end of the test.
func newTestClient(t *testing.T, speaker string, slots int) *mediatest.Client {
	t.Helper()
	c, err := mediatest.NewClient(mediatest.ClientParams{Speaker: speaker, Slots: slots})
	if err != nil {
		t.Fatalf("new client %s: %v", speaker, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// closedLog records OnClosed calls.
type closedLog struct {
	mu      sync.Mutex
	calls   map[LegID]int
	reasons map[LegID]error
	changed chan struct{}
}

func newClosedLog() *closedLog {
	return &closedLog{calls: map[LegID]int{}, reasons: map[LegID]error{}, changed: make(chan struct{})}
}

func (c *closedLog) onClosed(id LegID, reason error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls[id]++
	c.reasons[id] = reason
	close(c.changed)
	c.changed = make(chan struct{})
}

func (c *closedLog) count(id LegID) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[id]
}

// wait waits for id's OnClosed and checks its reason.
func (c *closedLog) wait(t *testing.T, id LegID, want error, timeout time.Duration) {
	t.Helper()
	deadline := time.After(timeout)
	for {
		c.mu.Lock()
		n, reason, ch := c.calls[id], c.reasons[id], c.changed
		c.mu.Unlock()
		if n > 0 {
			if !errors.Is(reason, want) {
				t.Fatalf("leg %s closed with %v, want %v", id, reason, want)
			}
			return
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("leg %s: OnClosed not called within %s", id, timeout)
		}
	}
}

// join negotiates a client with the group and waits until both ends are
// connected.
func join(t *testing.T, g *Group, id LegID, c *mediatest.Client, log *closedLog) *Leg {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), connectDeadline)
	defer cancel()
	offer, err := c.Offer(ctx)
	if err != nil {
		t.Fatalf("%s offer: %v", id, err)
	}
	p := LegParams{ID: id, Offer: offer}
	if log != nil {
		p.OnClosed = log.onClosed
	}
	l, err := g.AddLeg(ctx, p)
	if err != nil {
		t.Fatalf("%s add leg: %v", id, err)
	}
	if err := c.SetAnswer(l.Answer()); err != nil {
		t.Fatalf("%s set answer: %v", id, err)
	}
	if err := c.WaitConnected(ctx); err != nil {
		t.Fatalf("%s client connect: %v", id, err)
	}
	select {
	case <-l.Connected():
	case <-ctx.Done():
		t.Fatalf("%s leg not connected", id)
	}
	return l
}

// eventually polls cond until it returns nil or the deadline passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitGoroutines waits until the goroutine count is back to at most base.
func waitGoroutines(t *testing.T, base int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		n := runtime.NumGoroutine()
		if n <= base {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("%d goroutines, baseline %d:\n%s", n, base, buf)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitMore waits until c has received at least n more packets from speaker
// than it had when called.
func waitMore(t *testing.T, c *mediatest.Client, speaker string, n uint64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), flowDeadline)
	defer cancel()
	if err := c.WaitReceived(ctx, speaker, c.Received(speaker)+n); err != nil {
		t.Fatal(err)
	}
}
