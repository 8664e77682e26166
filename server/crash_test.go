package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/store"
)

// crashChildEnv makes the test binary run a real server (TestCrashChild)
// instead of tests: the crash test starts it as a separate process so that
// it can kill it.
const crashChildEnv = "EARSHOT_CRASH_CHILD_DATA"

// TestCrashChild is not a test: it is the server process the crash test
// starts and kills. Run normally it does nothing.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashChildEnv)
	if dir == "" {
		return
	}
	args := []string{"serve", "-http", "127.0.0.1:0", "-data", dir, "-udp-port", "0", "-listen-ip", "127.0.0.1", "-demo=false", "-log-level", "error"}
	os.Exit(run(context.Background(), args, func(string) string { return "" }, os.Stdout, os.Stderr))
}

// child is one server process.
type child struct {
	cmd  *exec.Cmd
	base string // http://127.0.0.1:port
	ws   string
}

func startChild(t *testing.T, dir string) *child {
	t.Helper()
	cmd, base, ws := startSelf(t, "TestCrashChild", crashChildEnv+"="+dir)
	return &child{cmd: cmd, base: base, ws: ws}
}

// startSelf runs this test binary as a server process — only the named
// test, which serves when env is set — and returns it once it listens. The
// process is killed when the test ends.
func startSelf(t *testing.T, test string, env ...string) (cmd *exec.Cmd, base, ws string) {
	t.Helper()
	cmd = exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "Earshot is running: http://"); ok {
				addr <- strings.Fields(rest)[0]
			}
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case a := <-addr:
		return cmd, "http://" + a, "ws://" + a + "/ws"
	case <-time.After(60 * time.Second):
		t.Fatalf("the server process (%s) did not start within 60s", test)
		return nil, "", ""
	}
}

// The server process is killed (SIGKILL) while a supervisor's mode switches
// are being acknowledged; after a restart, every acknowledged switch has
// its audit row, in order, and the chain verifies.
func TestAcknowledgedAuditSurvivesSIGKILL(t *testing.T) {
	dir := t.TempDir()
	srv := startChild(t, dir)
	secret, err := auth.LoadOrCreateSecret(dir)
	if err != nil {
		t.Fatal(err)
	}
	h, err := auth.NewHMAC(auth.HMACParams{Secret: secret, Issuer: "earshot", Audience: "earshot"})
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{ws: srv.ws, base: srv.base, a: &app{hmac: h}}
	cust := newParty(t, ts, "customer", ts.token(t, "carla", "Carla", auth.RoleCustomer))
	agent := newParty(t, ts, "agent", ts.token(t, "alex", "Alex", auth.RoleAgent, "team-a"))
	supTok := ts.token(t, "sam", "Sam", auth.RoleSupervisor, "team-a")
	sup := newParty(t, ts, "supervisor", supTok)
	conv := chatCall(t, cust, agent)
	sup.do(t, "monitor.start", map[string]string{"conversation_id": conv, "reason": "crash test"}, nil)

	// Switch as fast as acknowledgements come, and kill the process mid-way.
	var (
		mu    sync.Mutex
		acked []string
	)
	done := make(chan error, 1)
	go func() {
		modes := []string{"whisper", "listen", "barge", "listen"}
		// 15 a second keeps under the per-connection rate limit (20/s).
		tick := time.NewTicker(time.Second / 15)
		defer tick.Stop()
		for i := 0; ; i++ {
			<-tick.C
			m := modes[i%len(modes)]
			// A request sent as the process dies is never answered: bound it.
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			err := sup.sig.Request(ctx, "monitor.set_mode", map[string]string{"conversation_id": conv, "mode": m}, nil)
			cancel()
			if re := asRemote(err); re != nil {
				done <- fmt.Errorf("switch %d refused: %w", i, re)
				return
			}
			if err != nil {
				done <- nil // the process is gone
				return
			}
			mu.Lock()
			acked = append(acked, m)
			mu.Unlock()
		}
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 30 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d switches acknowledged in 30s", n)
		}
		time.Sleep(time.Millisecond) // polling interval
	}
	if err := srv.cmd.Process.Kill(); err != nil { // SIGKILL: no drain, no flush
		t.Fatal(err)
	}
	_ = srv.cmd.Wait()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	want := append([]string(nil), acked...)
	mu.Unlock()

	// Restart on the same data and read the trail through the API.
	srv = startChild(t, dir)
	ts2 := &testServer{base: srv.base}
	var all []store.AuditEvent
	for cursor := ""; ; {
		var page struct {
			Events     []store.AuditEvent `json:"events"`
			NextCursor string             `json:"next_cursor"`
		}
		path := "/api/v1/audit/events?order=asc&limit=1000&actor=sam"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		if st := apiGet(t, ts2, path, supTok, &page); st != 200 {
			t.Fatalf("search after restart: %d", st)
		}
		all = append(all, page.Events...)
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	var got []string
	for _, e := range all {
		if m, ok := strings.CutPrefix(e.Action, "monitor."); ok && m != "start" && m != "end" {
			got = append(got, m)
		}
	}
	// Every acknowledged switch is there, in order; at most one more (the
	// one committed when the process died, before its acknowledgement).
	if len(got) < len(want) || len(got) > len(want)+1 {
		t.Fatalf("%d switches acknowledged, %d audited", len(want), len(got))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("switch %d: acknowledged %s, audited %s", i, want[i], got[i])
		}
	}
	var out strings.Builder
	code := run(context.Background(), []string{"audit", "verify", "-data", dir}, func(string) string { return "" }, &out, &out)
	if code != 0 || !strings.Contains(out.String(), "chain intact") {
		t.Fatalf("verify after the crash: exit %d\n%s", code, out.String())
	}
	t.Logf("%d acknowledged switches survived SIGKILL (%d audited)", len(want), len(got))
}
