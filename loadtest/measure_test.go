package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestMeterSample(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("go_goroutines 42\nearshot_packets_forwarded_total 1000\nearshot_legs 6\nprocess_cpu_seconds_total 1.5\nprocess_resident_memory_bytes 2e6\n"))
	}))
	defer srv.Close()
	t.Run("metrics only (remote server)", func(t *testing.T) {
		s := meter{metricsURL: srv.URL}.sample(context.Background())
		if s.Err != nil || s.Goroutines != 42 || s.Forwarded != 1000 || s.Legs != 6 || s.CPU.Seconds() != 1.5 || s.RSS != 2e6 {
			t.Fatalf("%+v", s)
		}
	})
	t.Run("proc wins for cpu and rss", func(t *testing.T) {
		s := meter{pid: "self", metricsURL: srv.URL}.sample(context.Background())
		if s.Err != nil || s.Goroutines != 42 || s.RSS == 2e6 || s.RSS <= 0 {
			t.Fatalf("%+v", s)
		}
	})
	t.Run("unreachable metrics are reported", func(t *testing.T) {
		if s := (meter{metricsURL: "http://127.0.0.1:1/metrics"}).sample(context.Background()); s.Err == nil {
			t.Fatal("no error")
		}
	})
}

func TestDescribeMachine(t *testing.T) {
	m := describeMachine()
	if m.CPUs <= 0 || m.GoMaxP <= 0 || m.Version == "" {
		t.Fatalf("%+v", m)
	}
}
