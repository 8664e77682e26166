package main

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

func TestParseOptions(t *testing.T) {
	t.Run("defaults", func(t *testing.T) {
		o, err := parseOptions(nil, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if o.Calls != 20 || o.URL != "" || o.SwitchEvery != 5*time.Second {
			t.Fatalf("%+v", o)
		}
	})
	t.Run("flags", func(t *testing.T) {
		o, err := parseOptions(strings.Fields("-calls 150 -chats 25 -duration 60s -ramp 15 -switch-every 5s -json out.json -find-max -server-arg -x -server-arg -y"), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if o.Calls != 150 || o.Chats != 25 || o.Duration != time.Minute || o.Ramp != 15 || !o.FindMax || o.JSON != "out.json" || len(o.ServerArgs) != 2 {
			t.Fatalf("%+v", o)
		}
	})
	t.Run("soak", func(t *testing.T) {
		o, err := parseOptions(strings.Fields("-soak -soak-calls 1000 -soak-concurrency 50 -soak-step 400ms -soak-settle 1m -json s.json"), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if !o.Soak || o.SoakCalls != 1000 || o.SoakConcurrency != 50 || o.SoakStep != 400*time.Millisecond || o.SoakSettle != time.Minute || o.SoakWarmupWaves != 1 {
			t.Fatalf("%+v", o)
		}
	})
	t.Run("remote", func(t *testing.T) {
		o, err := parseOptions(strings.Fields("-url ws://10.0.0.5:8080/ws -data /srv/earshot"), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if got := o.metricsURL(); got != "http://10.0.0.5:8080/metrics" {
			t.Fatalf("metrics url %q", got)
		}
	})
	t.Run("cluster", func(t *testing.T) {
		o, err := parseOptions(strings.Fields("-nodes 3 -calls 150 -chats 25 -duration 60s -switch-every 5s -kill-node-after 20s -json r.json"), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if o.Nodes != 3 || o.KillNodeAfter != 20*time.Second || o.NATSURL == "" || o.PGDSN == "" || o.ClusterTTL != 3*time.Second {
			t.Fatalf("%+v", o)
		}
		o, err = parseOptions(strings.Fields("-urls ws://a:1/ws,ws://b:2/ws -data d"), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if len(o.URLs) != 2 || o.URLs[1] != "ws://b:2/ws" {
			t.Fatalf("%+v", o.URLs)
		}
	})
	bad := map[string]string{
		"negative nodes":      "-nodes -1",
		"nodes and url":       "-nodes 3 -url ws://h:1/ws -data d",
		"kill with two nodes": "-nodes 2 -kill-node-after 5s",
		"kill after the end":  "-nodes 3 -duration 10s -kill-node-after 10s",
		"cluster find-max":    "-nodes 3 -find-max",
		"urls without data":   "-urls ws://a:1/ws",
		"url and urls":        "-url ws://a:1/ws -urls ws://b:1/ws -data d",
		"short ttl":           "-nodes 3 -cluster-ttl 100ms",
		"nothing to do":       "-calls 0 -chats 0",
		"negative":            "-calls -1",
		"zero duration":       "-duration 0s",
		"zero ramp":           "-ramp 0",
		"negative pci-every":  "-pci-every -1s",
		"url without data":    "-url ws://h:1/ws",
		"http url":            "-url http://h:1/ws -data d",
		"profile with url":    "-url ws://h:1/ws -data d -server-profile p",
		"find-max below":      "-find-max -calls 100 -max-calls 50",
		"soak no calls":       "-soak -soak-calls 0",
		"soak no wave":        "-soak -soak-concurrency 0",
		"soak zero step":      "-soak -soak-step 0s",
		"soak negative slack": "-soak -soak-fd-slack -1",
		"soak find-max":       "-soak -find-max",
		"soak url no pid":     "-soak -url ws://h:1/ws -data d",
		"unknown flag":        "-bogus",
		"positional argument": "extra",
	}
	for name, args := range bad {
		t.Run(name, func(t *testing.T) {
			if _, err := parseOptions(strings.Fields(args), io.Discard); !errors.Is(err, errUsage) {
				t.Fatalf("got %v, want errUsage", err)
			}
		})
	}
}

func TestQueuesYAML(t *testing.T) {
	y := queuesYAML(2, 1)
	for _, want := range []string{"{name: lt-q0, team: lt-t0}", "{name: lt-q1, team: lt-t1}", "{name: lt-hq0, team: lt-ht0}"} {
		if !strings.Contains(y, want) {
			t.Fatalf("missing %q in\n%s", want, y)
		}
	}
}
