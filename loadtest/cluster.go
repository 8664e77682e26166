package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/earshot/earshot/cluster"
	"github.com/earshot/earshot/store/postgres"
)

// A cluster run (-nodes N or -urls): the parties of call i connect their
// signaling to different nodes — the customer to node i, the agent to
// node i+1, the supervisor to node i+2 (mod N) — so that every call
// crosses the cluster's bridges, and the cluster places each call's media
// where it decides. With -kill-node-after, one node is SIGKILLed during
// the measured window and the run measures the failover (failover.go).

// nodeFor is the node a party of call idx connects to.
func nodeFor(idx int, role int) int { return idx + role }

// startClusterTarget starts o.Nodes server processes joined in a cluster of
// the run's own name on o.NATSURL, sharing one PostgreSQL schema (created by
// the first node, dropped at the end) and one data directory (one token
// secret).
func (rn *runner) startClusterTarget(ctx context.Context, calls, chats int) (*target, error) {
	o := rn.opts
	dataDir, err := os.MkdirTemp(rn.tmp, "data-")
	if err != nil {
		return nil, err
	}
	minter, err := newMinter(dataDir, o.Issuer, o.Audience)
	if err != nil {
		return nil, err
	}
	var b [5]byte
	_, _ = rand.Read(b[:])
	suffix := hex.EncodeToString(b[:])
	schema, name := "earshot_loadtest_"+suffix, "loadtest-"+suffix
	tg := &target{minter: minter, place: ownQueues(), meter: meter{cluster: &clusterMeter{}}}
	tg.cleanup = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := postgres.DropSchema(ctx, o.PGDSN, schema); err != nil {
			fmt.Fprintf(rn.out, "drop schema %s: %v\n", schema, err)
		}
		if err := deleteClusterBuckets(ctx, o.NATSURL, name); err != nil {
			fmt.Fprintf(rn.out, "delete the cluster's buckets: %v\n", err)
		}
	}
	for i := range o.Nodes {
		id := fmt.Sprintf("lt-node-%d", i+1)
		cfg := queuesYAML(calls, chats) + fmt.Sprintf(
			"store:\n  driver: postgres\n  dsn: %q\n  schema: %q\ncluster:\n  nats_url: %q\n  name: %q\n  node_id: %q\n  heartbeat_ttl: %s\n",
			o.PGDSN, schema, o.NATSURL, name, id, o.ClusterTTL)
		nodeDir, err := os.MkdirTemp(rn.tmp, id+"-")
		if err != nil {
			tg.stopAll()
			return nil, err
		}
		// The node's config file lives in a directory of its own; the
		// data directory (the secret) is shared.
		args := append([]string{"-data", dataDir}, o.ServerArgs...)
		proc, err := startServer(ctx, serverParams{bin: rn.bin, dataDir: nodeDir, config: cfg, args: args})
		if err != nil {
			tg.stopAll()
			return nil, fmt.Errorf("node %s: %w", id, err)
		}
		tg.nodes = append(tg.nodes, &clusterNode{id: id, proc: proc})
		tg.wsURLs = append(tg.wsURLs, proc.wsURL())
		tg.meter.cluster.parts = append(tg.meter.cluster.parts, meter{pid: fmt.Sprint(proc.pid()), metricsURL: proc.metricsURL()})
	}
	tg.meter.cluster.last = make([]serverSample, len(tg.nodes))
	tg.meter.cluster.dead = make([]bool, len(tg.nodes))
	return tg, nil
}

// deleteClusterBuckets removes the KV buckets of the run's own cluster.
func deleteClusterBuckets(ctx context.Context, natsURL, name string) error {
	nc, err := nats.Connect(natsURL, nats.Timeout(5*time.Second))
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	for _, b := range []string{cluster.NodesBucket(name), cluster.ConversationsBucket(name), cluster.TenantsBucket(name)} {
		if err := js.DeleteKeyValue(ctx, b); err != nil && !errors.Is(err, jetstream.ErrBucketNotFound) {
			return fmt.Errorf("%s: %w", b, err)
		}
	}
	return nil
}

