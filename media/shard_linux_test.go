//go:build linux

package media

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"testing"

	"github.com/earshot/earshot/media/mediatest"
)

// shardedMember is a connected client and its leg, with the shard its
// datagrams arrive at.
type shardedMember struct {
	id     LegID
	client *mediatest.Client
	leg    *Leg
}

// joinAcrossShards joins clients to g until each of the SFU's two shards
// carries at least one of them and there are at least want in all. The
// kernel hashes each client's address onto a shard, so how many joins that
// takes is chance: maxJoins makes a failure (every client on one shard) a
// 1 in 2^(maxJoins-1) event.
func joinAcrossShards(t *testing.T, g *Group, want int) map[int32][]shardedMember {
	t.Helper()
	const maxJoins = 16
	byShard := map[int32][]shardedMember{}
	for i := 0; len(byShard[0]) == 0 || len(byShard[1]) == 0 || len(byShard[0])+len(byShard[1]) < want; i++ {
		if i == maxJoins {
			t.Fatalf("%d clients, all on one shard: %v", i, byShard)
		}
		id := LegID(fmt.Sprint("c", i))
		c := newTestClient(t, string(id), 3)
		l := join(t, g, id, c, nil)
		sh := l.shard.Load()
		byShard[sh] = append(byShard[sh], shardedMember{id: id, client: c, leg: l})
	}
	return byShard
}

// TestShardedSwitchingNeverLeaksSupervisor switches a supervisor between
// Listen, Whisper and Barge thousands of times while a customer, an agent
// and the supervisor send, with the supervisor's and the customer's
// datagrams arriving at different shards: the supervisor's packets are
// read, routed and encrypted by one shard and sent to the customer from
// that shard's socket, whose own packets another shard reads. The oracle:
// a supervisor packet the customer recorded before Barge began must have
// been sent before the previous Barge ended (the microphone counts a packet
// as sent before writing it, so a packet the SFU could have read during
// that Barge is counted by then).
func TestShardedSwitchingNeverLeaksSupervisor(t *testing.T) {
	cfg := testConfig()
	cfg.Shards = 2
	s := newTestSFU(t, cfg)
	if n := len(s.Stats().Shards); n != 2 {
		t.Fatalf("%d shards, want 2", n)
	}
	g := s.NewGroup("sharded")
	byShard := joinAcrossShards(t, g, 3)
	// The supervisor on one shard, the customer on the other, the agent
	// wherever a third client landed.
	sup, cust := byShard[0][0], byShard[1][0]
	var agent shardedMember
	if len(byShard[0]) > 1 {
		agent = byShard[0][1]
	} else {
		agent = byShard[1][1]
	}
	if sup.leg.shard.Load() == cust.leg.shard.Load() {
		t.Fatal("supervisor and customer on one shard")
	}

	base := []Route{{cust.id, agent.id}, {agent.id, cust.id}, {sup.id, cust.id}, {sup.id, agent.id}}
	with := func(extra ...Route) []Route { return append(append([]Route(nil), base...), extra...) }
	listen := with()
	whisper := with(Route{agent.id, sup.id})
	barge := with(Route{agent.id, sup.id}, Route{cust.id, sup.id})
	if err := g.SetRoutes(listen); err != nil {
		t.Fatal(err)
	}
	for _, m := range []shardedMember{sup, cust, agent} {
		m.client.StartSending()
	}
	waitMore(t, cust.client, string(agent.id), 5)
	waitMore(t, sup.client, string(cust.id), 5)

	// window is one Barge: how many supervisor packets the customer had
	// recorded before it began, and how many the supervisor had sent when
	// it was over.
	type window struct{ startRecv, endSent uint64 }
	var windows []window
	const minSwitches, minSentDuring = 3000, 100
	sentBefore := sup.client.Sent()
	inBarge := false
	switches := 0
	for switches < minSwitches || sup.client.Sent()-sentBefore < minSentDuring {
		next := []int{0, 1, 2}[rand.IntN(3)]
		if next == 2 && !inBarge {
			windows = append(windows, window{startRecv: cust.client.Received(string(sup.id))})
		}
		routes := [][]Route{listen, whisper, barge}[next]
		if err := g.SetRoutes(routes); err != nil {
			t.Fatal(err)
		}
		if next != 2 && inBarge {
			windows[len(windows)-1].endSent = sup.client.Sent()
		}
		inBarge = next == 2
		switches++
	}
	if !inBarge {
		windows = append(windows, window{startRecv: cust.client.Received(string(sup.id))})
		if err := g.SetRoutes(barge); err != nil {
			t.Fatal(err)
		}
	}
	// The cross-shard path works: the customer hears the supervisor.
	waitMore(t, cust.client, string(sup.id), 5)
	if err := g.SetRoutes(listen); err != nil {
		t.Fatal(err)
	}
	windows[len(windows)-1].endSent = sup.client.Sent()
	// Late packets land: the customer's other stream moves on, and the
	// agent, whom the supervisor's shard writes to as well, gets more.
	waitMore(t, cust.client, string(agent.id), 10)
	waitMore(t, agent.client, string(cust.id), 10)

	seqs := cust.client.ReceivedSeqs(string(sup.id))
	k := 0 // windows[:k] began before packet i was recorded
	for i, seq := range seqs {
		for k < len(windows) && windows[k].startRecv <= uint64(i) {
			k++
		}
		allowed := uint64(0)
		if k > 0 {
			allowed = windows[k-1].endSent
		}
		if uint64(seq) > allowed {
			t.Fatalf("customer recorded supervisor packet %d (its #%d) outside Barge: sent after Barge %d of %d ended (%d sent by then)",
				seq, i, k, len(windows), allowed)
		}
	}
	t.Logf("%d switches, %d Barge windows, %d supervisor packets sent, %d reached the customer",
		switches, len(windows), sup.client.Sent(), len(seqs))

	// RTCP works on both shards: each client gets the reports the SFU
	// sends it (a sender report per slot it hears, with the reception
	// report of its microphone, which the shard its packets arrive at
	// measured).
	for _, m := range []shardedMember{sup, cust, agent} {
		eventually(t, flowDeadline, string(m.id)+" gets reports", func() error {
			if _, ok := m.client.MicReport(); !ok {
				return fmt.Errorf("no reception report about %s's microphone", m.id)
			}
			if len(m.client.SenderReportSSRCs()) == 0 {
				return fmt.Errorf("no sender report to %s", m.id)
			}
			return nil
		})
	}

	st := s.Stats()
	for i, sh := range st.Shards {
		if sh.Received == 0 || sh.Sent == 0 {
			t.Errorf("shard %d carried no traffic: %+v", i, sh)
		}
	}
	for _, m := range []shardedMember{sup, cust, agent} {
		for i, sl := range m.client.SlotStats() {
			if sl.SSRCChanges != 0 || sl.TimestampBackwards != 0 {
				t.Errorf("%s slot %d: %+v", m.id, i, sl)
			}
		}
	}
}

