package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// soakScrapeTimeout bounds one metrics scrape or forced collection.
const soakScrapeTimeout = 10 * time.Second

// procFigures is what a soak watches of the server process.
type procFigures struct {
	// Goroutines is go_goroutines from the server's /metrics.
	Goroutines int `json:"goroutines"`
	// FDs counts the entries of /proc/<pid>/fd.
	FDs int `json:"fds"`
	// RSSKiB is VmRSS from /proc/<pid>/status.
	RSSKiB int64 `json:"rss_kib"`
	// HeapKiB is go_memstats_heap_inuse_bytes: the heap's spans in use,
	// free space inside them included.
	HeapKiB int64 `json:"heap_inuse_kib"`
	// HeapLiveKiB is go_memstats_heap_alloc_bytes: the heap's objects.
	// Right after a forced collection (baseline, end) that is what is
	// still referenced — what a leak would make grow, where RSS also keeps
	// memory the runtime returns to the OS only lazily.
	HeapLiveKiB int64 `json:"heap_live_kib"`
}

// maxOf is the field-wise maximum of f and g.
func (f procFigures) maxOf(g procFigures) procFigures {
	return procFigures{
		Goroutines: max(f.Goroutines, g.Goroutines), FDs: max(f.FDs, g.FDs),
		RSSKiB: max(f.RSSKiB, g.RSSKiB), HeapKiB: max(f.HeapKiB, g.HeapKiB), HeapLiveKiB: max(f.HeapLiveKiB, g.HeapLiveKiB),
	}
}

// within reports whether f's goroutines and open files are at most slack
// above base's, and its RSS at most rssSlackPct percent above (-1: RSS is
// not judged).
func (f procFigures) within(base procFigures, goroutineSlack, fdSlack, rssSlackPct int) bool {
	rssOK := rssSlackPct < 0 || f.RSSKiB*100 <= base.RSSKiB*int64(100+rssSlackPct)
	return f.Goroutines <= base.Goroutines+goroutineSlack && f.FDs <= base.FDs+fdSlack && rssOK
}

// soakMeter reads the server process for a soak. Its HTTP client opens a
// new connection per request and closes it, so no idle keep-alive
// connection of the meter's own sits in the server's counts.
type soakMeter struct {
	pid        string
	metricsURL string
	pprofAddr  string // "" when the server has no profiler: no forced GC
	client     *http.Client
}

func newSoakMeter(pid, metricsURL, pprofAddr string) *soakMeter {
	return &soakMeter{
		pid: pid, metricsURL: metricsURL, pprofAddr: pprofAddr,
		client: &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: soakScrapeTimeout},
	}
}

// sample reads goroutines and heap from /metrics and open files and RSS
// from /proc.
func (m *soakMeter) sample(ctx context.Context) (procFigures, error) {
	ms, err := scrapeMetrics(ctx, m.client, m.metricsURL)
	if err != nil {
		return procFigures{}, err
	}
	fds, err := countFDs(m.pid)
	if err != nil {
		return procFigures{}, err
	}
	status, err := os.ReadFile("/proc/" + m.pid + "/status")
	if err != nil {
		return procFigures{}, fmt.Errorf("read status: %w", err)
	}
	rss, err := parseStatusRSS(status)
	if err != nil {
		return procFigures{}, err
	}
	return procFigures{Goroutines: int(ms.Goroutines), FDs: fds, RSSKiB: rss / 1024,
		HeapKiB: int64(ms.HeapInuse) / 1024, HeapLiveKiB: int64(ms.HeapLive) / 1024}, nil
}

// collect makes the server run a garbage collection, through the heap
// profile's gc=1 parameter on its opt-in loopback profiler (no endpoint
// of its own is added for this), and saves the heap profile that comes
// with it to save, if set. Without a profiler it does nothing.
func (m *soakMeter) collect(ctx context.Context, save string) error {
	if m.pprofAddr == "" {
		return nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+m.pprofAddr+"/debug/pprof/heap?gc=1", nil)
	if err != nil {
		return err
	}
	resp, err := m.client.Do(req)
	if err != nil {
		return fmt.Errorf("forced GC: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("forced GC: %s", resp.Status)
	}
	if save == "" {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("heap profile: %w", err)
	}
	return os.WriteFile(save, b, 0o644)
}

// countFDs counts the open file descriptors of process pid.
func countFDs(pid string) (int, error) {
	ents, err := os.ReadDir("/proc/" + pid + "/fd")
	if err != nil {
		return 0, fmt.Errorf("open files: %w", err)
	}
	return len(ents), nil
}

// settlePoll is how often a settling server is read again.
const settlePoll = 250 * time.Millisecond

// settle collects garbage and samples the server until done accepts a
// sample or the deadline passes; it returns the last sample read and
// whether done accepted it. done gets the previous sample (nil at first).
// The heap profile of the last collection is saved to save, if set.
func (m *soakMeter) settle(ctx context.Context, deadline time.Time, save string, done func(prev *procFigures, cur procFigures) bool) (procFigures, bool, error) {
	var last *procFigures
	for {
		err := m.collect(ctx, save)
		var cur procFigures
		if err == nil {
			cur, err = m.sample(ctx)
		}
		if err == nil {
			if done(last, cur) {
				return cur, true, nil
			}
			last = &cur
		}
		if !time.Now().Add(settlePoll).Before(deadline) {
			if last == nil {
				return procFigures{}, false, err
			}
			return *last, false, err
		}
		select {
		case <-ctx.Done():
			return procFigures{}, false, ctx.Err()
		case <-time.After(settlePoll):
		}
	}
}
