package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/earshot/earshot/loadtest/leanrtc"
	"github.com/earshot/earshot/loadtest/oracle"
)

// Soak: -soak-calls monitored calls, one wave of -soak-concurrency after
// another. In every wave all calls join (customer, agent accepting,
// supervisor monitoring in Listen), the supervisors walk Listen → Whisper
// → Barge → Listen, -soak-step in each mode, with real media judged by
// the oracle; then the microphones stop and every call ends and hangs up.
// The server's goroutines, open files and RSS are read after warm-up
// waves (the baseline, once stable), every second while the waves run
// (the peak) and after the last wave until they are back near the
// baseline or -soak-settle passes (the end). A soak holds when no call
// failed, nothing leaked and goroutines and open files returned.

// soakSampleEvery is the period of the peak samples.
const soakSampleEvery = time.Second

// maxSoakErrors bounds the error strings a soak report keeps.
const maxSoakErrors = 10

// soakResult is the -json form of a -soak run.
type soakResult struct {
	Soak *SoakReport `json:"soak"`
}

// SoakReport is one soak's result.
type SoakReport struct {
	Calls       int     `json:"calls"`
	Concurrency int     `json:"concurrency"`
	WarmupCalls int     `json:"warmup_calls"`
	StepMS      float64 `json:"step_ms"`
	// Failed counts calls (warm-up included) that did not join, switch or
	// end cleanly.
	Failed       int    `json:"failed"`
	Leaks        uint64 `json:"leaks"`
	WhisperLeaks uint64 `json:"whisper_leaks"`

	// Idle is the server before any call; Baseline after the warm-up
	// waves, once stable; Peak the field-wise maximum while the waves ran;
	// End the last reading after the waves.
	Idle     procFigures `json:"idle"`
	Baseline procFigures `json:"baseline"`
	Peak     procFigures `json:"peak"`
	End      procFigures `json:"end"`
	// Returned is true when End's goroutines, open files and RSS were
	// within the slack of Baseline's; SettleS is how long that took (or the
	// bound, when they did not return).
	Returned       bool    `json:"returned_to_baseline"`
	SettleS        float64 `json:"settle_s"`
	GoroutineSlack int     `json:"goroutine_slack"`
	FDSlack        int     `json:"fd_slack"`
	RSSSlackPct    int     `json:"rss_slack_percent"`

	DurationS     float64             `json:"duration_s"`
	Switches      int64               `json:"switches"`
	Packets       oracle.PacketResult `json:"packets"`
	LossRatio     float64             `json:"loss_ratio"`
	Latency       oracle.Dist         `json:"latency_ms"`
	SwitchLatency oracle.Dist         `json:"switch_latency_ms"`
	Join          oracle.Dist         `json:"join_ms"`
	Machine       machine             `json:"machine"`
	Errors        []string            `json:"errors,omitempty"`
}

// Held reports whether the soak passed: no failed call, no leak, and the
// server's goroutines and open files back at the baseline.
func (r *SoakReport) Held() bool {
	return r.Failed == 0 && r.Leaks == 0 && r.WhisperLeaks == 0 && r.Returned
}

func (r *SoakReport) addError(err error) {
	if len(r.Errors) < maxSoakErrors {
		r.Errors = append(r.Errors, err.Error())
	}
}

// soak is one soak run in progress.
type soak struct {
	o   Options
	e   *env
	rep *SoakReport
}

