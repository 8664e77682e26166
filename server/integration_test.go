package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/signaling/sigclient"
)

type startResp struct {
	Conversation struct {
		ConversationID string `json:"conversation_id"`
	} `json:"conversation"`
	Answer string `json:"answer"`
}

// TestMonitoredCallWithRealMedia walks a voice call through every routing
// change with real pion endpoints and the real WebSocket signaling, and
// checks, packet by packet, who heard whom.
func TestMonitoredCallWithRealMedia(t *testing.T) {
	ts := startServer(t, nil)
	cust := newParty(t, ts, "customer", ts.token(t, "carla", "Carla", auth.RoleCustomer))
	agent := newParty(t, ts, "agent", ts.token(t, "alex", "Alex", auth.RoleAgent, "team-a"))
	agent2 := newParty(t, ts, "agent2", ts.token(t, "bea", "Bea", auth.RoleAgent, "team-a"))
	sup := newParty(t, ts, "supervisor", ts.token(t, "sam", "Sam", auth.RoleSupervisor, "team-a"))
	const n = 25 // packets (half a second of audio) that prove a path carries audio

	// A customer calls; the Ready agent is offered the call and accepts.
	id := voiceCall(t, ts, cust, agent)

	var switches []time.Duration
	setMode := func(mode string) {
		t.Helper()
		begin := time.Now()
		sup.do(t, "monitor.set_mode", map[string]string{"conversation_id": id, "mode": mode}, nil)
		switches = append(switches, time.Since(begin))
	}

	// Listen: the supervisor hears both; nobody hears the supervisor, whose
	// browser sends audio all along (the server gates it).
	custMark := cust.sig.Mark()
	t.Run("listen", func(t *testing.T) {
		var mon startResp
		sup.do(t, "monitor.start", map[string]string{"conversation_id": id, "reason": "quality check", "offer": sup.offer(t)}, &mon)
		sup.connect(t, mon.Answer)
		s0 := sup.seq()
		sup.hearsAfter(t, cust, cust.seq(), n)
		sup.hearsAfter(t, agent, agent.seq(), n)
		sup.waitSent(t, s0, n)
		if got := cust.heardAfter(sup, 0); got != 0 {
			t.Fatalf("customer heard %d supervisor packets in Listen", got)
		}
		if got := agent.heardAfter(sup, 0); got != 0 {
			t.Fatalf("agent heard %d supervisor packets in Listen", got)
		}
		agent.refused(t, "conversation.talk_back", map[string]any{"conversation_id": id, "on": true}, "not_coached")
	})

	t.Run("whisper", func(t *testing.T) {
		setMode("whisper")
		w0 := sup.seq()
		agent.hearsAfter(t, sup, w0, n)
		sup.hearsAfter(t, cust, cust.seq(), n)
		if got := cust.heardAfter(sup, 0); got != 0 {
			t.Fatalf("customer heard %d supervisor packets in Whisper", got)
		}
	})

	// Nothing at all reached the customer's signaling while the supervisor
	// listened and whispered.
	if extra := cust.sig.Events()[custMark:]; len(extra) != 0 {
		t.Fatalf("customer received %d events during Listen/Whisper: %v", len(extra), eventTypes(extra))
	}

	var bargeFrom, bargeTo uint32
	t.Run("barge", func(t *testing.T) {
		mark := cust.sig.Mark()
		bargeFrom = sup.seq()
		setMode("barge")
		cust.hearsAfter(t, sup, bargeFrom, n)
		agent.hearsAfter(t, sup, bargeFrom, n)
		if _, err := cust.sig.WaitEvent(ctxT(t), mark, "conversation.participant_joined", nil); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("back to listen", func(t *testing.T) {
		mark := cust.sig.Mark()
		setMode("listen")
		bargeTo = sup.seq()
		sup.waitSent(t, bargeTo, n)
		agent.hearsAfter(t, cust, cust.seq(), n) // the call goes on
		if got := cust.heardAfter(sup, bargeTo); got != 0 {
			t.Fatalf("customer heard %d supervisor packets sent after Listen was acknowledged", got)
		}
		if got := agent.heardAfter(sup, bargeTo); got != 0 {
			t.Fatalf("agent heard %d supervisor packets sent after Listen was acknowledged", got)
		}
		if _, err := cust.sig.WaitEvent(ctxT(t), mark, "conversation.participant_left", nil); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("hold isolates the customer", func(t *testing.T) {
		agent.do(t, "conversation.hold", map[string]any{"conversation_id": id, "on": true}, nil)
		c0, a0 := cust.seq(), agent.seq()
		cust.waitSent(t, c0, n)
		sup.hearsAfter(t, agent, a0, n) // supervisor still hears the agent
		if got := agent.heardAfter(cust, c0); got != 0 {
			t.Fatalf("agent heard %d packets of the held customer", got)
		}
		if got := sup.heardAfter(cust, c0); got != 0 {
			t.Fatalf("supervisor heard %d packets of the held customer (hold music must not reach supervisors)", got)
		}
		if got := cust.heardAfter(agent, a0); got != 0 {
			t.Fatalf("held customer heard %d agent packets", got)
		}
		agent.do(t, "conversation.hold", map[string]any{"conversation_id": id, "on": false}, nil)
		agent.hearsAfter(t, cust, cust.seq(), n)
		cust.hearsAfter(t, agent, agent.seq(), n)
	})

	t.Run("talk-back reaches only the coaching supervisor", func(t *testing.T) {
		setMode("whisper")
		agent.do(t, "conversation.talk_back", map[string]any{"conversation_id": id, "on": true}, nil)
		a0 := agent.seq()
		sup.hearsAfter(t, agent, a0, n)
		agent.waitSent(t, a0, n)
		if got := cust.heardAfter(agent, a0); got != 0 {
			t.Fatalf("customer heard %d talk-back packets", got)
		}
		agent.do(t, "conversation.talk_back", map[string]any{"conversation_id": id, "on": false}, nil)
		cust.hearsAfter(t, agent, agent.seq(), n)
		setMode("listen")
	})

	// Every supervisor packet the customer ever heard was sent during the
	// barge (a few packets of grace before the request, for packets already
	// in flight when the routes changed, none after Listen was acknowledged).
	const grace = 5
	leaks := 0
	for _, s := range cust.media.ReceivedSeqs(sup.name) {
		if s+grace < bargeFrom || s > bargeTo {
			leaks++
		}
	}
	if leaks != 0 {
		t.Fatalf("%d supervisor packets reached the customer outside the barge", leaks)
	}

	t.Run("take over", func(t *testing.T) {
		mark := agent.sig.Mark()
		sup.do(t, "monitor.take_over", map[string]string{"conversation_id": id}, nil)
		if _, err := agent.sig.WaitEvent(ctxT(t), mark, "conversation.ended", nil); err != nil {
			t.Fatal(err)
		}
		s0, a0 := sup.seq(), agent.seq()
		cust.hearsAfter(t, sup, s0, n)
		sup.hearsAfter(t, cust, cust.seq(), n)
		agent.waitSent(t, a0, n)
		if got := cust.heardAfter(agent, a0+grace); got != 0 {
			t.Fatalf("customer still hears the released agent (%d packets)", got)
		}
	})

	t.Run("blind transfer", func(t *testing.T) {
		agent2.do(t, "agent.set_state", map[string]string{"state": "ready"}, nil)
		mark := agent2.sig.Mark()
		sup.do(t, "conversation.transfer", map[string]string{"conversation_id": id, "to_agent": "bea"}, nil)
		s0 := sup.seq()
		if _, err := agent2.sig.WaitEvent(ctxT(t), mark, "conversation.offered", nil); err != nil {
			t.Fatal(err)
		}
		var acc startResp
		agent2.do(t, "conversation.accept", map[string]string{"conversation_id": id, "offer": agent2.offer(t)}, &acc)
		agent2.connect(t, acc.Answer)
		cust.hearsAfter(t, agent2, 0, n)
		agent2.hearsAfter(t, cust, cust.seq(), n)
		if got := cust.heardAfter(sup, s0+grace); got != 0 {
			t.Fatalf("customer heard %d packets of the supervisor after transferring away", got)
		}
	})

	t.Run("end cleans up", func(t *testing.T) {
		mark := agent2.sig.Mark()
		cust.do(t, "conversation.end", map[string]string{"conversation_id": id}, nil)
		if _, err := agent2.sig.WaitEvent(ctxT(t), mark, "conversation.ended", nil); err != nil {
			t.Fatal(err)
		}
		ctx := ctxT(t)
		for ts.a.sfu.Stats().Legs != 0 {
			select {
			case <-ctx.Done():
				t.Fatalf("%d legs left after the end", ts.a.sfu.Stats().Legs)
			case <-time.After(10 * time.Millisecond): // poll interval
			}
		}
	})

	for _, p := range []*party{cust, agent, agent2, sup} {
		if r := p.media.Renegotiations(); r != 0 {
			t.Errorf("%s renegotiated %d times", p.name, r)
		}
	}
	for i, s := range cust.media.SlotStats() {
		if s.SSRCChanges != 0 || s.TimestampBackwards != 0 {
			t.Errorf("customer slot %d not one steady stream: %+v", i, s)
		}
	}
	// The server's own histogram counted every acknowledged switch.
	if _, body := get(t, ts.base+"/metrics"); !strings.Contains(body, fmt.Sprintf("earshot_mode_switch_seconds_count %d", len(switches))) {
		t.Errorf("/metrics does not count %d mode switches", len(switches))
	}
	slices.Sort(switches)
	st := ts.a.sfu.Stats()
	t.Logf("packets: server received %d, forwarded %d, dropped at ingress %d", st.PacketsReceived, st.PacketsForwarded, st.PacketsDropped)
	for _, p := range []*party{cust, agent, agent2, sup} {
		t.Logf("%-10s sent %5d, heard %v", p.name, p.media.Sent(), p.media.ReceivedAll())
	}
	t.Logf("supervisor packets at the customer outside barge (leaks): %d", leaks)
	t.Logf("mode switch request→ack over signaling: n=%d min=%v median=%v max=%v", len(switches), switches[0], switches[len(switches)/2], switches[len(switches)-1])
}

func eventTypes(evs []sigclient.Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Type)
	}
	return out
}
