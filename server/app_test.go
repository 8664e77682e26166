package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func TestHealthReadyMetrics(t *testing.T) {
	ts := startServer(t, nil)
	if code, body := get(t, ts.base+"/healthz"); code != 200 || body != "ok\n" {
		t.Fatalf("/healthz = %d %q", code, body)
	}
	if code, _ := get(t, ts.base+"/readyz"); code != 200 {
		t.Fatalf("/readyz = %d", code)
	}
	code, body := get(t, ts.base+"/metrics")
	if code != 200 {
		t.Fatalf("/metrics = %d", code)
	}
	for _, want := range []string{
		`earshot_conversations{channel="voice",state="active"} 0`,
		`earshot_monitors{mode="barge"} 0`,
		`earshot_agents{state="ready"} 0`,
		"earshot_legs 0",
		"earshot_packets_forwarded_total 0",
		"earshot_packets_dropped_total 0",
		"earshot_mode_switch_seconds_bucket",
		"earshot_signaling_sessions 0",
		`earshot_media_shard_received_total{shard="0"}`,
		`earshot_media_shard_sent_total{shard="0"}`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	resp, err := http.Get(ts.base + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); csp == "" {
		t.Error("no Content-Security-Policy header")
	}
	ts.shutdown(t)
	if _, err := http.Get(ts.base + "/healthz"); err == nil {
		t.Fatal("server still answers after shutdown")
	}
}

// The policy names the page's own host for WebSockets, and nothing when the
// Host header could smuggle in another directive.
func TestWebSocketSources(t *testing.T) {
	for host, want := range map[string]string{
		"127.0.0.1:8080":         "ws://127.0.0.1:8080 wss://127.0.0.1:8080",
		"cc.example.com":         "ws://cc.example.com wss://cc.example.com",
		"[::1]:8080":             "ws://[::1]:8080 wss://[::1]:8080",
		"":                       "",
		"evil.com; script-src *": "",
		"evil.com 'unsafe-eval'": "",
		"a.com\r\nX-Injected: 1": "",
	} {
		if got := webSocketSources(host); got != want {
			t.Errorf("webSocketSources(%q) = %q, want %q", host, got, want)
		}
	}
}
