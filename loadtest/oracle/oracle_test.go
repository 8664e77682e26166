package oracle

import (
	"testing"
	"time"

	"github.com/earshot/earshot/media/mediatest"
)

// ms turns milliseconds since an arbitrary epoch into a time.
var epoch = time.Unix(1_700_000_000, 0)

func ms(v float64) time.Time { return epoch.Add(time.Duration(v * float64(time.Millisecond))) }

// monitoredCall builds a call whose timeline is: agent joins at 100 ms,
// supervisor at 200 ms (Listen), Whisper requested at 1000 (ack 1010),
// Barge at 2000 (ack 2004), Listen at 3000 (ack 3002), hold at 4000 (ack
// 4001), resume at 5000 (ack 5001). Every leg is ready at 300 ms.
func monitoredCall(o *Oracle, idx int) *Call {
	c := o.NewCall(idx)
	s := State{}
	step := func(req, ack float64, mode bool, f func()) {
		f()
		i := c.Begin(s, mode, ms(req))
		c.Ack(i, ms(ack), true)
	}
	step(100, 101, false, func() { s.Agent = true })
	step(200, 201, false, func() { s.Supervisor, s.Mode = true, ModeListen })
	step(1000, 1010, true, func() { s.Mode = ModeWhisper })
	step(2000, 2004, true, func() { s.Mode = ModeBarge })
	step(3000, 3002, true, func() { s.Mode = ModeListen })
	step(4000, 4001, false, func() { s.Held = true })
	step(5000, 5001, false, func() { s.Held = false })
	for r := RoleCustomer; r < numRoles; r++ {
		c.Leg(r).Ready(ms(300))
	}
	return c
}

