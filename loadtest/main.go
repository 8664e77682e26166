// Command loadtest simulates concurrent monitored calls and web chats
// against Earshot through the real signaling and real WebRTC, checks every
// packet and chat message with a who-hears-whom oracle, and measures the
// server from outside.
//
//	go run ./loadtest -calls 150 -chats 25 -duration 60s -switch-every 5s -json out.json
//	go run ./loadtest -find-max -calls 50 -step 25 -duration 30s
//	go run ./loadtest -soak -soak-calls 1000 -soak-concurrency 50 -json soak.json
//
// Without -url it builds ./server and starts it as a separate process on
// free loopback ports with a temporary data directory (one queue and team
// per conversation), and stops it at the end. With -url it uses a running
// server: -data names its data directory (its jwt-secret mints the
// simulated users' tokens) and -queue/-team where the calls go.
//
// Every leg is a leanrtc endpoint (see loadtest/leanrtc); every packet's
// payload carries the speaker, a sequence number and the send time, and
// the oracle (loadtest/oracle) judges each one against the state of its
// call at that moment.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the process. Exit codes: 0 the bar held (or
// -find-max found a count that held), 1 it did not, 2 usage or setup error.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	opts, err := parseOptions(args, stderr)
	if err != nil {
		if !errors.Is(err, errUsage) || err.Error() != errUsage.Error()+": flag: help requested" {
			fmt.Fprintf(stderr, "loadtest: %v\n", err)
		}
		return 2
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	tmp, err := os.MkdirTemp("", "earshot-loadtest-")
	if err != nil {
		fmt.Fprintf(stderr, "loadtest: %v\n", err)
		return 2
	}
	defer os.RemoveAll(tmp)
	rn := &runner{opts: opts, out: stderr, tmp: tmp, raceMode: raceEnabled}
	if opts.CPUProfile != "" {
		f, err := os.Create(opts.CPUProfile)
		if err != nil {
			fmt.Fprintf(stderr, "loadtest: %v\n", err)
			return 2
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(stderr, "loadtest: %v\n", err)
			return 2
		}
		defer pprof.StopCPUProfile()
	}

	if opts.Soak {
		return soakMain(ctx, rn, stdout, stderr)
	}
	if opts.FindMax {
		return findMax(ctx, rn, stdout, stderr)
	}
	rep, err := rn.runOnce(ctx, opts.Calls, opts.Chats)
	if err != nil {
		fmt.Fprintf(stderr, "loadtest: %v\n", err)
		return 2
	}
	printSummary(stdout, rep)
	if opts.JSON != "" {
		if err := writeJSON(opts.JSON, rep); err != nil {
			fmt.Fprintf(stderr, "loadtest: %v\n", err)
			return 2
		}
	}
	if !rep.Held() {
		return 1
	}
	return 0
}

// findMaxResult is the -json form of a -find-max run.
type findMaxResult struct {
	MaxCalls int `json:"max_calls_held"`
	// Capped is true when -max-calls ended the search with the bar still
	// held: MaxCalls is then a lower bound.
	Capped bool      `json:"capped"`
	Steps  []*Report `json:"steps"`
}

// findMax steps the call count up from -calls by -step until a run breaks
// the bar (or -max-calls is passed) and reports the largest that held.
func findMax(ctx context.Context, rn *runner, stdout, stderr io.Writer) int {
	o := rn.opts
	res := findMaxResult{Capped: true}
	for n := max(o.Calls, 1); n <= o.MaxCalls && ctx.Err() == nil; n += o.Step {
		fmt.Fprintf(stderr, "find-max: %d calls + %d chats\n", n, o.Chats)
		rep, err := rn.runOnce(ctx, n, o.Chats)
		if err != nil {
			fmt.Fprintf(stderr, "loadtest: %v\n", err)
			res.Capped = false
			break
		}
		printSummary(stdout, rep)
		res.Steps = append(res.Steps, rep)
		if !rep.Held() {
			res.Capped = false
			break
		}
		res.MaxCalls = n
	}
	if ctx.Err() != nil {
		res.Capped = false
	}
	capped := ""
	if res.Capped {
		capped = fmt.Sprintf(" (still held at -max-calls %d: a lower bound)", o.MaxCalls)
	}
	fmt.Fprintf(stdout, "\nfind-max: the largest number of monitored calls that held the bar (no leak, no failed join, loss < %.1f%%): %d%s\n", 100*lossBar, res.MaxCalls, capped)
	if o.JSON != "" {
		if err := writeJSON(o.JSON, res); err != nil {
			fmt.Fprintf(stderr, "loadtest: %v\n", err)
			return 2
		}
	}
	if res.MaxCalls == 0 {
		return 1
	}
	return 0
}
