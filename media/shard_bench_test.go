//go:build linux

package media

import (
	"fmt"
	"net/netip"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/srtp/v3"
	"golang.org/x/sys/unix"
)

// shardRig is a set of monitored calls spread over k shards, each shard
// with its own reader (paths, scratch, send batch): what the shards' reader
// goroutines do per packet, minus the system calls. Every call is a
// customer and an agent who hear each other and a listening supervisor who
// hears both (so is gated). The customer's and the supervisor's datagrams
// arrive at shard c%k, the agent's at (c+1)%k: with two shards every
// call's media crosses shards, and both shards write to each supervisor's
// SRTP context. With local, all of a call's legs are on shard c%k instead:
// the shards share nothing (the best case, for comparison).
type shardRig struct {
	shards []*shardLoad
}

// shardLoad is one shard's reader and the speakers whose datagrams arrive
// at it.
type shardLoad struct {
	rd       *reader
	sink     *discardSink
	from     []netip.AddrPort
	packets  [][]byte
	buf      []byte
	received int
	// Each shard writes its own load per packet: no shared cache line.
	_ cacheLinePad
}

// paddedSink is a discardSink on cache lines of its own.
type paddedSink struct {
	discardSink
	_ cacheLinePad
}

func newShardRig(tb testing.TB, calls, k int, local bool) *shardRig {
	tb.Helper()
	profile := srtp.ProtectionProfileAeadAes128Gcm
	r := &shardRig{}
	for range k {
		sink := &(&paddedSink{}).discardSink
		r.shards = append(r.shards, &shardLoad{
			rd:   &reader{paths: map[netip.AddrPort]*Leg{}, now: time.Now(), out: &egress{batch: &sendBatch{sink: sink}}},
			sink: sink,
			buf:  make([]byte, packetSize),
		})
	}
	client, err := srtp.CreateContext(testKey, testSaltFor(profile), profile)
	if err != nil {
		tb.Fatal(err)
	}
	source := uint64(0)
	port := uint16(40000)
	// speaker makes a connected leg whose datagrams arrive at shard sh.
	speaker := func(id string, sh int) *Leg {
		l := connectedListener(tb, LegID(id), profile)
		source++
		l.recv = receiver{source: source, counters: &l.counters}
		rx, err := srtp.CreateContext(testKey, testSaltFor(profile), profile, srtp.SRTPNoReplayProtection())
		if err != nil {
			tb.Fatal(err)
		}
		l.rx.Store(rx)
		port++
		from := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port)
		load := r.shards[sh]
		load.rd.paths[from] = l
		load.from = append(load.from, from)
		rig := &readRig{client: client}
		load.packets = append(load.packets, rig.packet(tb, 1, uint32(source)))
		return l
	}
	hear := func(listener *Leg, speakers ...*Leg) {
		withSlotContexts(tb, listener, len(speakers), profile)
		for i, sp := range speakers {
			s := &slot{writer: &slotWriter{leg: listener, index: i, ssrc: uint32(100 + i), pt: 111}, munger: newMunger(1, 1)}
			s.setSource(sp.recv.source)
			d := sp.recv.dest.Load()
			var slots []*slot
			if d != nil {
				slots = d.slots
			}
			sp.recv.setDestinations(append(slots, s))
		}
	}
	for c := range calls {
		cust := speaker(fmt.Sprint("cust", c), c%k)
		agentShard := (c + 1) % k
		if local {
			agentShard = c % k
		}
		agent := speaker(fmt.Sprint("agent", c), agentShard)
		sup := speaker(fmt.Sprint("sup", c), c%k)
		hear(cust, agent)
		hear(agent, cust)
		hear(sup, cust, agent)
	}
	return r
}

// run makes the shard read n datagrams in batches of readBatchSize, as
// its reader goroutine does after each recvmmsg.
func (s *shardLoad) run(n int) {
	for i := 0; i < n; {
		s.rd.now = time.Now()
		for j := 0; j < readBatchSize && i < n; j++ {
			k := s.received % len(s.packets)
			copy(s.buf, s.packets[k])
			s.rd.handle(s.buf[:len(s.packets[k])], s.from[k])
			s.received++
			i++
		}
		s.rd.out.batch.flush()
	}
}

// threadCPU is the calling thread's CPU time.
func threadCPU(tb testing.TB) time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ts.Nano())
}

// BenchmarkForwardShards is the forwarding throughput of 1 and 2 shards,
// one goroutine each, over the same 60 monitored calls (decrypt, route,
// munge, encrypt, queue; no system calls). ns/op is per datagram read, over
// all shards: the 1-shard/2-shard ns/op ratio is the speed-up. shards=2 has
// every call's media crossing shards (as the kernel's hash places clients);
// calls-within-a-shard is the share-nothing bound. cpu-ns/op is the CPU
// time the shards' threads spent per datagram: on a shared machine, where
// the wall-clock ratio depends on what else runs, it tells whether two
// shards do more work per packet than one (locks, cache lines bouncing
// between cores) — if not, throughput grows with the cores they get.
func BenchmarkForwardShards(b *testing.B) {
	const calls = 60
	for _, c := range []struct {
		k     int
		local bool
	}{{1, false}, {2, false}, {2, true}} {
		name := fmt.Sprintf("shards=%d", c.k)
		if c.local {
			name += "/calls-within-a-shard"
		}
		k := c.k
		b.Run(name, func(b *testing.B) {
			r := newShardRig(b, calls, k, c.local)
			for _, s := range r.shards {
				s.run(len(s.packets)) // learn every microphone's SSRC
			}
			b.ReportAllocs()
			b.ResetTimer()
			var (
				wg  sync.WaitGroup
				cpu atomic.Int64
			)
			for i, s := range r.shards {
				n := b.N / k
				if i == 0 {
					n += b.N % k
				}
				wg.Go(func() {
					runtime.LockOSThread()
					defer runtime.UnlockOSThread()
					start := threadCPU(b)
					s.run(n)
					cpu.Add(int64(threadCPU(b) - start))
				})
			}
			wg.Wait()
			b.StopTimer()
			b.ReportMetric(float64(cpu.Load())/float64(b.N), "cpu-ns/op")
			sent := 0
			for _, s := range r.shards {
				sent += s.sink.datagrams
			}
			// Of every three datagrams read, two (customer, agent) go to
			// two listeners each and one (supervisor) is gated.
			if sent < b.N {
				b.Fatalf("%d datagrams read, %d sent", b.N, sent)
			}
		})
	}
}

// TestForwardShardsAllocatesNothing: the sharded read path allocates
// nothing per datagram, on any shard.
func TestForwardShardsAllocatesNothing(t *testing.T) {
	r := newShardRig(t, 4, 2, false)
	for _, s := range r.shards {
		s.run(len(s.packets))
		allocs := testing.AllocsPerRun(200, func() { s.run(readBatchSize) })
		if allocs != 0 {
			t.Fatalf("%.1f allocations per batch", allocs)
		}
		if s.sink.datagrams == 0 {
			t.Fatal("nothing forwarded")
		}
	}
}
