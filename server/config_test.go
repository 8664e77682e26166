package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "earshot.yaml")
	yaml := "http:\n  addr: 127.0.0.1:9000\nmedia:\n  udp_port: 4000\n  public_ips: [203.0.113.7]\n  consent_timeout: 12s\npolicy:\n  max_silent_voice_monitors: 2\n  offer_timeout: 45s\nsignaling:\n  resume_grace: 1m\n"
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig([]string{"-config", file, "-udp-port", "5000"}, envOf(map[string]string{
		"EARSHOT_UDP_PORT":      "4500",
		"EARSHOT_LOG_LEVEL":     "debug",
		"EARSHOT_ALLOWED_HOSTS": "console.example.com, *.tenants.example.net",
		"EARSHOT_TCP_PORT":      "-1",
		"EARSHOT_MEDIA_SHARDS":  "2",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTP.Addr != "127.0.0.1:9000" {
		t.Errorf("file value lost: addr %q", cfg.HTTP.Addr)
	}
	if cfg.Media.UDPPort != 5000 {
		t.Errorf("flag must beat env and file: udp port %d", cfg.Media.UDPPort)
	}
	if cfg.Log.Level != "debug" {
		t.Errorf("env must beat default: level %q", cfg.Log.Level)
	}
	if cfg.Policy.MaxSilentVoiceMonitors != 2 || cfg.Policy.OfferTimeout != 45*time.Second || cfg.Signaling.ResumeGrace != time.Minute {
		t.Errorf("file values lost: %+v %+v", cfg.Policy, cfg.Signaling.ResumeGrace)
	}
	if len(cfg.Media.PublicIPs) != 1 || cfg.Media.PublicIPs[0] != "203.0.113.7" {
		t.Errorf("public ips %v", cfg.Media.PublicIPs)
	}
	if strings.Join(cfg.HTTP.AllowedHosts, " ") != "console.example.com *.tenants.example.net" {
		t.Errorf("allowed hosts %q", cfg.HTTP.AllowedHosts)
	}
	if cfg.Policy.MaxBargeParticipants != 4 {
		t.Errorf("defaults lost: %+v", cfg.Policy)
	}
	if cfg.Media.Shards != 2 {
		t.Errorf("env media shards: %d", cfg.Media.Shards)
	}
	if cfg.Media.TCPPort != -1 || cfg.Media.ConsentTimeout != 12*time.Second {
		t.Errorf("ice-tcp port %d (want -1 from env), consent timeout %s (want 12s from file)", cfg.Media.TCPPort, cfg.Media.ConsentTimeout)
	}
	def, err := LoadConfig(nil, envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if def.Media.TCPPort != 0 || def.Media.ConsentTimeout != 30*time.Second {
		t.Errorf("defaults: ice-tcp port %d (want 0: the udp port's number), consent timeout %s", def.Media.TCPPort, def.Media.ConsentTimeout)
	}
}

func TestLoadConfigErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("http:\n  adress: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"unknown yaml field", []string{"-config", bad}, nil, "adress"},
		{"missing file", []string{"-config", filepath.Join(dir, "none.yaml")}, nil, "config file"},
		{"bad number", nil, map[string]string{"EARSHOT_UDP_PORT": "lots"}, "EARSHOT_UDP_PORT"},
		{"bad auth mode", []string{"-auth-mode", "basic"}, nil, "auth mode"},
		{"oidc without issuer", []string{"-auth-mode", "oidc"}, nil, "issuer_url"},
		{"barge needs slots", []string{"-max-barge-participants", "6"}, nil, "slots"},
		{"unknown flag", []string{"-nope"}, nil, "nope"},
		{"bad allowed host", []string{"-allowed-hosts", "localhost,https://console.example.com"}, nil, "allowed_hosts"},
		{"bad allowed host in env", nil, map[string]string{"EARSHOT_ALLOWED_HOSTS": "exa mple.com"}, "allowed_hosts"},
		{"stray argument", []string{"extra"}, nil, "unexpected argument"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadConfig(tc.args, envOf(tc.env))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}