func TestJudge(t *testing.T) {
	o := New(Params{Grace: 50 * time.Millisecond})
	c := monitoredCall(o, 0)
	cases := []struct {
		name              string
		listener, speaker Role
		sent, arrival     float64
		want              Verdict
	}{
		{"listen: agent never hears the supervisor", RoleAgent, RoleSupervisor, 500, 501, VerdictLeak},
		{"listen: customer never hears the supervisor", RoleCustomer, RoleSupervisor, 500, 501, VerdictLeak},
		{"listen: supervisor hears the customer", RoleSupervisor, RoleCustomer, 500, 501, VerdictOK},
		{"whisper: agent hears the supervisor", RoleAgent, RoleSupervisor, 1500, 1501, VerdictOK},
		{"whisper: customer never", RoleCustomer, RoleSupervisor, 1500, 1501, VerdictLeak},
		{"whisper switch under way", RoleAgent, RoleSupervisor, 1005, 1006, VerdictGrace},
		{"sent before the whisper request, routed after it", RoleAgent, RoleSupervisor, 960, 1003, VerdictGrace},
		{"sent and arrived before the whisper request", RoleAgent, RoleSupervisor, 960, 961, VerdictLeak},
		{"well before the whisper request", RoleAgent, RoleSupervisor, 900, 901, VerdictLeak},
		{"barge: customer hears the supervisor", RoleCustomer, RoleSupervisor, 2500, 2501, VerdictOK},
		{"end of barge, processed before the listen ack", RoleCustomer, RoleSupervisor, 2990, 2991, VerdictOK},
		{"end of barge, delayed across the switch", RoleCustomer, RoleSupervisor, 2990, 3040, VerdictGrace},
		{"after listen was acknowledged", RoleCustomer, RoleSupervisor, 3100, 3101, VerdictLeak},
		{"whisper audio that waited in the server until barge", RoleCustomer, RoleSupervisor, 1800, 2100, VerdictGrace},
		{"whisper audio delivered before barge was requested", RoleCustomer, RoleSupervisor, 1800, 1990, VerdictLeak},
		{"held: agent does not hear the customer", RoleAgent, RoleCustomer, 4500, 4501, VerdictLeak},
		{"held: supervisor does not hear the customer", RoleSupervisor, RoleCustomer, 4500, 4501, VerdictLeak},
		{"held: supervisor hears the agent", RoleSupervisor, RoleAgent, 4500, 4501, VerdictOK},
		{"resumed", RoleAgent, RoleCustomer, 5500, 5501, VerdictOK},
		{"before the agent joined", RoleCustomer, RoleAgent, 10, 11, VerdictLeak},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := c.judge(tc.listener, tc.speaker, ms(tc.sent).UnixNano(), ms(tc.arrival).UnixNano()); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
	t.Run("an unacknowledged change stays possible", func(t *testing.T) {
		c2 := o.NewCall(1)
		c2.Ack(c2.Begin(State{Agent: true, Supervisor: true, Mode: ModeListen}, false, ms(0)), ms(1), true)
		c2.Begin(State{Agent: true, Supervisor: true, Mode: ModeBarge}, true, ms(1000)) // no ack yet
		if got := c2.judge(RoleCustomer, RoleSupervisor, ms(5000).UnixNano(), ms(5001).UnixNano()); got != VerdictGrace {
			t.Fatalf("got %s", got)
		}
	})
	t.Run("a refused change changes nothing", func(t *testing.T) {
		c3 := o.NewCall(2)
		c3.Ack(c3.Begin(State{Agent: true, Supervisor: true, Mode: ModeListen}, false, ms(0)), ms(1), true)
		c3.Ack(c3.Begin(State{Agent: true, Supervisor: true, Mode: ModeBarge}, true, ms(1000)), ms(1001), false)
		if got := c3.judge(RoleCustomer, RoleSupervisor, ms(2000).UnixNano(), ms(2001).UnixNano()); got != VerdictLeak {
			t.Fatalf("got %s", got)
		}
		if c3.State().Mode != ModeListen {
			t.Fatalf("state %+v", c3.State())
		}
	})
}

// send makes leg produce packets every 20 ms from..to (ms) and returns
// their payloads with send times.
type sentPacket struct {
	payload []byte
	at      float64
}

func sendEvery(l *Leg, from, to float64) []sentPacket {
	var out []sentPacket
	for at := from; at < to; at += 20 {
		out = append(out, sentPacket{payload: l.Next(nil, ms(at)), at: at})
	}
	return out
}

// TestLeakIsCounted is the oracle's own proof that it can fail: packets a
// faulty server would deliver are counted, and a whisper leak is told
// apart.
func TestLeakIsCounted(t *testing.T) {
	o := New(Params{})
	c := monitoredCall(o, 0)
	other := monitoredCall(o, 1)
	cust, sup := c.Leg(RoleCustomer), c.Leg(RoleSupervisor)

	sup.sent = nil
	pkts := sendEvery(sup, 400, 5600)
	for _, p := range pkts {
		// A faulty server forwards the supervisor to the customer always.
		cust.Received(p.payload, ms(p.at+1))
	}
	res := o.Result()
	// Only barge (2000..3000) and its grace are allowed.
	if res.Leaks == 0 || res.WhisperLeaks != res.Leaks || res.LeaksAudio != res.Leaks {
		t.Fatalf("leaks %d, whisper %d, audio %d", res.Leaks, res.WhisperLeaks, res.LeaksAudio)
	}
	wantLeaks := 0
	for _, p := range pkts {
		if p.at < 1950 || p.at > 3002 {
			wantLeaks++
		}
	}
	if int(res.Leaks) != wantLeaks {
		t.Fatalf("leaks %d, want %d", res.Leaks, wantLeaks)
	}
	if n := res.LeaksByPair["customer<-supervisor"]; int(n) != wantLeaks || len(res.LeaksByPair) != 1 {
		t.Fatalf("by pair %v", res.LeaksByPair)
	}

	t.Run("audio of another call", func(t *testing.T) {
		before := o.Live()
		p := other.Leg(RoleAgent).Next(nil, ms(2500))
		cust.Received(p, ms(2501))
		if l := o.Live(); l.Leaks != before.Leaks+1 || l.WhisperLeaks != before.WhisperLeaks {
			t.Fatalf("live %+v after %+v", l, before)
		}
		p = other.Leg(RoleSupervisor).Next(nil, ms(2500))
		cust.Received(p, ms(2501))
		if l := o.Live(); l.WhisperLeaks != before.WhisperLeaks+1 {
			t.Fatalf("another call's supervisor at a customer is a whisper leak: %+v", l)
		}
	})
	t.Run("garbage and own audio", func(t *testing.T) {
		before := o.Live()
		if v := cust.Received([]byte("not a payload"), ms(2500)); v != VerdictLeak {
			t.Fatalf("garbage: %s", v)
		}
		if v := cust.Received(mediatest.EncodePayload(nil, cust.Tag(), 9999, ms(2500)), ms(2501)); v != VerdictLeak {
			t.Fatalf("own audio: %s", v)
		}
		if l := o.Live(); l.Leaks != before.Leaks+2 {
			t.Fatalf("live %+v", l)
		}
	})
}

func TestLossDuplicatesAndLatency(t *testing.T) {
	o := New(Params{Grace: 50 * time.Millisecond, Warmup: 100 * time.Millisecond})
	c := monitoredCall(o, 0)
	cust, agent := c.Leg(RoleCustomer), c.Leg(RoleAgent)
	pkts := sendEvery(agent, 300, 6000)
	var dropped []float64
	for i, p := range pkts {
		if i%100 == 50 {
			dropped = append(dropped, p.at)
			continue // lost
		}
		if p.at+1 > 4001 && p.at+1 < 5001 {
			continue // the server isolates the held customer from the hold's ack to the resume's
		}
		cust.Received(p.payload, ms(p.at+2))
		if i == 20 {
			cust.Received(p.payload, ms(p.at+3)) // duplicated
		}
	}
	res := o.Result()
	if res.Leaks != 0 {
		t.Fatalf("leaks %d", res.Leaks)
	}
	if res.Packets.Duplicated != 1 {
		t.Fatalf("duplicated %d", res.Packets.Duplicated)
	}
	var custLost uint64
	for _, l := range res.Legs {
		if l.Tag == cust.Tag() {
			custLost = l.Lost
		}
	}
	// Dropped packets after the warm-up (400 ms) outside hold count lost.
	want := 0
	for _, at := range dropped {
		if at >= 400 && (at < 3950 || at > 5051) {
			want++
		}
	}
	if int(custLost) != want {
		t.Fatalf("customer lost %d, want %d (dropped at %v)", custLost, want, dropped)
	}
	if res.Latency.P50 != 2 || res.Latency.Max != 2 { // a duplicate keeps the first arrival
		t.Fatalf("latency %+v", res.Latency)
	}
	if res.LossRatio <= 0 || res.LossRatio >= 1 {
		t.Fatalf("loss ratio %v", res.LossRatio)
	}
}

func TestSwitchLatencyAndJoin(t *testing.T) {
	o := New(Params{})
	c := monitoredCall(o, 0)
	agent, cust, sup := c.Leg(RoleAgent), c.Leg(RoleCustomer), c.Leg(RoleSupervisor)
	agent.JoinStarted(ms(100))
	sup.JoinStarted(ms(200))
	// The supervisor talks all along; the server forwards it exactly as
	// the timeline says, with 1 ms of delay.
	for _, p := range sendEvery(sup, 300, 3500) {
		if p.at >= 1010 && p.at < 3000 { // whisper (from its ack) and barge: the agent
			agent.Received(p.payload, ms(p.at+1))
		}
		if p.at >= 2004 && p.at < 3000 { // barge: the customer
			cust.Received(p.payload, ms(p.at+1))
		}
	}
	for _, p := range sendEvery(cust, 300, 3500) {
		sup.Received(p.payload, ms(p.at+5))
		agent.Received(p.payload, ms(p.at+1))
	}
	res := o.Result()
	if res.Leaks != 0 {
		t.Fatalf("leaks %d", res.Leaks)
	}
	// Whisper adds agent←sup; barge adds customer←sup; listen removes both.
	if res.SwitchFirst.N != 2 || res.SwitchLast.N != 2 || res.SwitchMissing != 0 {
		t.Fatalf("first %+v last %+v missing %d", res.SwitchFirst, res.SwitchLast, res.SwitchMissing)
	}
	if res.SwitchFirst.Max > 21 || res.SwitchLast.Max > 1 {
		t.Fatalf("first %+v last %+v", res.SwitchFirst, res.SwitchLast)
	}
	if res.Join.N != 2 {
		t.Fatalf("join %+v", res.Join)
	}
}

func TestChatOracle(t *testing.T) {
	o := New(Params{})
	ch := o.NewChat(0)
	other := o.NewChat(1)
	for _, r := range []Role{RoleCustomer, RoleAgent, RoleSupervisor} {
		ch.Joined(r)
	}
	pub, _ := ch.Post(RoleCustomer, false, ms(0))
	wh, _ := ch.Post(RoleAgent, true, ms(10))
	lost, _ := ch.Post(RoleSupervisor, true, ms(20))
	refusedText, refusedSeq := ch.Post(RoleSupervisor, false, ms(30))
	ch.Refused(refusedSeq)
	_ = refusedText
	for _, r := range []Role{RoleCustomer, RoleAgent, RoleSupervisor} {
		if v := ch.Received(r, "public", pub, ms(5)); v != VerdictOK {
			t.Fatalf("public at %s: %s", r, v)
		}
	}
	for _, r := range []Role{RoleAgent, RoleSupervisor} {
		if v := ch.Received(r, "whisper", wh, ms(15)); v != VerdictOK {
			t.Fatalf("whisper at %s: %s", r, v)
		}
	}
	ch.Received(RoleAgent, "whisper", wh, ms(16)) // duplicate
	ch.Received(RoleAgent, "whisper", lost, ms(25))
	res := o.Result()
	if res.Leaks != 0 || res.Chat.Duplicated != 1 || res.Chat.Expected != 7 || res.Chat.Lost != 1 {
		t.Fatalf("%+v leaks %d", res.Chat, res.Leaks)
	}
	if res.Chat.Latency.Max != 5 {
		t.Fatalf("latency %+v", res.Chat.Latency)
	}

	t.Run("a whisper at the customer is a whisper leak", func(t *testing.T) {
		if v := ch.Received(RoleCustomer, "whisper", wh, ms(15)); v != VerdictLeak {
			t.Fatalf("got %s", v)
		}
		// Even if the server relabels it public.
		if v := ch.Received(RoleCustomer, "public", lost, ms(25)); v != VerdictLeak {
			t.Fatalf("relabelled: %s", v)
		}
		res := o.Result()
		if res.WhisperLeaks != 2 || res.LeaksChat != 2 {
			t.Fatalf("whisper leaks %d chat leaks %d", res.WhisperLeaks, res.LeaksChat)
		}
	})
	t.Run("another chat's message is a leak", func(t *testing.T) {
		txt, _ := other.Post(RoleCustomer, false, ms(40))
		if v := ch.Received(RoleAgent, "public", txt, ms(41)); v != VerdictLeak {
			t.Fatalf("got %s", v)
		}
		if v := ch.Received(RoleAgent, "public", "hello", ms(41)); v != VerdictLeak {
			t.Fatalf("foreign text: %s", v)
		}
	})
}

func TestDist(t *testing.T) {
	if d := distOf(nil); d.N != 0 {
		t.Fatalf("%+v", d)
	}
	var ns []int64
	for i := 1; i <= 100; i++ {
		ns = append(ns, int64(i)*int64(time.Millisecond))
	}
	d := distOf(ns)
	if d.N != 100 || d.P50 != 50 || d.P95 != 95 || d.P99 != 99 || d.Max != 100 {
		t.Fatalf("%+v", d)
	}
}

// TestSwitchAtTheEnd: a switch acknowledged just before the speakers stop
// is not a missing packet; speech after it that never arrives is.
func TestSwitchAtTheEnd(t *testing.T) {
	o := New(Params{})
	c := o.NewCall(0)
	listen := State{Agent: true, Supervisor: true, Mode: ModeListen}
	c.Ack(c.Begin(listen, false, ms(100)), ms(101), true)
	sup := c.Leg(RoleSupervisor)
	sendEvery(sup, 300, 5990) // heard by nobody: Listen
	whisper := listen
	whisper.Mode = ModeWhisper
	c.Ack(c.Begin(whisper, true, ms(5995)), ms(5996), true)
	if res := o.Result(); res.SwitchMissing != 0 {
		t.Fatalf("missing %d", res.SwitchMissing)
	}
	sendEvery(sup, 6000, 6500) // the agent should hear this, and hears nothing
	if res := o.Result(); res.SwitchMissing != 1 {
		t.Fatalf("missing %d, want 1", res.SwitchMissing)
	}
}

// TestClock: recorded times follow the monotonic clock from the oracle's
// start, and synthetic (wall-only) times map to themselves.
func TestClock(t *testing.T) {
	o := New(Params{})
	now := time.Now()
	if d := o.ns(now) - now.UnixNano(); d < -int64(time.Millisecond) || d > int64(time.Millisecond) {
		t.Fatalf("now maps %d ns away", d)
	}
	if got := o.ns(now.Add(1500*time.Millisecond)) - o.ns(now); got != int64(1500*time.Millisecond) {
		t.Fatalf("elapsed %d", got)
	}
	if o.ns(ms(42)) != ms(42).UnixNano() {
		t.Fatal("synthetic time moved")
	}
}

// A packet sent during an outage is not expected (a lost one is not
// counted lost) but is still judged: a leak in an outage is a leak.
func TestOutageExcusesLossNotLeaks(t *testing.T) {
	o := New(Params{Grace: time.Millisecond})
	c := o.NewCall(0)
	cust, agent := c.Leg(RoleCustomer), c.Leg(RoleAgent)
	base := time.Now()
	i := c.Begin(State{Agent: true}, false, base)
	c.Ack(i, base, true)
	cust.Ready(base)
	agent.Ready(base)
	var payloads [][]byte
	for k := 0; k < 4; k++ {
		payloads = append(payloads, cust.Next(nil, base.Add(time.Second+time.Duration(k)*time.Second)))
	}
	// Packet 0 arrives; 1 and 2 are sent in the outage and lost; 3 is
	// sent after it and lost too.
	agent.Received(payloads[0], base.Add(time.Second+time.Millisecond))
	c.Outage(base.Add(1500*time.Millisecond), base.Add(3500*time.Millisecond))
	res := o.Result()
	if res.Packets.Lost != 1 {
		t.Fatalf("lost %d, want 1 (the packet sent after the outage); %+v", res.Packets.Lost, res.Packets)
	}
	// A supervisor's packet at the customer in the outage is still a leak.
	sup := c.Leg(RoleSupervisor)
	p := sup.Next(nil, base.Add(2*time.Second))
	if v := cust.Received(p, base.Add(2*time.Second+time.Millisecond)); v != VerdictLeak {
		t.Fatalf("supervisor packet at the customer in an outage: %v, want leak", v)
	}
}

// TestPCILeakIsCounted: customer audio at the supervisor during a PCI pause
// is a leak and a PCI leak; the agent hearing the customer then is fine,
// and a customer packet at the supervisor outside the pause is neither.
func TestPCILeakIsCounted(t *testing.T) {
	o := New(Params{Grace: 50 * time.Millisecond})
	c := o.NewCall(0)
	s := State{Agent: true, Supervisor: true, Mode: ModeListen}
	c.Ack(c.Begin(s, false, ms(100)), ms(101), true)
	s.PCIPaused = true
	c.Ack(c.Begin(s, false, ms(1000)), ms(1002), true)
	s.PCIPaused = false
	c.Ack(c.Begin(s, false, ms(2000)), ms(2002), true)
	for r := RoleCustomer; r < numRoles; r++ {
		c.Leg(r).Ready(ms(300))
	}
	cust, agent, sup := c.Leg(RoleCustomer), c.Leg(RoleAgent), c.Leg(RoleSupervisor)
	if v := c.judge(RoleAgent, RoleCustomer, ms(1500).UnixNano(), ms(1501).UnixNano()); v != VerdictOK {
		t.Fatalf("agent hearing the customer during the pause: %s", v)
	}
	pkts := sendEvery(cust, 400, 2600)
	wantPCI := 0
	for _, p := range pkts {
		// A faulty server keeps forwarding the customer to the supervisor.
		sup.Received(p.payload, ms(p.at+1))
		agent.Received(p.payload, ms(p.at+1))
		// Leaks are the packets whose whole window [sent − grace, arrival]
		// lies between the pause's ack and the resume's request.
		if p.at-50 > 1002 && p.at+1 < 2000 {
			wantPCI++
		}
	}
	res := o.Result()
	if res.PCILeaks != uint64(wantPCI) || res.Leaks != res.PCILeaks || res.WhisperLeaks != 0 {
		t.Fatalf("pci leaks %d (want %d), leaks %d, whisper %d", res.PCILeaks, wantPCI, res.Leaks, res.WhisperLeaks)
	}
	if n := res.LeaksByPair["supervisor<-customer"]; n != res.Leaks {
		t.Fatalf("by pair %v", res.LeaksByPair)
	}
	if l := o.Live(); l.PCILeaks != res.PCILeaks {
		t.Fatalf("live %+v", l)
	}
}
