package main

import (
	"flag"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/earshot/earshot/loadtest/oracle"
)

// Options are the load tester's settings, from flags.
type Options struct {
	// URL is the signaling URL of a running server (ws://host:port/ws).
	// Empty: build and start a server process on free loopback ports.
	URL string
	// Calls is the number of concurrent monitored voice calls (3 legs each).
	Calls int
	// Chats is the number of concurrent monitored web chats.
	Chats int
	// Duration is how long every call is held once all have joined; the
	// measurements cover this window.
	Duration time.Duration
	// Ramp is how many conversations (calls and chats) start per second.
	Ramp float64
	// SwitchEvery is the period of each supervisor's mode walk
	// (Listen → Whisper → Barge → Listen ...).
	SwitchEvery time.Duration
	// PCIEvery, if set, makes each call's agent pause for a payment (PCI
	// pause) once per period, for a quarter of it, starting at a random
	// phase; the oracle counts customer audio at the supervisor during a
	// pause as a PCI leak.
	PCIEvery time.Duration
	// JSON is where to write the machine-readable report ("" = nowhere).
	JSON string
	// FindMax steps the number of calls up until the loss or leak bar
	// breaks, and reports the largest count that held.
	FindMax bool
	// Step, MaxCalls bound -find-max.
	Step, MaxCalls int
	// Grace is the oracle's grace window (see package oracle).
	Grace time.Duration
	// JoinTimeout bounds one party's join (signaling, ICE, DTLS, first audio).
	JoinTimeout time.Duration

	// DataDir is the running server's data directory, whose jwt-secret
	// mints tokens (with -url). Tenant, Queue, Team, ChatQueue, ChatTeam
	// place the parties on a running server.
	DataDir, Tenant, Queue, Team, ChatQueue, ChatTeam string
	// Issuer and Audience are the HS256 token claims the server requires.
	Issuer, Audience string

	// ServerBin is a prebuilt server binary (default: go build ./server).
	ServerBin string
	// ServerArgs are extra flags for a started server.
	ServerArgs []string
	// Record records every call (the started server runs with -record
	// all; a running server's policy decides by itself).
	Record bool
	// ServerProfile, if set, is where to save a CPU profile of the server
	// taken over the measured window (needs a started server).
	ServerProfile string
	// MetricsURL overrides where the server's /metrics are scraped (with
	// -url the default is the same host's /metrics).
	MetricsURL string
	// PID of a running server on this machine, to read /proc (with -url).
	PID int
	// Quiet suppresses the live progress line.
	Quiet bool
	// CPUProfile is where to save the load tester's own CPU profile.
	CPUProfile string

	// Soak runs SoakCalls calls one after another in waves of
	// SoakConcurrency instead of holding -calls at once, and checks that
	// the server's goroutines and open files return to their baseline
	// (see soak.go).
	Soak bool
	// SoakCalls is the number of measured calls; SoakConcurrency how many
	// run at once (one wave); SoakWarmupWaves the waves run before the
	// baseline is taken.
	SoakCalls, SoakConcurrency, SoakWarmupWaves int
	// SoakStep is how long a wave's calls stay in each supervisor mode
	// (Listen, Whisper, Barge, Listen).
	SoakStep time.Duration
	// SoakSettle bounds the wait for the server to return to its baseline
	// after the last wave (and for the baseline to become stable).
	SoakSettle time.Duration
	// SoakGoroutineSlack and SoakFDSlack are how far above the baseline
	// the server's goroutines and open files may end.
	SoakGoroutineSlack, SoakFDSlack int
	// SoakRSSSlack is how far above the baseline, in percent, the
	// server's RSS may end; -1: RSS is reported, not judged.
	SoakRSSSlack int
	// SoakHeapProfiles, if set, is a directory for the server's heap
	// profiles at the baseline and at the end (for finding what grew).
	SoakHeapProfiles string

	// Nodes, if > 0, starts that many server processes joined in a cluster
	// on NATSURL with the PostgreSQL at PGDSN (a schema of the run's own),
	// and spreads each call's parties over different nodes (cluster.go).
	Nodes int
	// URLs are the signaling URLs of a running cluster's nodes (-urls).
	URLs []string
	// NATSURL and PGDSN are what -nodes joins.
	NATSURL, PGDSN string
	// ClusterTTL is the started nodes' heartbeat TTL.
	ClusterTTL time.Duration
	// KillNodeAfter, if > 0, SIGKILLs one started node that long into the
	// measured window: KillNode "home" (the node running the tenant's
	// domain, the default) or "media" (the busiest media node that is not
	// the tenant's home).
	KillNodeAfter time.Duration
	KillNode      string
}

