package hostcheck

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestAllows(t *testing.T) {
	l, err := New("console.example.com", "10.0.0.5", "Admin.Example.org:8443", "[2001:db8::1]:9000", "*.tenants.example.net", "")
	if err != nil {
		t.Fatal(err)
	}
	l = l.WithLoopback()
	for host, want := range map[string]bool{
		"console.example.com":         true,
		"CONSOLE.example.com:8080":    true, // any port for an entry without one
		"console.example.com.":        true,
		"10.0.0.5:8080":               true,
		"admin.example.org:8443":      true,
		"admin.example.org":           false, // the entry pins the port
		"admin.example.org:443":       false,
		"[2001:db8::1]:9000":          true,
		"[2001:db8:0::1]:9000":        true,
		"[2001:db8::1]:9001":          false,
		"a.tenants.example.net":       true,
		"a.b.tenants.example.net:80":  true,
		"tenants.example.net":         false,
		"eviltenants.example.net":     false,
		"localhost:8080":              true,
		"LOCALHOST":                   true,
		"app.localhost:5173":          true,
		"127.0.0.1:8080":              true,
		"127.9.9.9":                   true,
		"[::1]:8080":                  true,
		"[::1]":                       true,
		"evil.example:8080":           false,
		"evil.example":                false,
		"localhost.evil.example":      false,
		"console.example.com.evil.io": false,
		"10.0.0.6:8080":               false,
		"":                            false,
		"host:":                       false,
		"host:99999":                  false,
		"host:+80":                    false,
		"[::1":                        false,
		"exa mple.com":                false,
		"example.com/x":               false,
	} {
		if got := l.Allows(host); got != want {
			t.Errorf("Allows(%q) = %v, want %v", host, got, want)
		}
	}

	plain, err := New("console.example.com")
	if err != nil {
		t.Fatal(err)
	}
	if plain.Allows("localhost:8080") || plain.Allows("127.0.0.1") {
		t.Error("loopback allowed without WithLoopback")
	}
	star, err := New("*")
	if err != nil {
		t.Fatal(err)
	}
	if !star.Allows("anything.example:1") {
		t.Error(`"*" refused a host`)
	}
}

func TestIsLoopback(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "localhost:8080": true, "LocalHost.:1": true, "app.localhost": true,
		"127.0.0.1:8080": true, "127.1.2.3": true, "[::1]:8080": true, "[::1]": true, "::1": true,
		"[::ffff:127.0.0.1]:80": true,
		"":                      false, "evil.example:8080": false, "localhost.evil.example": false, "10.0.0.5:8080": false,
		"0.0.0.0:8080": false, "[::]:8080": false, "localhost:": false,
	} {
		if got := IsLoopback(host); got != want {
			t.Errorf("IsLoopback(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestNewRefusesBadEntries(t *testing.T) {
	for _, e := range []string{"http://example.com", "example.com/", "*.", "*.10.0.0.1", "host:port", "exa mple.com", "[::1"} {
		if _, err := New(e); !errors.Is(err, ErrBadEntry) {
			t.Errorf("New(%q) err = %v, want ErrBadEntry", e, err)
		}
	}
}

func TestAllowsRequestAcceptsTheLocalAddress(t *testing.T) {
	l, err := New("console.example.com")
	if err != nil {
		t.Fatal(err)
	}
	req := func(local *net.TCPAddr, tlsOn bool) *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r = r.WithContext(context.WithValue(r.Context(), http.LocalAddrContextKey, net.Addr(local)))
		if tlsOn {
			r.TLS = &tls.ConnectionState{}
		}
		return r
	}
	on8080 := req(&net.TCPAddr{IP: net.ParseIP("10.0.0.5"), Port: 8080}, false)
	for host, want := range map[string]bool{
		"10.0.0.5:8080":       true,
		"10.0.0.5:8081":       false, // another service of the machine
		"10.0.0.5":            false, // port 80 is not where this request arrived
		"10.0.0.6:8080":       false,
		"console.example.com": true,
		"evil.example:8080":   false,
	} {
		if got := l.AllowsRequest(on8080, host); got != want {
			t.Errorf("AllowsRequest(local 10.0.0.5:8080, %q) = %v, want %v", host, got, want)
		}
	}
	if !l.AllowsRequest(req(&net.TCPAddr{IP: net.ParseIP("10.0.0.5"), Port: 80}, false), "10.0.0.5") {
		t.Error("no port in Host must mean 80 without TLS")
	}
	if !l.AllowsRequest(req(&net.TCPAddr{IP: net.ParseIP("2001:db8::7"), Port: 443}, true), "[2001:db8::7]") {
		t.Error("no port in Host must mean 443 with TLS")
	}
	if l.AllowsRequest(httptest.NewRequest(http.MethodGet, "/", nil), "192.0.2.1") {
		t.Error("an IP was allowed for a request without a local address")
	}
}
