package main

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestPprofMux(t *testing.T) {
	srv := httptest.NewServer(newPprofMux())
	defer srv.Close()
	for _, path := range []string{"/debug/pprof/", "/debug/pprof/cmdline", "/debug/pprof/goroutine?debug=1"} {
		t.Run(path, func(t *testing.T) {
			resp, err := http.Get(srv.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: %s", path, resp.Status)
			}
		})
	}
}

func TestStartPprof(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	t.Run("off by default", func(t *testing.T) {
		a := &app{cfg: DefaultConfig(), log: log}
		if a.cfg.HTTP.PprofAddr != "" {
			t.Fatal("pprof on by default")
		}
		a.startPprof()() // a no-op that must not block
	})
	t.Run("serves and stops", func(t *testing.T) {
		cfg := DefaultConfig()
		port, err := freeTCPPort()
		if err != nil {
			t.Fatal(err)
		}
		cfg.HTTP.PprofAddr = port
		hosts, err := allowedHosts(cfg)
		if err != nil {
			t.Fatal(err)
		}
		a := &app{cfg: cfg, log: log, hosts: hosts}
		stop := a.startPprof()
		resp, err := http.Get("http://" + port + "/debug/pprof/")
		if err != nil {
			stop()
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			stop()
			t.Fatalf("pprof index: %d", resp.StatusCode)
		}
		// A DNS rebinding page must not read profiles either.
		code, _ := getHost(t, "http://"+port+"/debug/pprof/cmdline", "evil.example:"+port[strings.LastIndex(port, ":")+1:])
		stop()
		if code != http.StatusMisdirectedRequest {
			t.Fatalf("pprof with a foreign Host: %d, want 421", code)
		}
		if _, err := http.Get("http://" + port + "/debug/pprof/"); err == nil {
			t.Fatal("still serving after stop")
		}
	})
}

// freeTCPPort returns a loopback address whose port was free a moment ago.
func freeTCPPort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
