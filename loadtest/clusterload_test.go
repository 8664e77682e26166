package main

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/earshot/earshot/cluster/clustertest"
	"github.com/earshot/earshot/store/postgres"
)

// requirePostgres skips (or, under EARSHOT_REQUIRE_POSTGRES=1, fails) when
// the PostgreSQL the cluster needs is not reachable.
func requirePostgres(t *testing.T, dsn string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := postgres.Open(ctx, postgres.Params{DSN: dsn, MaxConns: 1})
	if err == nil {
		_ = st.Close()
		return
	}
	msg := "PostgreSQL not reachable at the -pg-dsn default: " + err.Error()
	if os.Getenv("EARSHOT_REQUIRE_POSTGRES") == "1" {
		t.Fatalf("%s; EARSHOT_REQUIRE_POSTGRES=1 requires it", msg)
	}
	t.Skipf("SKIP: %s; set EARSHOT_REQUIRE_POSTGRES=1 to make this a failure", msg)
}

// TestSmallClusterLoadWithKill is the cluster load test run by make test:
// three server processes, six monitored calls and two chats whose parties
// sit on different nodes, supervisors switching every second; four seconds
// in, the busiest media node is SIGKILLed. Asserted: no leak of any kind
// before, during or after the failover, every call on the killed node back
// with audio at all three parties, nobody failed to join. Recovery times
// are benchmarks (docs/benchmarks.md), not assertions.
func TestSmallClusterLoadWithKill(t *testing.T) {
	opts := defaultOptions()
	opts.NATSURL = clustertest.Require(t)
	requirePostgres(t, opts.PGDSN)
	opts.Nodes = 3
	opts.Calls, opts.Chats = 6, 2
	opts.Duration = 12 * time.Second
	opts.KillNodeAfter = 4 * time.Second
	opts.ClusterTTL = 2 * time.Second
	opts.Ramp = 20
	opts.SwitchEvery = time.Second
	opts.Quiet = true
	rep := runTestLoad(t, opts, 4*time.Minute)

	if rep.Leaks != 0 || rep.WhisperLeaks != 0 {
		t.Errorf("leaks %d, whisper leaks %d", rep.Leaks, rep.WhisperLeaks)
	}
	if rep.FailedJoins != 0 {
		t.Errorf("failed joins %d: %v", rep.FailedJoins, rep.Errors)
	}
	f := rep.Failover
	if f == nil {
		t.Fatalf("no node was killed: %v", rep.Errors)
	}
	// Every session of the tenant resumed elsewhere; the calls whose media
	// was on the home re-offered and came back, the others kept theirs.
	if f.KilledRole != "home" || f.Resumes < int64(3*(opts.Calls+opts.Chats)) || f.Lost != 0 || f.Recovered != f.Conversations {
		t.Errorf("failover: %+v; errors %v", *f, rep.Errors)
	}
	if rep.LossRatio > 0.001 {
		t.Errorf("loss %.4f%% outside the outages: the adopted calls' audio must not stop", 100*rep.LossRatio)
	}
	if rep.Nodes != 3 || rep.Switches == 0 || rep.Packets.Expected == 0 {
		t.Errorf("nothing happened: nodes %d, switches %d, packets %+v", rep.Nodes, rep.Switches, rep.Packets)
	}
}