// defaultOptions are the flag defaults.
func defaultOptions() Options {
	return Options{
		Calls: 20, Chats: 0, Duration: 30 * time.Second, Ramp: 10, SwitchEvery: 5 * time.Second,
		Step: 25, MaxCalls: 1000, Grace: oracle.DefaultGrace, JoinTimeout: 20 * time.Second,
		Tenant: "loadtest", Queue: "support", Team: "team-a", ChatQueue: "support", ChatTeam: "team-a",
		Issuer: "earshot", Audience: "earshot",
		SoakCalls: 1000, SoakConcurrency: 50, SoakWarmupWaves: 1, SoakStep: 500 * time.Millisecond,
		SoakSettle: 30 * time.Second, SoakGoroutineSlack: 5, SoakFDSlack: 2, SoakRSSSlack: 10,
		NATSURL: "nats://127.0.0.1:4222", PGDSN: "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
		ClusterTTL: 3 * time.Second, KillNode: "home",
	}
}

// repeated is a flag that may be given several times.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, " ") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

// parseOptions reads the command line.
func parseOptions(args []string, stderr io.Writer) (Options, error) {
	o := defaultOptions()
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: go run ./loadtest [flags]\n\nSimulates monitored calls and chats against Earshot and checks who heard whom.\n\n")
		fs.PrintDefaults()
	}
	fs.StringVar(&o.URL, "url", o.URL, "signaling URL of a running server (ws://host:port/ws); empty starts one on loopback")
	fs.IntVar(&o.Calls, "calls", o.Calls, "concurrent monitored voice calls (customer, agent, supervisor)")
	fs.IntVar(&o.Chats, "chats", o.Chats, "concurrent monitored web chats")
	fs.DurationVar(&o.Duration, "duration", o.Duration, "how long all calls are held once joined (the measured window)")
	fs.Float64Var(&o.Ramp, "ramp", o.Ramp, "conversations started per second")
	fs.DurationVar(&o.SwitchEvery, "switch-every", o.SwitchEvery, "supervisor mode switch period")
	fs.DurationVar(&o.PCIEvery, "pci-every", o.PCIEvery, "each call's agent PCI-pauses once per this period, for a quarter of it (0 = never)")
	fs.StringVar(&o.JSON, "json", o.JSON, "write the report as JSON to this file")
	fs.BoolVar(&o.FindMax, "find-max", o.FindMax, "step -calls up by -step until loss or leaks break the bar; report the largest count that held")
	fs.IntVar(&o.Step, "step", o.Step, "-find-max: calls added per step")
	fs.IntVar(&o.MaxCalls, "max-calls", o.MaxCalls, "-find-max: stop at this many calls")
	fs.DurationVar(&o.Grace, "grace", o.Grace, "oracle grace window after a packet's send time")
	fs.DurationVar(&o.JoinTimeout, "join-timeout", o.JoinTimeout, "bound of one party's join, first audio included")
	fs.StringVar(&o.DataDir, "data", o.DataDir, "with -url: the server's data directory (its jwt-secret mints tokens)")
	fs.StringVar(&o.Tenant, "tenant", o.Tenant, "tenant of the simulated users")
	fs.StringVar(&o.Queue, "queue", o.Queue, "with -url: queue the calls use")
	fs.StringVar(&o.Team, "team", o.Team, "with -url: team answering -queue")
	fs.StringVar(&o.ChatQueue, "chat-queue", o.ChatQueue, "with -url: queue the chats use")
	fs.StringVar(&o.ChatTeam, "chat-team", o.ChatTeam, "with -url: team answering -chat-queue")
	fs.StringVar(&o.Issuer, "issuer", o.Issuer, "token issuer the server requires")
	fs.StringVar(&o.Audience, "audience", o.Audience, "token audience the server requires")
	fs.StringVar(&o.ServerBin, "server-bin", o.ServerBin, "prebuilt server binary (default: build ./server)")
	var serverArgs repeated
	fs.Var(&serverArgs, "server-arg", "extra flag for the started server (repeatable)")
	fs.BoolVar(&o.Record, "record", o.Record, "record every call (a started server runs with -record all; with -url the server's policy decides)")
	fs.StringVar(&o.ServerProfile, "server-profile", o.ServerProfile, "save a CPU profile of the started server over the measured window")
	fs.StringVar(&o.MetricsURL, "metrics", o.MetricsURL, "the server's /metrics URL (default: from -url)")
	fs.IntVar(&o.PID, "pid", o.PID, "with -url: the server's process id on this machine, for /proc measurements")
	fs.BoolVar(&o.Quiet, "quiet", o.Quiet, "no live progress line")
	fs.StringVar(&o.CPUProfile, "cpuprofile", o.CPUProfile, "save the load tester's own CPU profile to this file")
	fs.BoolVar(&o.Soak, "soak", o.Soak, "soak: run -soak-calls calls in waves of -soak-concurrency and check the server's goroutines and open files return to baseline")
	fs.IntVar(&o.SoakCalls, "soak-calls", o.SoakCalls, "-soak: measured calls, one wave after another")
	fs.IntVar(&o.SoakConcurrency, "soak-concurrency", o.SoakConcurrency, "-soak: calls per wave (all live at once; joins paced by -ramp)")
	fs.IntVar(&o.SoakWarmupWaves, "soak-warmup-waves", o.SoakWarmupWaves, "-soak: waves run before the baseline is taken")
	fs.DurationVar(&o.SoakStep, "soak-step", o.SoakStep, "-soak: time in each supervisor mode (Listen, Whisper, Barge, Listen)")
	fs.DurationVar(&o.SoakSettle, "soak-settle", o.SoakSettle, "-soak: bound of the wait for the server to return to baseline")
	fs.IntVar(&o.SoakGoroutineSlack, "soak-goroutine-slack", o.SoakGoroutineSlack, "-soak: goroutines the server may end above baseline")
	fs.IntVar(&o.SoakFDSlack, "soak-fd-slack", o.SoakFDSlack, "-soak: open files the server may end above baseline")
	fs.IntVar(&o.SoakRSSSlack, "soak-rss-slack", o.SoakRSSSlack, "-soak: percent the server's RSS may end above baseline (-1: report it, do not judge it)")
	fs.StringVar(&o.SoakHeapProfiles, "soak-heap-profiles", o.SoakHeapProfiles, "-soak: save the started server's heap profiles at baseline and end in this directory")
	fs.IntVar(&o.Nodes, "nodes", o.Nodes, "start this many server processes as one cluster (NATS at -nats-url, PostgreSQL at -pg-dsn) and spread each call's parties over different nodes")
	var urls string
	fs.StringVar(&urls, "urls", "", "signaling URLs of a running cluster's nodes, comma-separated (with -data; parties are spread over them)")
	fs.StringVar(&o.NATSURL, "nats-url", o.NATSURL, "-nodes: the NATS server (JetStream on) the nodes join")
	fs.StringVar(&o.PGDSN, "pg-dsn", o.PGDSN, "-nodes: the PostgreSQL the nodes share (the run uses a schema of its own and drops it)")
	fs.DurationVar(&o.ClusterTTL, "cluster-ttl", o.ClusterTTL, "-nodes: the nodes' heartbeat TTL (how long a killed node takes to be noticed)")
	fs.DurationVar(&o.KillNodeAfter, "kill-node-after", o.KillNodeAfter, "-nodes: SIGKILL one node (see -kill-node) this long into the measured window")
	fs.StringVar(&o.KillNode, "kill-node", o.KillNode, "-kill-node-after: which node: home (the one running the tenant's domain, and its share of media) or media (the busiest other node)")
	if err := fs.Parse(args); err != nil {
		return o, fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	o.ServerArgs = serverArgs
	for _, u := range strings.Split(urls, ",") {
		if u = strings.TrimSpace(u); u != "" {
			o.URLs = append(o.URLs, u)
		}
	}
	if o.Record {
		o.ServerArgs = append(o.ServerArgs, "-record", "all")
	}
	return o, o.validate()
}

