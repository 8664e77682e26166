package main

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"

	"github.com/earshot/earshot/internal/hostcheck"
)

// allowedHosts builds the Host allow-list of the HTTP listener (README,
// "Host and Origin checks"): the loopback names, the hosts of http.addr and
// http.pprof_addr unless 0.0.0.0 or ::, media.public_ips, the hosts of
// signaling.allowed_origins and http.allowed_hosts. Besides the list, a
// request may name the literal IP and port it arrived on (see
// hostcheck.List.AllowsRequest), which covers a server on 0.0.0.0 reached by
// one of its interface addresses. Only http.allowed_hosts can make it fail:
// the other sources are validated where they are used.
func allowedHosts(cfg Config) (*hostcheck.List, error) {
	if _, err := hostcheck.New(cfg.HTTP.AllowedHosts...); err != nil {
		return nil, fmt.Errorf("http.allowed_hosts: %w", err)
	}
	entries := append([]string(nil), cfg.HTTP.AllowedHosts...)
	var derived []string
	for _, addr := range []string{cfg.HTTP.Addr, cfg.HTTP.PprofAddr} {
		if host, _, err := net.SplitHostPort(addr); err == nil && host != "" {
			if ip := net.ParseIP(host); ip == nil || !ip.IsUnspecified() {
				derived = append(derived, host)
			}
		}
	}
	derived = append(derived, cfg.Media.PublicIPs...)
	for _, o := range cfg.Signaling.AllowedOrigins {
		if u, err := url.Parse(o); err == nil && u.Host != "" && o != "*" {
			derived = append(derived, u.Host)
		}
	}
	for _, e := range derived {
		if _, err := hostcheck.New(e); err == nil {
			entries = append(entries, e)
		}
	}
	l, err := hostcheck.New(entries...)
	if err != nil {
		return nil, fmt.Errorf("http.allowed_hosts: %w", err)
	}
	return l.WithLoopback(), nil
}

// hostGuard answers 421 Misdirected Request on every route when the
// request's Host is not allowed: the defence against DNS rebinding, where a
// page of the attacker's domain, re-pointed at this server, reads it from
// the victim's browser. A request without Host (HTTP/1.0) passes: browsers
// always send one, and a non-browser client could send any Host anyway.
func hostGuard(hosts *hostcheck.List, log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Host == "" || hosts.AllowsRequest(r, r.Host) {
			next.ServeHTTP(w, r)
			return
		}
		// Debug only: anyone can send any Host, so this must not flood logs.
		log.Debug("host refused", "host", r.Host, "remote", r.RemoteAddr, "path", r.URL.Path)
		h := w.Header()
		h.Set("Content-Type", "text/plain; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		h.Set("Connection", "close")
		w.WriteHeader(http.StatusMisdirectedRequest)
		fmt.Fprintf(w, "421 Misdirected Request: this server does not answer to the host %q.\n"+
			"If it should, add that host to http.allowed_hosts (flag -allowed-hosts, env EARSHOT_ALLOWED_HOSTS).\n", r.Host)
	})
}
