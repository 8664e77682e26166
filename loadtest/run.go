package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/loadtest/leanrtc"
	"github.com/earshot/earshot/loadtest/oracle"
)

// Timing of a run's end.
const (
	// drainTime lets packets and chat messages in flight arrive after the
	// microphones stop, so none counts lost.
	drainTime = 500 * time.Millisecond
	// teardownWorkers bounds parallel hang-ups.
	teardownWorkers = 32
)

// runner runs load tests; it keeps a built server binary between runs.
type runner struct {
	opts     Options
	out      io.Writer // progress and messages
	bin      string
	tmp      string
	raceMode bool
}

// conv is a call or a chat, as the run drives them.
type conv interface {
	join(ctx context.Context) error
	run()
	close()
}

// target is the server a run talks to.
type target struct {
	wsURL  string
	meter  meter
	minter *auth.HMAC
	place  placement
	proc   *serverProc // nil with -url
	// A cluster (cluster.go): the nodes' signaling URLs, the started nodes
	// (none with -urls), and what to remove at the end (the schema).
	wsURLs  []string
	nodes   []*clusterNode
	cleanup func()
}

// prepare starts a server (or uses -url) sized for calls and chats.
func (rn *runner) prepare(ctx context.Context, calls, chats int) (*target, error) {
	o := rn.opts
	if len(o.URLs) > 0 {
		return runningClusterTarget(o)
	}
	if o.URL != "" {
		minter, err := newMinter(o.DataDir, o.Issuer, o.Audience)
		if err != nil {
			return nil, err
		}
		pid := ""
		if o.PID > 0 {
			pid = fmt.Sprint(o.PID)
		}
		return &target{wsURL: o.URL, meter: meter{pid: pid, metricsURL: o.metricsURL()}, minter: minter, place: sharedQueues(o)}, nil
	}
	if rn.bin == "" {
		if o.ServerBin != "" {
			rn.bin = o.ServerBin
		} else {
			fmt.Fprintln(rn.out, "building ./server ...")
			bin, err := buildServer(ctx, rn.tmp, rn.raceMode)
			if err != nil {
				return nil, err
			}
			rn.bin = bin
		}
	}
	if o.Nodes > 0 {
		return rn.startClusterTarget(ctx, calls, chats)
	}
	dataDir, err := os.MkdirTemp(rn.tmp, "data-")
	if err != nil {
		return nil, err
	}
	minter, err := newMinter(dataDir, o.Issuer, o.Audience)
	if err != nil {
		return nil, err
	}
	proc, err := startServer(ctx, serverParams{
		bin: rn.bin, dataDir: dataDir, config: queuesYAML(calls, chats), args: o.ServerArgs,
		// -soak forces a garbage collection through the profiler's heap
		// endpoint before it measures.
		pprof: o.ServerProfile != "" || o.Soak,
	})
	if err != nil {
		return nil, err
	}
	return &target{
		wsURL: proc.wsURL(), meter: meter{pid: fmt.Sprint(proc.pid()), metricsURL: proc.metricsURL()},
		minter: minter, place: ownQueues(), proc: proc,
	}, nil
}

