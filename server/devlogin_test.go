package main

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/earshot/earshot/auth"
)

func TestDevLogins(t *testing.T) {
	t.Run("demo on lists every demo user with a valid token", func(t *testing.T) {
		ts := startServer(t, func(c *Config) { c.Auth.Demo = true })
		resp, err := http.Get(ts.base + "/api/dev/logins")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control %q", cc)
		}
		var body devLoginsResponse
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			t.Fatal(err)
		}
		if len(body.Users) != len(demoUsers()) {
			t.Fatalf("%d users, want %d", len(body.Users), len(demoUsers()))
		}
		screens := map[string]int{}
		for _, u := range body.Users {
			screens[u.Screen]++
			id, err := ts.a.hmac.Verify(context.Background(), u.Token)
			if err != nil {
				t.Fatalf("token of %s: %v", u.UserID, err)
			}
			if string(id.Subject) != u.UserID || id.Name != u.Name {
				t.Errorf("token names %s/%s, listed as %s/%s", id.Subject, id.Name, u.UserID, u.Name)
			}
		}
		for _, s := range []string{"customer", "agent", "supervisor"} {
			if screens[s] == 0 {
				t.Errorf("no demo user for the %s screen", s)
			}
		}
	})

	t.Run("demo off serves no tokens", func(t *testing.T) {
		ts := startServer(t, func(c *Config) { c.Auth.Demo = false })
		if code, _ := get(t, ts.base+"/api/dev/logins"); code != http.StatusNotFound {
			t.Fatalf("status %d, want 404", code)
		}
	})

	t.Run("never in oidc mode", func(t *testing.T) {
		cfg := DefaultConfig()
		h, err := auth.NewHMAC(auth.HMACParams{Secret: make([]byte, 32), Issuer: "i", Audience: "a"})
		if err != nil {
			t.Fatal(err)
		}
		if !devLoginEnabled(cfg, h) {
			t.Fatal("default config (hs256, demo on) should enable dev login")
		}
		cfg.Auth.Mode = "oidc"
		if devLoginEnabled(cfg, h) {
			t.Fatal("dev login enabled in oidc mode")
		}
		cfg.Auth.Mode = "hs256"
		if devLoginEnabled(cfg, nil) {
			t.Fatal("dev login enabled without the dev secret")
		}
	})
}

func TestScreenOfAndLoopback(t *testing.T) {
	for _, u := range demoUsers() {
		want := "customer"
		switch {
		case u.HasRole(auth.RoleSupervisor):
			want = "supervisor"
		case u.HasRole(auth.RoleAgent):
			want = "agent"
		}
		if got := screenOf(u); got != want {
			t.Errorf("screenOf(%s) = %s, want %s", u.Subject, got, want)
		}
	}
	for addr, want := range map[string]bool{"127.0.0.1:8080": true, "localhost:1": true, "[::1]:80": true, "0.0.0.0:8080": false, ":8080": false, "10.0.0.1:80": false, "bad": false} {
		if got := loopbackAddr(addr); got != want {
			t.Errorf("loopbackAddr(%q) = %v", addr, got)
		}
	}
}
