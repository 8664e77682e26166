package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat CPU times. It is 100
// on every Linux architecture Go supports (the kernel ABI fixes it).
const clockTicks = 100

// procSample is one reading of a process's CPU time and memory.
type procSample struct {
	At  time.Time
	CPU time.Duration // user + system
	RSS int64         // bytes
}

// readProc reads /proc/<pid>/stat and status ("self" for this process).
func readProc(pid string) (procSample, error) {
	stat, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return procSample{}, fmt.Errorf("read stat: %w", err)
	}
	cpu, err := parseStatCPU(stat)
	if err != nil {
		return procSample{}, err
	}
	status, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return procSample{}, fmt.Errorf("read status: %w", err)
	}
	rss, err := parseStatusRSS(status)
	if err != nil {
		return procSample{}, err
	}
	return procSample{At: time.Now(), CPU: cpu, RSS: rss}, nil
}

// parseStatCPU returns utime+stime from a /proc/<pid>/stat line. The
// command name (field 2) may contain spaces and parentheses, so fields are
// counted after its last ')'.
func parseStatCPU(stat []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("stat: no command field")
	}
	f := strings.Fields(string(stat[i+1:]))
	// After ")": state is field 3, utime field 14, stime field 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("stat: %d fields", len(f))
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("stat: utime %q stime %q", f[11], f[12])
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}

// parseStatusRSS returns VmRSS from /proc/<pid>/status, in bytes.
func parseStatusRSS(status []byte) (int64, error) {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "VmRSS:") {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			break
		}
		kb, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			break
		}
		return kb * 1024, nil
	}
	return 0, fmt.Errorf("status: no VmRSS")
}

// metricsSample is what the load tester reads from the server's /metrics.
type metricsSample struct {
	At                                   time.Time
	CPUSeconds, RSS, HeapInuse, HeapLive float64
	Goroutines, Legs                     float64
	Forwarded, ReceivedPkts, DroppedPkts float64
	// Conversations sums earshot_conversations over its labels.
	Conversations                    float64
	RecPackets, RecDropped, RecBytes float64
}

// metricNames maps exposition names onto the sample's fields.
var metricNames = map[string]func(*metricsSample) *float64{
	"process_cpu_seconds_total":       func(m *metricsSample) *float64 { return &m.CPUSeconds },
	"process_resident_memory_bytes":   func(m *metricsSample) *float64 { return &m.RSS },
	"go_memstats_heap_inuse_bytes":    func(m *metricsSample) *float64 { return &m.HeapInuse },
	"go_memstats_heap_alloc_bytes":    func(m *metricsSample) *float64 { return &m.HeapLive },
	"go_goroutines":                   func(m *metricsSample) *float64 { return &m.Goroutines },
	"earshot_legs":                    func(m *metricsSample) *float64 { return &m.Legs },
	"earshot_packets_forwarded_total": func(m *metricsSample) *float64 { return &m.Forwarded },
	"earshot_packets_received_total":  func(m *metricsSample) *float64 { return &m.ReceivedPkts },
	"earshot_packets_dropped_total":   func(m *metricsSample) *float64 { return &m.DroppedPkts },
	"earshot_recording_packets_total": func(m *metricsSample) *float64 { return &m.RecPackets },
	"earshot_recording_dropped_total": func(m *metricsSample) *float64 { return &m.RecDropped },
	"earshot_recording_bytes_total":   func(m *metricsSample) *float64 { return &m.RecBytes },
}

// scrapeMetrics fetches and parses the server's Prometheus text metrics
// with client.
func scrapeMetrics(ctx context.Context, client *http.Client, url string) (metricsSample, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return metricsSample{}, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return metricsSample{}, fmt.Errorf("scrape %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return metricsSample{}, fmt.Errorf("scrape %s: %s", url, resp.Status)
	}
	m, err := parseMetrics(resp.Body)
	m.At = time.Now()
	return m, err
}

// parseMetrics reads the unlabelled samples it knows from the Prometheus
// text format; everything else is skipped.
func parseMetrics(r io.Reader) (metricsSample, error) {
	var m metricsSample
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		name, value, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		field := metricNames[name]
		if strings.HasPrefix(name, "earshot_conversations{") {
			field = func(m *metricsSample) *float64 { return &m.Conversations }
		}
		if field == nil {
			continue
		}
		value, _, _ = strings.Cut(strings.TrimSpace(value), " ") // drop a timestamp
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			return m, fmt.Errorf("metric %s: %w", name, err)
		}
		if strings.HasPrefix(name, "earshot_conversations{") {
			m.Conversations += v
			continue
		}
		*field(&m) = v
	}
	return m, sc.Err()
}
