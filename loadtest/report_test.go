package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/earshot/earshot/loadtest/oracle"
)

// requiredJSON are the fields the issue asks the -json file to carry.
var requiredJSON = []string{
	"calls", "chats", "legs", "duration_s",
	"packets.sent", "packets.received", "packets.expected", "packets.lost", "packets.duplicated",
	"leaks", "whisper_leaks", "loss_ratio",
	"latency_ms.p50", "latency_ms.p95", "latency_ms.p99", "latency_ms.max",
	"switch_latency_ms.p50", "switch_latency_ms.p99", "switch_latency_ms.max",
	"join_ms.p50", "join_ms.p99", "failed_joins",
	"server.cpu_seconds", "server.cpu_percent", "server.rss_mb", "server.goroutines",
	"server.forwarded_packets", "server.cpu_us_per_forwarded_packet",
	"loadtest.cpu_percent", "loadtest.rss_mb",
}

func sampleReport() *Report {
	start := time.Unix(1_700_000_000, 0)
	e := &env{}
	e.count.failedJoins.Store(0)
	r := &Report{Calls: 2, Chats: 1, Legs: 6}
	res := oracle.Result{Packets: oracle.PacketResult{Sent: 100, Received: 150, Expected: 140, Lost: 1}, LossRatio: 1.0 / 140}
	idle := serverSample{At: start, RSS: 10e6}
	t0 := serverSample{At: start, CPU: time.Second, RSS: 20e6, Forwarded: 1000}
	t1 := serverSample{At: start.Add(10 * time.Second), CPU: 3 * time.Second, RSS: 26e6, HeapInuse: 8e6, Forwarded: 101000, Legs: 6, Goroutines: 99}
	s0 := procSample{At: start, CPU: time.Second}
	s1 := procSample{At: start.Add(10 * time.Second), CPU: 4 * time.Second, RSS: 30e6}
	r.fill(res, e, idle, t0, t1, s0, s1, map[string]int{"SRTP_AEAD_AES_128_GCM": 6})
	return r
}

func TestReportFill(t *testing.T) {
	r := sampleReport()
	s := r.Server
	if s.CPUSeconds != 2 || s.CPUPercent != 20 || s.ForwardedPackets != 100000 || s.CPUUsPerForwardedPacket != 20 {
		t.Fatalf("server %+v", s)
	}
	if s.BytesPerLeg != 2666667 || s.Goroutines != 99 {
		t.Fatalf("memory %+v", s)
	}
	if r.Loadtest.CPUPercent != 30 || r.Loadtest.CPURatio != 1.5 || r.Loadtest.RSSMB != 30 {
		t.Fatalf("loadtest %+v", r.Loadtest)
	}
	if r.Held() {
		t.Fatal("a loss ratio of 0.7% held the bar")
	}
	r.LossRatio = 0
	if !r.Held() {
		t.Fatal("a clean run broke the bar")
	}
	r.WhisperLeaks = 1
	if r.Held() {
		t.Fatal("a whisper leak held the bar")
	}
}

func TestReportJSON(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.json")
	if err := writeJSON(path, sampleReport()); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	for _, key := range requiredJSON {
		t.Run(key, func(t *testing.T) {
			var v any = doc
			for _, part := range strings.Split(key, ".") {
				m, ok := v.(map[string]any)
				if !ok {
					t.Fatalf("%s: not an object", key)
				}
				if v, ok = m[part]; !ok {
					t.Fatalf("%s missing", key)
				}
			}
			if _, ok := v.(float64); !ok {
				t.Fatalf("%s = %v, not a number", key, v)
			}
		})
	}
}

func TestPrintSummary(t *testing.T) {
	var b bytes.Buffer
	printSummary(&b, sampleReport())
	for _, want := range []string{"BROKE THE BAR", "whisper leaks", "µs per forwarded packet", "SRTP_AEAD_AES_128_GCM ×6"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, b.String())
		}
	}
}