// TestShardsNeverShareAPortWithOthers: another SFU cannot bind the shards'
// port, and the shards do not join a port that a socket with SO_REUSEPORT
// holds: the bind fails as it does with one socket.
func TestShardsNeverShareAPortWithOthers(t *testing.T) {
	cfg := testConfig()
	cfg.Shards = 2
	s := newTestSFU(t, cfg)
	port := s.UDPAddr().(*net.UDPAddr).Port

	t.Run("another sfu on the port", func(t *testing.T) {
		other := cfg
		other.UDPPort = port
		other.TCPPort = TCPOff
		if o, err := New(Params{Config: other, Logger: testLogger()}); err == nil {
			_ = o.Close()
			t.Fatal("a second SFU bound the first one's port")
		}
	})
	t.Run("the sfu on a port a SO_REUSEPORT socket holds", func(t *testing.T) {
		lc := net.ListenConfig{Control: reusePort}
		pc, err := lc.ListenPacket(context.Background(), "udp", net.JoinHostPort(cfg.ListenIP, "0"))
		if err != nil {
			t.Fatal(err)
		}
		defer pc.Close()
		taken := cfg
		taken.UDPPort = pc.LocalAddr().(*net.UDPAddr).Port
		taken.TCPPort = TCPOff
		if o, err := New(Params{Config: taken, Logger: testLogger()}); err == nil {
			_ = o.Close()
			t.Fatal("the SFU joined a foreign SO_REUSEPORT socket's port")
		}
	})
}
