package hostcheck

import (
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
)

// List is an immutable allow-list of hosts. Entries are:
//
//   - a host name or IP ("console.example.com", "10.0.0.5", "::1"): that
//     name with any port, or without one;
//   - host:port ("console.example.com:8443", "[::1]:8080"): that name with
//     exactly that port, as the client writes it (browsers omit :80 and
//     :443, so "example.com:443" never matches a browser's Host);
//   - "*.example.com": every subdomain of example.com (not example.com);
//   - "*": every host (switches the check off; development only).
//
// Names compare case-insensitively and without a trailing dot; IPs compare
// as addresses ("0:0::1" is "::1"). Loopback names are not implied: add
// them with Loopback.
type List struct {
	any       bool
	names     map[string]struct{}
	hostPorts map[string]struct{}
	suffixes  []string // ".example.com"
	loopback  bool
}

// New builds a List from entries; empty entries are ignored.
func New(entries ...string) (*List, error) {
	l := &List{names: map[string]struct{}{}, hostPorts: map[string]struct{}{}}
	for _, e := range entries {
		if err := l.add(strings.TrimSpace(e)); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// WithLoopback returns a copy of l that also allows the loopback names:
// localhost, *.localhost (RFC 6761: browsers resolve them to loopback),
// 127.0.0.0/8 and ::1, each with any port.
func (l *List) WithLoopback() *List {
	c := *l
	c.loopback = true
	return &c
}

func (l *List) add(e string) error {
	switch {
	case e == "":
		return nil
	case e == "*":
		l.any = true
		return nil
	case strings.HasPrefix(e, "*."):
		name, ok := normalName(e[2:])
		if !ok || net.ParseIP(name) != nil {
			return fmt.Errorf("%q: %w", e, ErrBadEntry)
		}
		l.suffixes = append(l.suffixes, "."+name)
		return nil
	}
	host, port, ok := split(e)
	if !ok {
		return fmt.Errorf("%q: %w", e, ErrBadEntry)
	}
	if port == "" {
		l.names[host] = struct{}{}
	} else {
		l.hostPorts[net.JoinHostPort(host, port)] = struct{}{}
	}
	return nil
}

// Allows reports whether hostport (a Host header, or the host of an
// Origin) names an allowed host.
func (l *List) Allows(hostport string) bool {
	if l.any {
		return true
	}
	host, port, ok := split(hostport)
	if !ok {
		return false
	}
	if l.loopback && isLoopbackName(host) {
		return true
	}
	if _, ok := l.names[host]; ok {
		return true
	}
	if port != "" {
		if _, ok := l.hostPorts[net.JoinHostPort(host, port)]; ok {
			return true
		}
	}
	for _, s := range l.suffixes {
		if strings.HasSuffix(host, s) {
			return true
		}
	}
	return false
}

// AllowsRequest is Allows, and also accepts the literal address the request
// arrived on: a Host (or Origin host) that is an IP equal to the local IP
// of the connection, with the local port (no port means 80, or 443 with
// TLS). This lets a server listening on 0.0.0.0 be reached by its own
// interface addresses (load-balancer probes, a browser typed at
// http://10.0.0.5:8080) without listing them. It cannot be abused by DNS
// rebinding, which always puts a domain name in Host, never an IP.
func (l *List) AllowsRequest(r *http.Request, hostport string) bool {
	if l.Allows(hostport) {
		return true
	}
	host, port, ok := split(hostport)
	if !ok {
		return false
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return false
	}
	local, _ := r.Context().Value(http.LocalAddrContextKey).(*net.TCPAddr)
	if local == nil || !local.IP.Equal(ip) {
		return false
	}
	if port == "" {
		port = "80"
		if r.TLS != nil {
			port = "443"
		}
	}
	return port == strconv.Itoa(local.Port)
}

// IsLoopback reports whether hostport ("host" or "host:port", as in a Host
// header) names this machine's loopback: localhost, a subdomain of
// localhost, or a loopback IP.
func IsLoopback(hostport string) bool {
	host, _, ok := split(hostport)
	return ok && isLoopbackName(host)
}

// isLoopbackName is IsLoopback for a host already normalized by split.
func isLoopbackName(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// split parses "host", "host:port", "[v6]" or "[v6]:port" into a
// normalized host and the port ("" if none).
func split(hostport string) (host, port string, ok bool) {
	if hostport == "" {
		return "", "", false
	}
	h, p, err := net.SplitHostPort(hostport)
	if err != nil {
		// No port: a bare name, IPv4, "[v6]" or a bare v6 address.
		h, p = hostport, ""
		if strings.HasPrefix(h, "[") {
			if !strings.HasSuffix(h, "]") {
				return "", "", false
			}
			h = h[1 : len(h)-1]
		} else if strings.Count(h, ":") == 1 {
			return "", "", false // "host:" or a bad port
		}
	} else {
		if n, err := strconv.Atoi(p); err != nil || n < 0 || n > 65535 || p != strconv.Itoa(n) {
			return "", "", false
		}
	}
	h, ok = normalName(h)
	if !ok {
		return "", "", false
	}
	return h, p, true
}

// normalName lowercases a host, drops one trailing dot, writes IPs in
// their canonical form, and refuses what cannot be a host name.
func normalName(h string) (string, bool) {
	h = strings.ToLower(strings.TrimSuffix(h, "."))
	if h == "" || len(h) > 253 {
		return "", false
	}
	if ip := net.ParseIP(h); ip != nil {
		return ip.String(), true
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
			return "", false
		}
	}
	return h, true
}