func (o Options) validate() error {
	switch {
	case o.Soak && (o.SoakCalls <= 0 || o.SoakConcurrency <= 0 || o.SoakWarmupWaves < 0 || o.SoakStep <= 0 || o.SoakSettle <= 0):
		return fmt.Errorf("%w: -soak needs -soak-calls, -soak-concurrency, -soak-step, -soak-settle > 0 and -soak-warmup-waves >= 0", errUsage)
	case o.Soak && (o.SoakGoroutineSlack < 0 || o.SoakFDSlack < 0 || o.SoakRSSSlack < -1):
		return fmt.Errorf("%w: -soak-goroutine-slack and -soak-fd-slack must be >= 0, -soak-rss-slack >= -1", errUsage)
	case o.Soak && o.FindMax:
		return fmt.Errorf("%w: -soak and -find-max exclude each other", errUsage)
	case o.Soak && o.URL != "" && o.PID <= 0:
		return fmt.Errorf("%w: -soak with -url needs -pid (the server's open files are read from /proc)", errUsage)
	case o.Soak && o.ServerProfile != "":
		return fmt.Errorf("%w: -server-profile covers the held window of a normal run, not -soak", errUsage)
	case o.Calls < 0 || o.Chats < 0 || o.Calls+o.Chats == 0:
		return fmt.Errorf("%w: -calls and -chats must be >= 0, and not both 0", errUsage)
	case o.Duration <= 0 || o.Ramp <= 0 || o.SwitchEvery <= 0 || o.JoinTimeout <= 0 || o.Grace <= 0:
		return fmt.Errorf("%w: -duration, -ramp, -switch-every, -join-timeout and -grace must be > 0", errUsage)
	case o.PCIEvery < 0:
		return fmt.Errorf("%w: -pci-every must be >= 0", errUsage)
	case o.FindMax && (o.Step <= 0 || o.MaxCalls < o.Calls):
		return fmt.Errorf("%w: -find-max needs -step > 0 and -max-calls >= -calls", errUsage)
	case o.ServerProfile != "" && o.URL != "":
		return fmt.Errorf("%w: -server-profile needs a started server (no -url)", errUsage)
	case o.Nodes < 0:
		return fmt.Errorf("%w: -nodes must be >= 0 (0: one server, no cluster; 1: a cluster of one node, to measure what clustering costs)", errUsage)
	case o.Nodes > 0 && (o.URL != "" || len(o.URLs) > 0):
		return fmt.Errorf("%w: -nodes starts a cluster; -url and -urls name running servers", errUsage)
	case len(o.URLs) > 0 && o.URL != "":
		return fmt.Errorf("%w: give -url or -urls, not both", errUsage)
	case o.KillNodeAfter < 0 || (o.KillNodeAfter > 0 && o.Nodes < 3):
		return fmt.Errorf("%w: -kill-node-after needs -nodes 3 or more (a tenant's home, a node to kill, a node to take over)", errUsage)
	case o.KillNode != "home" && o.KillNode != "media":
		return fmt.Errorf("%w: -kill-node is home or media", errUsage)
	case o.KillNodeAfter >= o.Duration && o.KillNodeAfter > 0:
		return fmt.Errorf("%w: -kill-node-after must fall within -duration", errUsage)
	case (o.Nodes > 0 || len(o.URLs) > 0) && (o.Soak || o.FindMax || o.ServerProfile != ""):
		return fmt.Errorf("%w: -nodes and -urls runs are plain runs (no -soak, -find-max, -server-profile)", errUsage)
	case o.Nodes > 0 && o.ClusterTTL < 500*time.Millisecond:
		return fmt.Errorf("%w: -cluster-ttl must be at least 500ms", errUsage)
	case len(o.URLs) > 0 && o.DataDir == "":
		return fmt.Errorf("%w: -urls needs -data (the nodes' shared data directory, to mint tokens)", errUsage)
	}
	if o.URL != "" {
		u, err := url.Parse(o.URL)
		if err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
			return fmt.Errorf("%w: -url must be ws://host:port/ws", errUsage)
		}
		if o.DataDir == "" {
			return fmt.Errorf("%w: -url needs -data (the server's data directory, to mint tokens)", errUsage)
		}
	}
	return nil
}

// metricsURL is where the server's metrics are scraped.
func (o Options) metricsURL() string {
	if o.MetricsURL != "" || o.URL == "" {
		return o.MetricsURL
	}
	u, _ := url.Parse(o.URL)
	scheme := "http"
	if u.Scheme == "wss" {
		scheme = "https"
	}
	return scheme + "://" + u.Host + "/metrics"
}