// runSoak runs a whole soak and returns its report; an error means the
// server could not be started or measured at all.
func (rn *runner) runSoak(ctx context.Context) (*SoakReport, error) {
	o := rn.opts
	n := o.SoakConcurrency
	warm := o.SoakWarmupWaves * n
	rep := &SoakReport{
		Calls: o.SoakCalls, Concurrency: n, WarmupCalls: warm, StepMS: float64(o.SoakStep) / 1e6,
		GoroutineSlack: o.SoakGoroutineSlack, FDSlack: o.SoakFDSlack, RSSSlackPct: o.SoakRSSSlack, Machine: describeMachine(),
	}
	tg, err := rn.prepare(ctx, n, 0) // one queue, team, agent and supervisor per seat
	if err != nil {
		return nil, err
	}
	defer func() {
		if tg.proc != nil {
			if err := tg.proc.stop(); err != nil {
				rep.addError(fmt.Errorf("server stop: %w", err))
			}
		}
	}()
	pprofAddr := ""
	if tg.proc != nil {
		pprofAddr = tg.proc.pprof
	}
	m := newSoakMeter(tg.meter.pid, tg.meter.metricsURL, pprofAddr)

	stack, err := leanrtc.NewStack(leanrtc.StackParams{})
	if err != nil {
		return nil, err
	}
	hub, err := leanrtc.NewHub(leanrtc.HubParams{Stack: stack, MaxEndpoints: max(3*n+16, 256)})
	if err != nil {
		return nil, err
	}
	defer func() { _ = hub.Close() }()
	e := newEnv(o, tg, hub, 4*o.SoakStep+2*time.Second)
	pacerCtx, stopPacer := context.WithCancel(context.Background())
	var pacerDone sync.WaitGroup
	pacerDone.Go(func() { e.pacer.Run(pacerCtx) })
	defer func() { stopPacer(); pacerDone.Wait() }()
	sk := &soak{o: o, e: e, rep: rep}

	if o.SoakHeapProfiles != "" {
		if pprofAddr == "" {
			return nil, fmt.Errorf("soak: -soak-heap-profiles needs a started server (its profiler)")
		}
		if err := os.MkdirAll(o.SoakHeapProfiles, 0o755); err != nil {
			return nil, fmt.Errorf("soak: %w", err)
		}
	}
	if rep.Idle, err = m.sample(ctx); err != nil {
		return nil, fmt.Errorf("soak: idle server: %w", err)
	}
	for w := range o.SoakWarmupWaves {
		sk.wave(ctx, w*n, n)
	}
	sk.logf(rn.out, "soak: %d warm-up calls done, waiting for a stable baseline", warm)
	base, stable, err := m.settle(ctx, time.Now().Add(o.SoakSettle), sk.profilePath("baseline"), func(prev *procFigures, cur procFigures) bool {
		return prev != nil && prev.Goroutines == cur.Goroutines && prev.FDs == cur.FDs
	})
	if err != nil {
		return nil, fmt.Errorf("soak: baseline: %w", err)
	}
	if !stable {
		rep.addError(fmt.Errorf("baseline not stable within %s (goroutines or open files still changing); the last reading is used", o.SoakSettle))
	}
	rep.Baseline = base
	sk.logf(rn.out, "soak: baseline %d goroutines, %d fds, %d KiB RSS", base.Goroutines, base.FDs, base.RSSKiB)

	// The waves, with the peak sampled alongside.
	sampleCtx, stopSampling := context.WithCancel(ctx)
	var sampling sync.WaitGroup
	peak := base
	sampling.Go(func() {
		t := time.NewTicker(soakSampleEvery)
		defer t.Stop()
		for {
			select {
			case <-sampleCtx.Done():
				return
			case <-t.C:
			}
			if cur, err := m.sample(sampleCtx); err == nil {
				peak = peak.maxOf(cur)
			}
		}
	})
	start := time.Now()
	for done := 0; done < o.SoakCalls && ctx.Err() == nil; done += n {
		k := min(n, o.SoakCalls-done)
		sk.wave(ctx, warm+done, k)
		sk.logf(rn.out, "soak: %d/%d calls, %d failed", done+k, o.SoakCalls, rep.Failed)
	}
	rep.DurationS = round(time.Since(start).Seconds(), 1)
	stopSampling()
	sampling.Wait()
	rep.Peak = peak

	// The end: back near the baseline, or the bound passes.
	settleStart := time.Now()
	end, returned, err := m.settle(ctx, settleStart.Add(o.SoakSettle), sk.profilePath("end"), func(_ *procFigures, cur procFigures) bool {
		return cur.within(base, o.SoakGoroutineSlack, o.SoakFDSlack, o.SoakRSSSlack)
	})
	if err != nil {
		rep.addError(fmt.Errorf("end measurement: %w", err))
	}
	rep.End, rep.Returned = end, returned
	rep.SettleS = round(time.Since(settleStart).Seconds(), 2)

	stopPacer()
	pacerDone.Wait()
	res := e.oracle.Result()
	rep.Leaks, rep.WhisperLeaks = res.Leaks, res.WhisperLeaks
	rep.Packets, rep.LossRatio = res.Packets, res.LossRatio
	rep.Latency, rep.SwitchLatency, rep.Join = res.Latency, res.SwitchLatency, res.Join
	rep.Switches = e.count.switches.Load()
	return rep, nil
}

// wave runs calls first .. first+k-1 through their whole life together
// and counts the ones that failed.
func (sk *soak) wave(ctx context.Context, first, k int) {
	calls := make([]*voiceCall, 0, k)
	errs := make([]error, k)
	var wg sync.WaitGroup
	interval := time.Duration(float64(time.Second) / sk.o.Ramp)
	for i := range k {
		c := newSeatedCall(sk.e, first+i, i)
		calls = append(calls, c)
		wg.Go(func() { errs[i] = c.join(ctx) })
		if i+1 < k {
			select {
			case <-time.After(interval): // the join pace (-ramp)
			case <-ctx.Done():
			}
		}
		if ctx.Err() != nil {
			break
		}
	}
	wg.Wait()
	for i, c := range calls {
		if errs[i] == nil {
			wg.Go(func() { errs[i] = sk.walk(ctx, c) })
		}
	}
	wg.Wait()
	for _, c := range calls {
		c.stopMedia()
	}
	time.Sleep(drainTime) // packets in flight arrive; nothing to wait on but time
	sem := make(chan struct{}, teardownWorkers)
	for i, c := range calls {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := c.end(); err != nil && errs[i] == nil {
				errs[i] = err
			}
			c.release()
		})
	}
	wg.Wait()
	for i, err := range errs {
		if i >= len(calls) {
			err = fmt.Errorf("call %d: not started: %w", first+i, ctx.Err())
		}
		if err != nil {
			sk.rep.Failed++
			sk.rep.addError(err)
		}
	}
}

