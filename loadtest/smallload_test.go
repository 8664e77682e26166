package main

import (
	"bytes"
	"context"
	"testing"
	"time"
)

// TestSmallLoad is the load tester run by make test: a started server, 20
// monitored calls and 3 chats held 10 s with supervisors switching every
// 2 s (each walks Listen → Whisper → Barge → Listen several times),
// agents holding now and then and PCI-pausing for 1 s every 4 s. Only
// privacy and joins are asserted: no leak of any kind, no whisper at a
// customer, no customer audio at a supervisor during a pause, nobody
// failed to join.
// Capacity numbers are benchmarks (docs/benchmarks.md), not test
// assertions: this machine is shared.
func TestSmallLoad(t *testing.T) {
	opts := defaultOptions()
	opts.Calls, opts.Chats = 20, 3
	opts.Duration = 10 * time.Second
	opts.Ramp = 20
	opts.SwitchEvery = 2 * time.Second
	opts.PCIEvery = 4 * time.Second
	opts.Quiet = true
	rep := runTestLoad(t, opts, 3*time.Minute)

	if rep.Leaks != 0 || rep.WhisperLeaks != 0 || rep.PCILeaks != 0 {
		t.Errorf("leaks %d, whisper leaks %d, pci leaks %d", rep.Leaks, rep.WhisperLeaks, rep.PCILeaks)
	}
	if rep.FailedJoins != 0 {
		t.Errorf("failed joins %d: %v", rep.FailedJoins, rep.Errors)
	}
	// The run must have exercised what it claims to check.
	if rep.Switches == 0 || rep.PCIPauses == 0 || rep.Packets.Received == 0 || rep.Packets.Expected == 0 || rep.Chat.Received == 0 {
		t.Errorf("nothing happened: switches %d, pci pauses %d, packets %+v, chat %+v", rep.Switches, rep.PCIPauses, rep.Packets, rep.Chat)
	}
	if rep.PCIErrors != 0 {
		t.Errorf("%d PCI pause requests failed", rep.PCIErrors)
	}
}

// runTestLoad runs the load tester with opts within limit, logs its summary
// and returns its report; a run that fails to complete fails the test.
func runTestLoad(t *testing.T, opts Options, limit time.Duration) *Report {
	t.Helper()
	if err := opts.validate(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	var log bytes.Buffer
	rn := &runner{opts: opts, out: &log, tmp: t.TempDir(), raceMode: raceEnabled}
	rep, err := rn.runOnce(ctx, opts.Calls, opts.Chats)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	var summary bytes.Buffer
	printSummary(&summary, rep)
	t.Log("\n" + summary.String())
	return rep
}