// runOnce drives calls voice calls and chats chats through a whole run and
// returns its report.
func (rn *runner) runOnce(ctx context.Context, calls, chats int) (*Report, error) {
	o := rn.opts
	rep := &Report{Calls: calls, Chats: chats, Legs: 3 * calls, Machine: describeMachine(), GraceMS: float64(o.Grace) / 1e6}
	tg, err := rn.prepare(ctx, calls, chats)
	if err != nil {
		return nil, err
	}
	stopServer := func() {
		if tg.proc != nil {
			if err := tg.proc.stop(); err != nil {
				rep.Errors = append(rep.Errors, fmt.Sprintf("server stop: %v", err))
			}
			tg.proc = nil
		}
		for _, err := range tg.stopAll() {
			rep.Errors = append(rep.Errors, err.Error())
		}
		if tg.cleanup != nil {
			tg.cleanup()
			tg.cleanup = nil
		}
	}
	defer stopServer()

	stack, err := leanrtc.NewStack(leanrtc.StackParams{})
	if err != nil {
		return nil, err
	}
	endpoints := 3 * calls
	if len(tg.wsURLs) > 0 {
		endpoints *= 2 // a re-offer opens the new endpoint before closing the old
	}
	hub, err := leanrtc.NewHub(leanrtc.HubParams{Stack: stack, MaxEndpoints: max(endpoints+16, 256)})
	if err != nil {
		return nil, err
	}
	defer func() { _ = hub.Close() }()
	rampTime := time.Duration(float64(calls+chats) / o.Ramp * float64(time.Second))
	e := newEnv(o, tg, hub, o.Duration+rampTime+o.JoinTimeout)
	pacerCtx, stopPacer := context.WithCancel(context.Background())
	var pacerDone sync.WaitGroup
	pacerDone.Go(func() { e.pacer.Run(pacerCtx) })
	defer func() { stopPacer(); pacerDone.Wait() }()

	prog := newProgress(rn.out, e, tg.meter, o.Quiet)
	defer prog.finish()
	idle := tg.meter.sample(ctx)
	prog.setPhase("ramp")

	// Ramp: one conversation every 1/Ramp s, chats spread among the calls.
	convs := make([]conv, 0, calls+chats)
	var joins, runs sync.WaitGroup
	var joinErrMu sync.Mutex
	var joinErrs []string
	interval := time.Duration(float64(time.Second) / o.Ramp)
	rampStart := time.Now()
	ticker := time.NewTicker(interval)
	ci, hi := 0, 0
	for k := 0; k < calls+chats; k++ {
		var c conv
		// Bresenham: chat k if it keeps chats proportionally spread.
		if hi < chats && (ci >= calls || (hi+1)*calls <= (ci+1)*chats) {
			c = newChatConv(e, hi)
			hi++
		} else {
			c = newVoiceCall(e, ci)
			ci++
		}
		convs = append(convs, c)
		joins.Go(func() {
			if err := c.join(ctx); err != nil {
				joinErrMu.Lock()
				if len(joinErrs) < 10 {
					joinErrs = append(joinErrs, err.Error())
				}
				joinErrMu.Unlock()
				return
			}
			runs.Go(c.run)
		})
		if k+1 < calls+chats {
			select {
			case <-ticker.C:
			case <-ctx.Done():
			}
		}
		if ctx.Err() != nil {
			break
		}
	}
	ticker.Stop()
	joins.Wait()
	rep.RampS = round(time.Since(rampStart).Seconds(), 2)
	rep.Errors = append(rep.Errors, joinErrs...)

	// The measured window: everyone who could join has joined.
	prog.setPhase("hold")
	t0, self0 := tg.meter.sample(ctx), selfSample()
	var profileErr error
	var profiling sync.WaitGroup
	if o.ServerProfile != "" && tg.proc != nil && tg.proc.pprof != "" {
		profiling.Go(func() { profileErr = fetchProfile(ctx, tg.proc.pprof, o.Duration, o.ServerProfile) })
	}
	windowStart := time.Now()
	killed, killedLegs := rn.holdWindow(ctx, tg, e, rep, windowStart)
	close(e.stop)
	runs.Wait()
	t1, self1 := tg.meter.sample(context.Background()), selfSample()
	rep.Machine.Load1At = load1()
	profiling.Wait()
	if profileErr != nil {
		rep.Errors = append(rep.Errors, fmt.Sprintf("server profile: %v", profileErr))
	}

	prog.setPhase("drain")
	stopPacer()
	pacerDone.Wait()
	time.Sleep(drainTime) // packets in flight arrive; nothing to wait on but time
	profiles := map[string]int{}
	for _, c := range convs {
		if vc, ok := c.(*voiceCall); ok {
			vc.stopMedia()
			for _, p := range vc.parties {
				if p == nil {
					continue
				}
				if ep := p.endpoint(); ep != nil {
					if name := ep.Profile(); name != "" {
						profiles[name]++
					}
				}
			}
		}
	}
	prog.setPhase("teardown")
	closeAll(convs)
	prog.finish()
	stopServer()

	res := e.oracle.Result()
	rep.fill(res, e, idle, t0, t1, self0, self1, profiles)
	rep.Nodes = len(tg.wsURLs)
	if killed != "" {
		e.failover.fill(rep, killed, o.KillNode, killedLegs, windowStart)
	}
	e.errMu.Lock()
	rep.Errors = append(rep.Errors, e.errs...)
	e.errMu.Unlock()
	return rep, nil
}

// holdWindow waits out the measured window; with -kill-node-after it
// SIGKILLs a node that long into it and returns which (and its legs).
func (rn *runner) holdWindow(ctx context.Context, tg *target, e *env, rep *Report, start time.Time) (string, int) {
	o := rn.opts
	wait := func(d time.Duration) {
		select {
		case <-time.After(d):
		case <-ctx.Done():
		}
	}
	if o.KillNodeAfter <= 0 || len(tg.nodes) == 0 {
		wait(o.Duration)
		return "", 0
	}
	wait(o.KillNodeAfter)
	defer func() { wait(o.Duration - time.Since(start)) }()
	i, seen := tg.victim(ctx, o.KillNode)
	if i < 0 {
		rep.Errors = append(rep.Errors, "no node to kill ("+o.KillNode+"): "+describeNodes(seen))
		return "", 0
	}
	n := tg.nodes[i]
	e.failover.mu.Lock()
	e.failover.killAt = time.Now()
	e.failover.mu.Unlock()
	if err := n.proc.cmd.Process.Kill(); err != nil {
		rep.Errors = append(rep.Errors, fmt.Sprintf("kill %s: %v", n.id, err))
		return "", 0
	}
	n.killed = true
	tg.meter.cluster.markDead(i)
	fmt.Fprintf(rn.out, "SIGKILL %s (%s)\n", n.id, describeNodes(seen))
	return n.id, seen[n.id].Legs
}