// walk holds a joined call in each supervisor mode for -soak-step:
// Listen → Whisper → Barge → Listen.
func (sk *soak) walk(ctx context.Context, c *voiceCall) error {
	for i := range 4 {
		select {
		case <-time.After(sk.o.SoakStep): // the call's scripted time in this mode
		case <-ctx.Done():
			return fmt.Errorf("call %d: %w", c.idx, ctx.Err())
		}
		if i == 3 {
			return nil
		}
		if err := c.switchMode(); err != nil {
			return err
		}
	}
	return nil
}

// profilePath is where the server's heap profile at stage goes
// (-soak-heap-profiles), "" for nowhere. Compare the two with
// go tool pprof -base baseline.pb.gz end.pb.gz.
func (sk *soak) profilePath(stage string) string {
	if sk.o.SoakHeapProfiles == "" {
		return ""
	}
	return filepath.Join(sk.o.SoakHeapProfiles, stage+".pb.gz")
}

// logf prints a progress line unless -quiet.
func (sk *soak) logf(w io.Writer, format string, args ...any) {
	if !sk.o.Quiet {
		fmt.Fprintf(w, format+"\n", args...)
	}
}

// printSoakSummary writes the readable table of a soak.
func printSoakSummary(w io.Writer, r *SoakReport) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	verdict := "HELD"
	if !r.Held() {
		verdict = "FAILED"
	}
	fmt.Fprintf(tw, "Earshot soak: %d calls, %d at a time (+%d warm-up), %.0f ms per mode, %.0f s — %s\n",
		r.Calls, r.Concurrency, r.WarmupCalls, r.StepMS, r.DurationS, verdict)
	fmt.Fprintf(tw, "  failed calls\t%d\n", r.Failed)
	fmt.Fprintf(tw, "  leaks\t%d (whisper %d)\n", r.Leaks, r.WhisperLeaks)
	fmt.Fprintf(tw, "  packets\tsent %d, received %d, expected %d, lost %d (%.4f%%); %d switches, p99 %.1f ms\n",
		r.Packets.Sent, r.Packets.Received, r.Packets.Expected, r.Packets.Lost, 100*r.LossRatio, r.Switches, r.SwitchLatency.P99)
	fmt.Fprintf(tw, "  server\tgoroutines\tfds\tRSS KiB\theap in use KiB\theap live KiB\n")
	for _, row := range []struct {
		name string
		f    procFigures
	}{{"idle", r.Idle}, {"baseline", r.Baseline}, {"peak", r.Peak}, {"end", r.End}} {
		fmt.Fprintf(tw, "    %s\t%d\t%d\t%d\t%d\t%d\n", row.name, row.f.Goroutines, row.f.FDs, row.f.RSSKiB, row.f.HeapKiB, row.f.HeapLiveKiB)
	}
	back := "back at baseline"
	if !r.Returned {
		back = "NOT back at baseline"
	}
	rss := fmt.Sprintf("%d%% RSS", r.RSSSlackPct)
	if r.RSSSlackPct < 0 {
		rss = "RSS not judged"
	}
	fmt.Fprintf(tw, "  end\t%s after %.1f s (slack %d goroutines, %d fds, %s)\n", back, r.SettleS, r.GoroutineSlack, r.FDSlack, rss)
	fmt.Fprintf(tw, "  machine\t%d CPUs (%s), load %.2f at start\n", r.Machine.CPUs, r.Machine.Model, r.Machine.Load1)
	for _, e := range r.Errors {
		fmt.Fprintf(tw, "  error\t%s\n", e)
	}
	_ = tw.Flush()
}

// soakMain is main's -soak branch: exit 0 when the soak held, 1 when not,
// 2 when it could not run.
func soakMain(ctx context.Context, rn *runner, stdout, stderr io.Writer) int {
	rep, err := rn.runSoak(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "loadtest: %v\n", err)
		return 2
	}
	printSoakSummary(stdout, rep)
	if rn.opts.JSON != "" {
		if err := writeJSON(rn.opts.JSON, soakResult{Soak: rep}); err != nil {
			fmt.Fprintf(stderr, "loadtest: %v\n", err)
			return 2
		}
	}
	if errors.Is(ctx.Err(), context.Canceled) || !rep.Held() {
		return 1
	}
	return 0
}