// runningClusterTarget is -urls: the nodes of a running cluster.
func runningClusterTarget(o Options) (*target, error) {
	minter, err := newMinter(o.DataDir, o.Issuer, o.Audience)
	if err != nil {
		return nil, err
	}
	tg := &target{minter: minter, place: sharedQueues(o), wsURLs: o.URLs, meter: meter{cluster: &clusterMeter{}}}
	for _, raw := range o.URLs {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
			return nil, fmt.Errorf("%w: -urls: %q is not ws://host:port/ws", errUsage, raw)
		}
		scheme := "http"
		if u.Scheme == "wss" {
			scheme = "https"
		}
		tg.meter.cluster.parts = append(tg.meter.cluster.parts, meter{metricsURL: scheme + "://" + u.Host + "/metrics"})
	}
	tg.meter.cluster.last = make([]serverSample, len(o.URLs))
	tg.meter.cluster.dead = make([]bool, len(o.URLs))
	return tg, nil
}

// clusterNode is one started node.
type clusterNode struct {
	id     string
	proc   *serverProc
	killed bool
}

// stopAll stops every node still running (SIGTERM, then SIGKILL).
func (tg *target) stopAll() []error {
	var errs []error
	for _, n := range tg.nodes {
		if n.killed || n.proc == nil {
			continue
		}
		if err := n.proc.stop(); err != nil {
			errs = append(errs, fmt.Errorf("node %s stop: %w", n.id, err))
		}
		n.proc = nil
	}
	return errs
}

// clusterMeter sums the nodes' samples. A killed node's last sample stands
// in for it (its CPU up to the kill counts, nothing after).
type clusterMeter struct {
	parts []meter
	mu    sync.Mutex
	last  []serverSample
	dead  []bool
}

func (cm *clusterMeter) sample(ctx context.Context) serverSample {
	out := serverSample{At: time.Now()}
	samples := make([]serverSample, len(cm.parts))
	var wg sync.WaitGroup
	for i, p := range cm.parts {
		cm.mu.Lock()
		dead := cm.dead[i]
		cm.mu.Unlock()
		if dead {
			continue
		}
		wg.Go(func() { samples[i] = p.sample(ctx) })
	}
	wg.Wait()
	cm.mu.Lock()
	defer cm.mu.Unlock()
	for i := range cm.parts {
		s := samples[i]
		if cm.dead[i] {
			s = cm.last[i]
		} else if s.Err != nil {
			if out.Err == nil {
				out.Err = s.Err
			}
			s = cm.last[i]
		} else {
			cm.last[i] = s
		}
		out.CPU += s.CPU
		out.RSS += s.RSS
		out.HeapInuse += s.HeapInuse
		out.Goroutines += s.Goroutines
		out.Forwarded += s.Forwarded
		out.Received += s.Received
		out.Legs += s.Legs
		out.Conversations += s.Conversations
	}
	return out
}

// markDead makes the meter use node i's last sample from now on.
func (cm *clusterMeter) markDead(i int) {
	cm.mu.Lock()
	cm.dead[i] = true
	cm.mu.Unlock()
}

// victim picks the node to kill: with home, the node running the tenant's
// domain (the one whose domain has conversations); with media, the one
// carrying the most media legs among the others. It returns -1 if there
// is none.
func (tg *target) victim(ctx context.Context, which string) (int, map[string]serverSample) {
	type cand struct {
		i    int
		legs int
	}
	var cands []cand
	seen := map[string]serverSample{}
	for i, n := range tg.nodes {
		if n.killed {
			continue
		}
		cm := tg.meter.cluster
		s := cm.parts[i].sample(ctx)
		seen[n.id] = s
		if s.Err == nil {
			// The freshest sample stands for a node killed right after.
			cm.mu.Lock()
			cm.last[i] = s
			cm.mu.Unlock()
		}
		if s.Err != nil || (s.Conversations > 0) != (which == "home") {
			continue
		}
		score := s.Legs
		if which == "home" {
			score = s.Conversations
		}
		cands = append(cands, cand{i, score})
	}
	if len(cands) == 0 {
		return -1, seen
	}
	sort.Slice(cands, func(a, b int) bool { return cands[a].legs > cands[b].legs })
	return cands[0].i, seen
}

// describeNodes is a line per node for the report's errors or progress.
func describeNodes(seen map[string]serverSample) string {
	var parts []string
	for id, s := range seen {
		parts = append(parts, fmt.Sprintf("%s: %d legs, %d conversations", id, s.Legs, s.Conversations))
	}
	sort.Strings(parts)
	return strings.Join(parts, "; ")
}