// newEnv is what the conversations of one run share; lifetime is about
// how long one leg sends (it sizes the oracle's arrays).
func newEnv(o Options, tg *target, hub *leanrtc.Hub, lifetime time.Duration) *env {
	return &env{
		opts: o, wsURL: tg.wsURL, wsURLs: tg.wsURLs, minter: tg.minter, tenant: auth.TenantID(o.Tenant), place: tg.place,
		hub: hub, pacer: leanrtc.NewPacer(leanrtc.PacerParams{Hub: hub}),
		oracle: oracle.New(oracle.Params{
			Grace:      o.Grace,
			FramesHint: int(lifetime / leanrtc.FrameInterval),
		}),
		stop: make(chan struct{}),
	}
}

// closeAll hangs every conversation up, a few at a time.
func closeAll(convs []conv) {
	sem := make(chan struct{}, teardownWorkers)
	var wg sync.WaitGroup
	for _, c := range convs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			c.close()
		})
	}
	wg.Wait()
}

// selfSample reads the load tester's own process.
func selfSample() procSample {
	s, err := readProc("self")
	if err != nil {
		return procSample{At: time.Now()}
	}
	return s
}

// fill turns the oracle's result and the samples into the report.
func (r *Report) fill(res oracle.Result, e *env, idle, t0, t1 serverSample, self0, self1 procSample, profiles map[string]int) {
	wall := t1.At.Sub(t0.At).Seconds()
	r.DurationS = round(wall, 2)
	r.Packets = res.Packets
	r.Leaks, r.WhisperLeaks, r.LeaksAudio, r.LeaksChat = res.Leaks, res.WhisperLeaks, res.LeaksAudio, res.LeaksChat
	r.PCILeaks = res.PCILeaks
	r.LeaksByPair = res.LeaksByPair
	r.LossRatio = res.LossRatio
	r.Latency, r.SwitchLatency, r.Join = res.Latency, res.SwitchLatency, res.Join
	r.SwitchFirst, r.SwitchLast, r.SwitchMissing = res.SwitchFirst, res.SwitchLast, res.SwitchMissing
	r.Chat = res.Chat
	r.FailedJoins = e.count.failedJoins.Load()
	r.Switches, r.SwitchErrors = e.count.switches.Load(), e.count.switchErrors.Load()
	r.Holds, r.HoldErrors = e.count.holds.Load(), e.count.holdErrors.Load()
	r.PCIPauses, r.PCIErrors = e.count.pcis.Load(), e.count.pciErrors.Load()
	r.PCIEveryS = e.opts.PCIEvery.Seconds()
	r.ChatRefused = e.count.chatRefused.Load()
	r.SRTPProfiles = profiles
	for _, s := range []serverSample{idle, t0, t1} {
		if s.Err != nil {
			r.Errors = append(r.Errors, fmt.Sprintf("server measurement: %v", s.Err))
			break
		}
	}

	cpu := (t1.CPU - t0.CPU).Seconds()
	fwd := t1.Forwarded - t0.Forwarded
	r.Server = ServerReport{
		CPUSeconds:       round(cpu, 3),
		RSSMB:            round(float64(t1.RSS)/1e6, 1),
		RSSIdleMB:        round(float64(idle.RSS)/1e6, 1),
		Goroutines:       t1.Goroutines,
		ForwardedPackets: fwd,
		ReceivedPackets:  t1.Received - t0.Received,
		Legs:             t1.Legs,
		RecordedPackets:  t1.RecPackets - t0.RecPackets,
		RecordingDropped: t1.RecDropped - t0.RecDropped,
	}
	if wall > 0 && r.Calls > 0 && t1.RecBytes > t0.RecBytes {
		r.Server.RecordingKBPerCallMin = round(float64(t1.RecBytes-t0.RecBytes)/1e3/float64(r.Calls)/(wall/60), 1)
	}
	if wall > 0 {
		r.Server.CPUPercent = round(100*cpu/wall, 1)
	}
	if fwd > 0 {
		r.Server.CPUUsPerForwardedPacket = round(cpu*1e6/float64(fwd), 2)
	}
	if t1.Legs > 0 {
		r.Server.BytesPerLeg = round(float64(t1.RSS-idle.RSS)/float64(t1.Legs), 0)
		r.Server.HeapBytesPerLeg = round(float64(t1.HeapInuse-idle.HeapInuse)/float64(t1.Legs), 0)
	}
	lcpu := (self1.CPU - self0.CPU).Seconds()
	r.Loadtest = LoadtestReport{CPUSeconds: round(lcpu, 3), RSSMB: round(float64(self1.RSS)/1e6, 1)}
	if wall > 0 {
		r.Loadtest.CPUPercent = round(100*lcpu/wall, 1)
	}
	if cpu > 0 {
		r.Loadtest.CPURatio = round(lcpu/cpu, 2)
	}
}

// fetchProfile saves the server's CPU profile over d (pprof listener at addr).
func fetchProfile(ctx context.Context, addr string, d time.Duration, path string) error {
	secs := max(int(d.Seconds())-1, 1)
	ctx, cancel := context.WithTimeout(ctx, d+30*time.Second)
	defer cancel()
	url := fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, secs)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
