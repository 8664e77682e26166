package main

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestParseStatCPU(t *testing.T) {
	// A command name with spaces and a parenthesis must not shift fields.
	stat := "4242 (earshot (x) y) S 1 4242 4242 0 -1 4194560 1234 0 0 0 250 130 0 0 20 0 12 0 100 0 0\n"
	got, err := parseStatCPU([]byte(stat))
	if err != nil {
		t.Fatal(err)
	}
	if want := 3800 * time.Millisecond; got != want {
		t.Fatalf("cpu %v, want %v", got, want)
	}
	for _, bad := range []string{"", "1 (x) S 1", "1 (x) S 1 2 3 4 5 6 7 8 9 10 a b"} {
		if _, err := parseStatCPU([]byte(bad)); err == nil {
			t.Errorf("parsed %q", bad)
		}
	}
}

func TestParseStatusRSS(t *testing.T) {
	status := "Name:\tearshot\nVmPeak:\t  9000 kB\nVmRSS:\t   20480 kB\nThreads:\t12\n"
	got, err := parseStatusRSS([]byte(status))
	if err != nil || got != 20480*1024 {
		t.Fatalf("%d %v", got, err)
	}
	if _, err := parseStatusRSS([]byte("Name:\tx\n")); err == nil {
		t.Fatal("no VmRSS accepted")
	}
}

func TestReadProcSelf(t *testing.T) {
	s, err := readProc("self")
	if err != nil {
		t.Fatal(err)
	}
	if s.RSS <= 0 || s.CPU < 0 {
		t.Fatalf("%+v", s)
	}
	if _, err := readProc("999999999"); err == nil && os.Getpid() != 999999999 {
		t.Fatal("read a process that does not exist")
	}
}

func TestParseMetrics(t *testing.T) {
	text := `# HELP go_goroutines Number of goroutines.
# TYPE go_goroutines gauge
go_goroutines 1234
process_cpu_seconds_total 56.78
process_resident_memory_bytes 1.048576e+08
earshot_packets_forwarded_total 987654 1700000000000
earshot_legs 450
earshot_conversations{channel="voice",state="active"} 150
go_memstats_heap_inuse_bytes 5e+07
`
	m, err := parseMetrics(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	if m.Goroutines != 1234 || m.CPUSeconds != 56.78 || m.RSS != 104857600 || m.Forwarded != 987654 || m.Legs != 450 || m.HeapInuse != 5e7 {
		t.Fatalf("%+v", m)
	}
	if _, err := parseMetrics(strings.NewReader("go_goroutines many\n")); err == nil {
		t.Fatal("bad value accepted")
	}
}
