package main

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/internal/hostcheck"
)

// devLoginTTL is the lifetime of tokens handed out by the dev login page.
const devLoginTTL = 12 * time.Hour

// devLogin is one demo user as the start page lists it.
type devLogin struct {
	UserID string   `json:"user_id"`
	Name   string   `json:"name"`
	Tenant string   `json:"tenant"`
	Roles  []string `json:"roles"`
	Teams  []string `json:"teams"`
	// Screen is the app this user opens: customer, agent or supervisor.
	Screen string `json:"screen"`
	Token  string `json:"token"`
}

// devLoginsResponse is the body of GET /api/dev/logins.
type devLoginsResponse struct {
	ExpiresAt time.Time  `json:"expires_at"`
	Users     []devLogin `json:"users"`
}

// devLoginEnabled: only with the generated dev secret (hs256) and demo on.
// With OIDC, tokens come from the identity provider and never from here.
func devLoginEnabled(cfg Config, h *auth.HMAC) bool {
	return h != nil && cfg.Auth.Mode == "hs256" && cfg.Auth.Demo
}

// routeDevLogin registers GET /api/dev/logins when dev login is enabled:
// the start page lists the demo users and opens each role's screen with a
// fresh token, so that a newcomer tries all three screens within a minute.
func (a *app) routeDevLogin(mux *http.ServeMux) {
	if !devLoginEnabled(a.cfg, a.hmac) {
		return
	}
	if !loopbackAddr(a.cfg.HTTP.Addr) {
		a.log.Warn("demo is on with a non-loopback HTTP address: demo logins are served only to browsers on this machine (localhost), but the demo users exist; turn demo off (-demo=false) outside development", "addr", a.cfg.HTTP.Addr)
	}
	mux.HandleFunc("GET /api/dev/logins", a.devLogins)
}

// devLoginAllowed: the tokens are handed out only to this machine, asked by
// a loopback name. Both halves matter: a loopback Host alone is what any
// remote client can claim, and a loopback peer alone is what a DNS
// rebinding page in the developer's own browser is (with the attacker's
// name in Host; the Host allow-list refuses most of those already, this
// holds even when http.allowed_hosts is "*").
func devLoginAllowed(r *http.Request) bool {
	return hostcheck.IsLoopback(r.Host) && loopbackRemote(r.RemoteAddr)
}

// loopbackRemote reports whether a peer address (ip:port) is loopback.
func loopbackRemote(remote string) bool {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (a *app) devLogins(w http.ResponseWriter, r *http.Request) {
	if !devLoginAllowed(r) {
		a.log.Debug("demo logins refused", "host", r.Host, "remote", r.RemoteAddr)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, "403 Forbidden: demo logins are served only to a browser on the server's own machine, "+
			"opened at http://localhost:<port> or http://127.0.0.1:<port>. Elsewhere, mint a token with `earshot token`.\n")
		return
	}
	resp := devLoginsResponse{ExpiresAt: time.Now().Add(devLoginTTL).UTC().Truncate(time.Second)}
	for _, u := range demoUsers() {
		tok, err := a.hmac.Mint(auth.MintParams{Identity: u, TTL: devLoginTTL})
		if err != nil {
			a.log.Error("dev login token", "user", u.Subject, "err", err)
			http.Error(w, "cannot mint demo tokens", http.StatusInternalServerError)
			return
		}
		l := devLogin{UserID: string(u.Subject), Name: u.Name, Tenant: string(u.Tenant), Screen: screenOf(u), Token: tok, Roles: []string{}, Teams: []string{}}
		for _, r := range u.Roles {
			l.Roles = append(l.Roles, r.String())
		}
		for _, t := range u.Teams {
			l.Teams = append(l.Teams, string(t))
		}
		resp.Users = append(resp.Users, l)
	}
	w.Header().Set("Content-Type", "application/json")
	// Tokens: never cached by the browser or a proxy.
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(resp)
}

// screenOf picks the app a demo user opens: the most privileged role's.
func screenOf(u auth.Identity) string {
	switch {
	case u.HasRole(auth.RoleSupervisor):
		return "supervisor"
	case u.HasRole(auth.RoleAgent):
		return "agent"
	default:
		return "customer"
	}
}

// loopbackAddr reports whether a listen address binds only loopback.
func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
