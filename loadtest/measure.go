package main

import (
	"context"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// serverSample is one reading of the server process, from /proc when the
// process is on this machine and from /metrics otherwise (or for what /proc
// cannot tell: goroutines, forwarded packets).
type serverSample struct {
	At         time.Time
	CPU        time.Duration
	RSS        int64
	HeapInuse  int64
	Goroutines int
	Forwarded  uint64
	Received   uint64
	// RecPackets, RecDropped and RecBytes are the recording counters.
	RecPackets, RecDropped, RecBytes uint64
	Legs                             int
	// Conversations are the live conversations of the server's domain
	// (in a cluster: of the tenants it is home to).
	Conversations int
	Err           error
}

// meter reads the server (or, for a cluster, every node: cluster).
type meter struct {
	pid        string // "" when the server is not on this machine
	metricsURL string
	cluster    *clusterMeter
}

func (m meter) sample(ctx context.Context) serverSample {
	if m.cluster != nil {
		return m.cluster.sample(ctx)
	}
	s := serverSample{At: time.Now()}
	var ms metricsSample
	if m.metricsURL != "" {
		ms, s.Err = scrapeMetrics(ctx, http.DefaultClient, m.metricsURL)
		s.CPU = time.Duration(ms.CPUSeconds * float64(time.Second))
		s.RSS = int64(ms.RSS)
		s.HeapInuse = int64(ms.HeapInuse)
		s.Goroutines = int(ms.Goroutines)
		s.Forwarded = uint64(ms.Forwarded)
		s.Received = uint64(ms.ReceivedPkts)
		s.RecPackets, s.RecDropped, s.RecBytes = uint64(ms.RecPackets), uint64(ms.RecDropped), uint64(ms.RecBytes)
		s.Legs = int(ms.Legs)
		s.Conversations = int(ms.Conversations)
	}
	if m.pid != "" {
		// /proc has finer CPU resolution than the exporter's rounding.
		if ps, err := readProc(m.pid); err == nil {
			s.CPU, s.RSS = ps.CPU, ps.RSS
		} else if s.Err == nil {
			s.Err = err
		}
	}
	return s
}

// machine describes where the run happened, for the report.
type machine struct {
	CPUs    int     `json:"nproc"`
	Model   string  `json:"cpu_model"`
	MemGiB  float64 `json:"mem_gib"`
	Load1   float64 `json:"load1_at_start"`
	Load1At float64 `json:"load1_at_end"`
	GoMaxP  int     `json:"gomaxprocs"`
	Version string  `json:"go_version"`
}

func describeMachine() machine {
	m := machine{CPUs: runtime.NumCPU(), GoMaxP: runtime.GOMAXPROCS(0), Version: runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.Model = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
				kb, _ := strconv.ParseFloat(f[1], 64)
				m.MemGiB = round(kb/(1<<20), 1)
			}
		}
	}
	m.Load1 = load1()
	return m
}

// load1 is the one-minute load average (0 if unknown).
func load1() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}
