package main

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

// getHost sends GET url with the given Host header, as a browser on a
// rebinding domain would, and returns the status and body.
func getHost(t *testing.T, url, host string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	resp, err := http.DefaultClient.Do(req)
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

// dialWS opens a signaling socket with the given Host and Origin headers
// ("" = the dialer's own Host, no Origin) and returns the upgrade status.
func dialWS(t *testing.T, url, host, origin string) int {
	t.Helper()
	h := http.Header{}
	if host != "" {
		h.Set("Host", host)
	}
	if origin != "" {
		h.Set("Origin", origin)
	}
	d := websocket.Dialer{HandshakeTimeout: testDeadline}
	ws, resp, err := d.Dial(url, h)
	if ws != nil {
		_ = ws.Close()
	}
	if resp == nil {
		t.Fatalf("dial %s (Host %q, Origin %q): %v", url, host, origin, err)
	}
	return resp.StatusCode
}

// portOf is the ":port" of a base URL.
func portOf(base string) string { return base[strings.LastIndex(base, ":"):] }

// A DNS rebinding page (Host evil.example) reaches no route of a server
// started with the defaults and demo logins on; the names the server is
// meant to be reached by work.
func TestHostAllowList(t *testing.T) {
	ts := startServer(t, func(c *Config) {
		c.Auth.Demo = true
		c.HTTP.AllowedHosts = []string{"console.example.com"}
	})
	port := portOf(ts.base)
	evil := "evil.example" + port

	t.Run("rebinding host refused on every route", func(t *testing.T) {
		for _, path := range []string{"/api/dev/logins", "/ws", "/metrics", "/healthz", "/readyz", "/", "/api/v1/audit", "/no-such-page"} {
			code, body := getHost(t, ts.base+path, evil)
			if code != http.StatusMisdirectedRequest {
				t.Errorf("%s with Host %s: %d, want 421", path, evil, code)
			}
			if strings.Contains(body, "token") || !strings.Contains(body, "allowed_hosts") {
				t.Errorf("%s: body %q", path, body)
			}
		}
		for _, host := range []string{"localhost.evil.example" + port, "127.0.0.1.nip.io" + port, "console.example.com.evil.example"} {
			if code, _ := getHost(t, ts.base+"/api/dev/logins", host); code != http.StatusMisdirectedRequest {
				t.Errorf("dev logins with Host %s: %d, want 421", host, code)
			}
		}
	})

	t.Run("WebSocket with Host and Origin both the attacker's", func(t *testing.T) {
		if code := dialWS(t, ts.ws, evil, "http://"+evil); code != http.StatusMisdirectedRequest {
			t.Fatalf("rebound socket: %d, want 421", code)
		}
	})

	t.Run("loopback and configured hosts pass", func(t *testing.T) {
		for _, host := range []string{"127.0.0.1" + port, "localhost" + port, "LOCALHOST" + port, "console.example.com", "console.example.com:8443"} {
			if code, _ := getHost(t, ts.base+"/healthz", host); code != http.StatusOK {
				t.Errorf("/healthz with Host %s: %d", host, code)
			}
			if code, _ := getHost(t, ts.base+"/metrics", host); code != http.StatusOK {
				t.Errorf("/metrics with Host %s: %d", host, code)
			}
		}
		for _, host := range []string{"127.0.0.1" + port, "localhost" + port} {
			if code, body := getHost(t, ts.base+"/api/dev/logins", host); code != http.StatusOK || !strings.Contains(body, `"token"`) {
				t.Errorf("dev logins with Host %s: %d", host, code)
			}
		}
	})

	t.Run("dev logins need a loopback Host", func(t *testing.T) {
		// Allowed for the other routes, but not a loopback name.
		code, body := getHost(t, ts.base+"/api/dev/logins", "console.example.com")
		if code != http.StatusForbidden || strings.Contains(body, `"token"`) || !strings.Contains(body, "localhost") {
			t.Fatalf("dev logins with Host console.example.com: %d %q", code, body)
		}
	})

	t.Run("Origin checked against the allowed hosts", func(t *testing.T) {
		for _, tc := range []struct {
			host, origin string
			want         int
		}{
			{"", "", http.StatusSwitchingProtocols}, // a non-browser client
			{"", "http://127.0.0.1" + port, http.StatusSwitchingProtocols},
			{"localhost" + port, "http://localhost" + port, http.StatusSwitchingProtocols},
			{"console.example.com", "https://console.example.com", http.StatusSwitchingProtocols},
			{"localhost" + port, "http://evil.example" + port, http.StatusForbidden},
			{"console.example.com", "https://evil.example", http.StatusForbidden},
			{"", "null", http.StatusForbidden},
		} {
			if code := dialWS(t, ts.ws, tc.host, tc.origin); code != tc.want {
				t.Errorf("Host %q Origin %q: %d, want %d", tc.host, tc.origin, code, tc.want)
			}
		}
	})
}

// "*" in allowed_hosts switches the Host check off (development only); the
// dev logins still need a loopback Host.
func TestAllowedHostsStar(t *testing.T) {
	ts := startServer(t, func(c *Config) {
		c.Auth.Demo = true
		c.HTTP.AllowedHosts = []string{"*"}
	})
	if code, _ := getHost(t, ts.base+"/healthz", "anything.example"); code != http.StatusOK {
		t.Fatalf("/healthz: %d", code)
	}
	if code, _ := getHost(t, ts.base+"/api/dev/logins", "evil.example"+portOf(ts.base)); code != http.StatusForbidden {
		t.Fatalf("dev logins with a foreign Host: %d, want 403", code)
	}
}

// The dev logins also need the peer to be this machine: a loopback Host is
// what any remote client can claim.
func TestDevLoginsNeedALoopbackPeer(t *testing.T) {
	for _, tc := range []struct {
		host, remote string
		want         bool
	}{
		{"localhost:8080", "127.0.0.1:5000", true},
		{"127.0.0.1:8080", "[::1]:5000", true},
		{"localhost:8080", "10.0.0.7:5000", false},
		{"127.0.0.1:8080", "203.0.113.9:5000", false},
		{"10.0.0.5:8080", "127.0.0.1:5000", false},
		{"evil.example:8080", "127.0.0.1:5000", false},
		{"", "127.0.0.1:5000", false},
		{"localhost:8080", "garbage", false},
	} {
		r := httptest.NewRequest(http.MethodGet, "/api/dev/logins", nil)
		r.Host, r.RemoteAddr = tc.host, tc.remote
		if got := devLoginAllowed(r); got != tc.want {
			t.Errorf("devLoginAllowed(Host %q, peer %q) = %v, want %v", tc.host, tc.remote, got, tc.want)
		}
	}
}

func TestAllowedHosts(t *testing.T) {
	build := func(mutate func(*Config)) func(string) bool {
		t.Helper()
		cfg := DefaultConfig()
		mutate(&cfg)
		l, err := allowedHosts(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return l.Allows
	}
	def := build(func(*Config) {})
	for host, want := range map[string]bool{"127.0.0.1:8080": true, "localhost:8080": true, "[::1]:8080": true, "app.localhost:5173": true, "evil.example:8080": false, "10.0.0.5:8080": false} {
		if got := def(host); got != want {
			t.Errorf("defaults: Allows(%q) = %v, want %v", host, got, want)
		}
	}
	derived := build(func(c *Config) {
		c.HTTP.Addr = "earshot.internal:8080"
		c.HTTP.PprofAddr = "10.0.0.9:6060"
		c.Media.PublicIPs = []string{"203.0.113.10"}
		c.Signaling.AllowedOrigins = []string{"https://console.example.com", "*"}
		c.HTTP.AllowedHosts = []string{"*.tenants.example.net"}
	})
	for host, want := range map[string]bool{
		"earshot.internal:8080": true, "10.0.0.9:6060": true, "203.0.113.10": true, "console.example.com": true,
		"a.tenants.example.net": true, "evil.example": false, "localhost:8080": true,
	} {
		if got := derived(host); got != want {
			t.Errorf("derived: Allows(%q) = %v, want %v", host, got, want)
		}
	}
	wildcard := build(func(c *Config) { c.HTTP.Addr = "0.0.0.0:8080" })
	if wildcard("0.0.0.0:8080") {
		t.Error("the unspecified address became an allowed host")
	}
}

// On 0.0.0.0 the server answers to the literal address a client connected
// to, as a load balancer probing by IP does, but not to another name.
func TestUnspecifiedListenAcceptsTheConnectedAddress(t *testing.T) {
	ip := nonLoopbackIP(t)
	if ip == nil {
		// Every machine this runs on has loopback; the connected-address
		// rule is then exercised through 127.0.0.1 below, which the
		// loopback names also allow. hostcheck's tests cover other IPs.
		ip = net.ParseIP("127.0.0.1")
	}
	ts := startServer(t, func(c *Config) { c.HTTP.Addr = "0.0.0.0:0" })
	port := portOf(ts.base)
	base := "http://" + net.JoinHostPort(ip.String(), port[1:])
	if code, _ := getHost(t, base+"/healthz", net.JoinHostPort(ip.String(), port[1:])); code != http.StatusOK {
		t.Fatalf("/healthz by the connected address %s: %d", ip, code)
	}
	if code, _ := getHost(t, base+"/healthz", "evil.example"+port); code != http.StatusMisdirectedRequest {
		t.Fatalf("/healthz by a foreign name: %d", code)
	}
}

// nonLoopbackIP returns an IPv4 address of this machine that is not
// loopback, or nil.
func nonLoopbackIP(t *testing.T) net.IP {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
			return n.IP
		}
	}
	return nil
}
