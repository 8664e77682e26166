package main

import (
	"bytes"
	"context"
	"testing"
	"time"
)

// TestSoakShort is the soak of make test: a started server, one warm-up
// wave, then 60 monitored calls 10 at a time, each walking Listen →
// Whisper → Barge → Listen with real media. Every call must join, switch
// and end cleanly with no leak, and the server's goroutines and open
// files must return to the baseline taken after the warm-up. RSS is
// reported, not judged (-soak-rss-slack -1): under the race detector the
// server's shadow memory is not handed back within the settle time. The
// full 1,000-call run, make soak (docs/benchmarks.md), judges RSS too.
func TestSoakShort(t *testing.T) {
	opts := defaultOptions()
	opts.Soak = true
	opts.SoakCalls, opts.SoakConcurrency = 60, 10
	opts.SoakStep = 250 * time.Millisecond
	opts.Ramp = 40
	opts.Quiet = true
	opts.SoakRSSSlack = -1
	if err := opts.validate(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	var log bytes.Buffer
	rn := &runner{opts: opts, out: &log, tmp: t.TempDir(), raceMode: raceEnabled}
	rep, err := rn.runSoak(ctx)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	var summary bytes.Buffer
	printSoakSummary(&summary, rep)
	t.Log("\n" + summary.String())

	if rep.Failed != 0 || rep.Leaks != 0 || rep.WhisperLeaks != 0 {
		t.Errorf("failed calls %d, leaks %d, whisper leaks %d: %v", rep.Failed, rep.Leaks, rep.WhisperLeaks, rep.Errors)
	}
	if !rep.Returned {
		t.Errorf("server did not return to baseline within %s: baseline %+v, end %+v", opts.SoakSettle, rep.Baseline, rep.End)
	}
	// The soak must have done and seen what it claims: every call walked
	// its three switches with audio flowing, and the server's counts rose
	// with the calls (else the baseline check proves nothing).
	if rep.Switches != 3*int64(opts.SoakCalls+opts.SoakConcurrency) || rep.Packets.Received == 0 || rep.Packets.Expected == 0 {
		t.Errorf("switches %d, packets %+v", rep.Switches, rep.Packets)
	}
	if rep.Peak.Goroutines <= rep.Baseline.Goroutines+2*opts.SoakConcurrency || rep.Peak.FDs <= rep.Baseline.FDs+opts.SoakConcurrency {
		t.Errorf("peak %+v barely above baseline %+v: the calls were not measured", rep.Peak, rep.Baseline)
	}
	if !rep.Held() {
		t.Errorf("soak did not hold: %v", rep.Errors)
	}
}
