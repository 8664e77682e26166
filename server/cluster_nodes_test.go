package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/cluster/clustertest"
)

// clusterChildEnv makes the test binary run one clustered server
// (TestClusterChild) with the YAML configuration file it names.
const clusterChildEnv = "EARSHOT_CLUSTER_CHILD_CONFIG"

// TestClusterChild is not a test: it is a cluster node process that the
// cluster tests start, and kill. Run normally it does nothing.
func TestClusterChild(t *testing.T) {
	cfg := os.Getenv(clusterChildEnv)
	if cfg == "" {
		return
	}
	args := []string{"serve", "-config", cfg, "-http", "127.0.0.1:0", "-udp-port", "0", "-listen-ip", "127.0.0.1", "-demo=false", "-log-level", "warn"}
	os.Exit(run(context.Background(), args, func(string) string { return "" }, os.Stdout, os.Stderr))
}

// node is one server process of a test cluster.
type node struct {
	id   string
	cmd  *exec.Cmd
	base string
	ws   string
}

// testCluster is n server processes on the local NATS and one PostgreSQL
// schema, sharing a data directory (so one HS256 secret signs every token).
type testCluster struct {
	nodes []*node
	ts    *testServer // mints tokens; its address is unused
	nats  string
	name  string
}

func startCluster(t *testing.T, ids ...string) *testCluster {
	t.Helper()
	url := clustertest.Require(t)
	name := clustertest.Name(t, url)
	var pg Config
	usePostgres(t, &pg)
	dir := t.TempDir()
	yaml := fmt.Sprintf("store:\n  driver: postgres\n  dsn: %q\n  schema: %q\ncluster:\n  nats_url: %q\n  name: %q\n  heartbeat_ttl: 2s\n",
		pg.Store.DSN, pg.Store.Schema, url, name)
	tc := &testCluster{nats: url, name: name}
	for _, id := range ids {
		path := filepath.Join(dir, id+".yaml")
		if err := os.WriteFile(path, []byte(yaml+"  node_id: "+strconv.Quote(id)+"\ndata_dir: "+strconv.Quote(dir)+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		tc.nodes = append(tc.nodes, startNodeProcess(t, id, path))
	}
	secret, err := auth.LoadOrCreateSecret(dir)
	if err != nil {
		t.Fatal(err)
	}
	h, err := auth.NewHMAC(auth.HMACParams{Secret: secret, Issuer: "earshot", Audience: "earshot"})
	if err != nil {
		t.Fatal(err)
	}
	tc.ts = &testServer{a: &app{hmac: h}}
	return tc
}

func startNodeProcess(t *testing.T, id, config string) *node {
	t.Helper()
	cmd, base, ws := startSelf(t, "TestClusterChild", clusterChildEnv+"="+config)
	return &node{id: id, cmd: cmd, base: base, ws: ws}
}

// party connects a user to a node of the cluster.
func (tc *testCluster) party(t *testing.T, n *node, speaker, user, name string, role auth.Role) *party {
	t.Helper()
	return newParty(t, &testServer{ws: n.ws}, speaker, tc.ts.token(t, user, name, role, "team-a"))
}

// legs reads a node's live media legs from its /metrics.
func (n *node) legs(t *testing.T) int {
	t.Helper()
	_, body := get(t, n.base+"/metrics")
	for _, line := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(line, "earshot_legs "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("earshot_legs %q: %v", v, err)
			}
			return int(f)
		}
	}
	t.Fatalf("node %s: no earshot_legs in /metrics", n.id)
	return 0
}

// waitLegs waits until the node carries want legs.
func (n *node) waitLegs(t *testing.T, want int) {
	t.Helper()
	ctx := ctxT(t)
	for n.legs(t) != want {
		select {
		case <-ctx.Done():
			t.Fatalf("node %s carries %d legs, want %d", n.id, n.legs(t), want)
		case <-time.After(20 * time.Millisecond): // poll interval
		}
	}
}

// kill ends the node process with SIGKILL: no goodbye of any kind.
func (n *node) kill(t *testing.T) {
	t.Helper()
	if err := n.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = n.cmd.Wait()
}

// reoffer answers a media.reoffer event: a new endpoint, a new offer.
func (p *party) reoffer(t *testing.T, conv string, mark int) {
	t.Helper()
	if _, err := p.sig.WaitEvent(ctxT(t), mark, "media.reoffer", func(b json.RawMessage) bool { return convID(b) == conv }); err != nil {
		t.Fatalf("%s: %v", p.name, err)
	}
	var res startResp
	p.do(t, "conversation.reoffer", map[string]string{"conversation_id": conv, "offer": p.offer(t)}, &res)
	p.connect(t, res.Answer)
}

// Three server processes; the customer, the agent and the supervisor each
// on a different one. The tenant's domain runs on the node its first user
// reached (the agent's, node-c); the call's media is placed on the least
// loaded node (node-a: all idle, lowest id). Every request of the customer
// and the supervisor crosses a bridge; every route change crosses NATS.
func TestClusterOfThreeNodes(t *testing.T) {
	tc := startCluster(t, "node-a", "node-b", "node-c")
	a, b, c := tc.nodes[0], tc.nodes[1], tc.nodes[2]
	agent := tc.party(t, c, "agent", "alex", "Alex", auth.RoleAgent) // first: node-c is the tenant's home
	cust := tc.party(t, a, "customer", "carla", "Carla", auth.RoleCustomer)
	sup := tc.party(t, b, "supervisor", "sam", "Sam", auth.RoleSupervisor)
	sup2 := tc.party(t, a, "supervisor2", "sue", "Sue", auth.RoleSupervisor)
	const n = 25

	id := voiceCall(t, nil, cust, agent)
	a.waitLegs(t, 2)
	if got := b.legs(t) + c.legs(t); got != 0 {
		t.Fatalf("media placed on several nodes: node-b+node-c carry %d legs", got)
	}

	t.Run("floor on every node", func(t *testing.T) {
		for _, s := range []*party{sup, sup2} {
			if _, err := s.sig.WaitEvent(ctxT(t), 0, "floor.conversation", func(b json.RawMessage) bool { return convID(b) == id }); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
		}
	})

	var bargeFrom, bargeTo uint32
	t.Run("listen whisper barge listen", func(t *testing.T) {
		var mon startResp
		mark := sup.sig.Mark()
		sup.do(t, "monitor.start", map[string]string{"conversation_id": id, "reason": "cluster test", "offer": sup.offer(t)}, &mon)
		sup.connect(t, mon.Answer)
		a.waitLegs(t, 3)
		// The slot map of a group on another node comes over the media
		// wire, and matches what arrives on each slot.
		m := waitSlots(t, sup, mark, id, []string{"carla", "alex", ""})
		checkSlotsCarry(t, sup, m, map[string]*party{"carla": cust, "alex": agent}, n)
		s0 := sup.seq()
		sup.hearsAfter(t, cust, cust.seq(), n)
		sup.hearsAfter(t, agent, agent.seq(), n)
		sup.waitSent(t, s0, n)
		if got := cust.heardAfter(sup, 0) + agent.heardAfter(sup, 0); got != 0 {
			t.Fatalf("%d supervisor packets heard in Listen", got)
		}
		begin := time.Now()
		sup.do(t, "monitor.set_mode", map[string]string{"conversation_id": id, "mode": "whisper"}, nil)
		t.Logf("a bridged supervisor's switch to Whisper (bridge node-b → home node-c → NATS → media node-a): acknowledged in %v", time.Since(begin))
		agent.hearsAfter(t, sup, sup.seq(), n)
		if got := cust.heardAfter(sup, 0); got != 0 {
			t.Fatalf("customer heard %d supervisor packets in Whisper", got)
		}
		bargeFrom = sup.seq()
		sup.do(t, "monitor.set_mode", map[string]string{"conversation_id": id, "mode": "barge"}, nil)
		cust.hearsAfter(t, sup, bargeFrom, n)
		sup.do(t, "monitor.set_mode", map[string]string{"conversation_id": id, "mode": "listen"}, nil)
		bargeTo = sup.seq()
		sup.waitSent(t, bargeTo, n)
		cust.hearsAfter(t, agent, agent.seq(), n)
		if got := cust.heardAfter(sup, bargeTo); got != 0 {
			t.Fatalf("customer heard %d supervisor packets sent after Listen was acknowledged", got)
		}
		const grace = 5
		for _, s := range cust.media.ReceivedSeqs(sup.name) {
			if s+grace < bargeFrom || s > bargeTo {
				t.Fatalf("supervisor packet %d reached the customer outside the barge [%d, %d]", s, bargeFrom, bargeTo)
			}
		}
	})

	// The call's media is on node-a, its domain on node-c: call health comes
	// from the levels node-a reports over NATS.
	t.Run("call health of remotely placed media", func(t *testing.T) {
		if _, err := sup2.sig.WaitEvent(ctxT(t), 0, "floor.conversation", func(b json.RawMessage) bool {
			var row struct {
				ConversationID string `json:"conversation_id"`
				Health         *struct {
					CustomerTalkS float64 `json:"customer_talk_s"`
					AgentTalkS    float64 `json:"agent_talk_s"`
				} `json:"health"`
			}
			return json.Unmarshal(b, &row) == nil && row.ConversationID == id && row.Health != nil &&
				row.Health.CustomerTalkS > 0 && row.Health.AgentTalkS > 0
		}); err != nil {
			t.Fatal(err)
		}
	})

	// The group is on node-a, the domain on node-c: digits travel as the
	// media host's reports (digitsSubject).
	t.Run("dtmf from a remote media group", func(t *testing.T) {
		customerDigits(t, cust, agent, "42")
		for _, keys := range []string{"*2", "*1"} {
			mc := sup.dial(t, keys)
			if mc.Error != nil || mc.ConversationID != id || (keys == "*2") != (mc.Mode == "whisper") {
				t.Fatalf("dialled %s: %+v", keys, mc)
			}
		}
		for _, ev := range sup.sig.Events() {
			if ev.Type == "conversation.dtmf" {
				t.Fatalf("the supervisor got a customer digit")
			}
		}
	})

	t.Run("help raised on one node accepted on another", func(t *testing.T) {
		mark := sup2.sig.Mark()
		hid := raise(t, agent, id, "refund question")
		if _, err := sup2.sig.WaitEvent(ctxT(t), mark, "help.requested", nil); err != nil {
			t.Fatal(err)
		}
		amark := agent.sig.Mark()
		sup2.do(t, "help.accept", map[string]string{"help_request_id": hid}, nil)
		if _, err := agent.sig.WaitEvent(ctxT(t), amark, "help.updated", func(b json.RawMessage) bool { return strings.Contains(string(b), `"in_progress"`) }); err != nil {
			t.Fatal(err)
		}
	})

	// Parties of the call placed while node-a drains; they outlive the
	// subtest that starts the call.
	var id2 string
	cust2 := tc.party(t, b, "customer2", "cody", "Cody", auth.RoleCustomer)
	agent2 := tc.party(t, a, "agent2", "bea", "Bea", auth.RoleAgent)
	t.Run("drain", func(t *testing.T) {
		tok := tc.ts.token(t, "root", "Root", auth.RoleAdmin)
		if code := clusterRequest(t, "POST", a.base+"/api/v1/cluster/drain", tok, nil); code != 200 {
			t.Fatalf("drain: HTTP %d", code)
		}
		// A new call is placed elsewhere; the live one goes on on node-a.
		id2 = voiceCall(t, nil, cust2, agent2)
		if b.legs(t)+c.legs(t) != 2 {
			t.Fatalf("the new call's legs are not on a serving node: node-b %d, node-c %d", b.legs(t), c.legs(t))
		}
		if got := a.legs(t); got != 3 {
			t.Fatalf("draining node-a carries %d legs, want the live call's 3", got)
		}
		agent.hearsAfter(t, cust, cust.seq(), n)
	})

	// SIGTERM: node-b stops taking work but carries call 2's media until
	// the call ends, then exits.
	t.Run("SIGTERM finishes the live call", func(t *testing.T) {
		if err := b.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- b.cmd.Wait() }()
		c0, a0 := cust2.seq(), agent2.seq()
		agent2.hearsAfter(t, cust2, c0, 2*n)
		cust2.hearsAfter(t, agent2, a0, 2*n)
		select {
		case err := <-exited:
			t.Fatalf("node-b exited with a live call: %v", err)
		default:
		}
		agent2.do(t, "conversation.end", map[string]string{"conversation_id": id2}, nil)
		select {
		case err := <-exited:
			if err != nil {
				t.Fatalf("node-b: %v", err)
			}
		case <-ctxT(t).Done():
			t.Fatal("node-b did not exit after its last call ended")
		}
		// The supervisor's socket closed with node-b: it resumes on node-c.
		sup.sig.DropSocket()
		if err := sup.sig.ResumeAt(ctxT(t), c.ws); err != nil {
			t.Fatal(err)
		}
		sup.hearsAfter(t, cust, cust.seq(), n) // its media never moved
	})

	t.Run("failover in whisper", func(t *testing.T) {
		sup.do(t, "monitor.set_mode", map[string]string{"conversation_id": id, "mode": "whisper"}, nil)
		agent.hearsAfter(t, sup, sup.seq(), n)
		marks := map[*party]int{cust: cust.sig.Mark(), agent: agent.sig.Mark(), sup: sup.sig.Mark()}
		killedAt := time.Now()
		a.kill(t) // the media host, and the customer's signaling node

		// The customer's socket died with node-a: it resumes on node-c.
		cust.sig.DropSocket()
		ctx := ctxT(t)
		for {
			err := cust.sig.ResumeAt(ctx, c.ws)
			if err == nil {
				break
			}
			select {
			case <-ctx.Done():
				t.Fatalf("customer could not resume on node-c: %v", err)
			case <-time.After(100 * time.Millisecond): // retry interval
			}
		}
		// Nothing of the supervisor reached the customer until its old
		// endpoint is replaced (the Whisper before and across the kill).
		if got := cust.heardAfter(sup, bargeTo); got != 0 {
			t.Fatalf("customer heard %d supervisor packets in Whisper before the failover", got)
		}
		for _, p := range []*party{cust, agent, sup} {
			p.reoffer(t, id, marks[p])
		}
		cust.hearsAfter(t, agent, agent.seq(), n)
		agent.hearsAfter(t, cust, cust.seq(), n)
		s0 := sup.seq()
		agent.hearsAfter(t, sup, s0, n) // still whispering
		sup.hearsAfter(t, cust, cust.seq(), n)
		t.Logf("recovered %v after the kill", time.Since(killedAt))
		sup.waitSent(t, sup.seq(), n)
		if got := cust.heardAfter(sup, 0); got != 0 {
			t.Fatalf("customer heard %d supervisor packets after the failover (Whisper)", got)
		}
		if got := c.legs(t); got != 3 {
			t.Fatalf("the surviving node carries %d legs, want the recovered call's 3", got)
		}
	})
}

// resumeSomewhere resumes the party's session on the first of nodes that
// takes it, retrying while the cluster notices a lost node.
func (p *party) resumeSomewhere(t *testing.T, nodes ...*node) {
	t.Helper()
	p.sig.DropSocket()
	ctx := ctxT(t)
	for i := 0; ; i++ {
		err := p.sig.ResumeAt(ctx, nodes[i%len(nodes)].ws)
		if err == nil {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s could not resume: %v", p.name, err)
		case <-time.After(100 * time.Millisecond): // retry interval
		}
	}
}

// The node that runs the tenant's domain — and, here, the call's media — is
// SIGKILLed in the middle of a Whisper. Another node takes the tenant over
// from the records the lost one kept: the sessions resume there, the
// conversation comes back with the same parties and the supervisor still
// in Whisper, and every party re-offers its leg. Not one supervisor packet
// reaches the customer.
func TestClusterHomeFailover(t *testing.T) {
	tc := startCluster(t, "node-a", "node-b", "node-c")
	a, b, c := tc.nodes[0], tc.nodes[1], tc.nodes[2]
	agent := tc.party(t, a, "agent", "alex", "Alex", auth.RoleAgent) // first: node-a is the tenant's home
	cust := tc.party(t, b, "customer", "carla", "Carla", auth.RoleCustomer)
	sup := tc.party(t, c, "supervisor", "sam", "Sam", auth.RoleSupervisor)
	const n = 25

	id := voiceCall(t, nil, cust, agent)
	a.waitLegs(t, 2) // all idle: placed on node-a, the lowest id
	var mon startResp
	sup.do(t, "monitor.start", map[string]string{"conversation_id": id, "reason": "home failover", "offer": sup.offer(t)}, &mon)
	sup.connect(t, mon.Answer)
	sup.do(t, "monitor.set_mode", map[string]string{"conversation_id": id, "mode": "whisper"}, nil)
	agent.hearsAfter(t, sup, sup.seq(), n)
	if got := cust.heardAfter(sup, 0); got != 0 {
		t.Fatalf("customer heard %d supervisor packets in Whisper", got)
	}

	marks := map[*party]int{cust: cust.sig.Mark(), agent: agent.sig.Mark(), sup: sup.sig.Mark()}
	killedAt := time.Now()
	a.kill(t)
	agent.resumeSomewhere(t, b, c)
	cust.resumeSomewhere(t, b, c)
	sup.resumeSomewhere(t, c, b)
	for _, p := range []*party{cust, agent, sup} {
		p.reoffer(t, id, marks[p])
	}
	cust.hearsAfter(t, agent, agent.seq(), n)
	agent.hearsAfter(t, cust, cust.seq(), n)
	agent.hearsAfter(t, sup, sup.seq(), n) // still whispering
	sup.hearsAfter(t, cust, cust.seq(), n)
	t.Logf("recovered %v after the kill of the tenant's home", time.Since(killedAt))
	sup.waitSent(t, sup.seq(), n)
	if got := cust.heardAfter(sup, 0); got != 0 {
		t.Fatalf("customer heard %d supervisor packets after the takeover", got)
	}
	// The supervisor's own view says Whisper; the customer's names no
	// supervisor.
	if _, err := sup.sig.WaitEvent(ctxT(t), marks[sup], "conversation.updated", func(b json.RawMessage) bool {
		return convID(b) == id && strings.Contains(string(b), `"mode":"whisper"`)
	}); err != nil {
		t.Fatal(err)
	}
	for _, ev := range cust.sig.Events()[marks[cust]:] {
		if strings.Contains(string(ev.Data), "Sam") || strings.Contains(string(ev.Data), "supervisor") {
			t.Fatalf("customer event %s names the supervisor: %s", ev.Type, ev.Data)
		}
	}
	// The call goes on under its new home: the agent ends it.
	agent.do(t, "conversation.end", map[string]string{"conversation_id": id}, nil)
}

// The tenant's home is lost while the call's media runs on another node:
// the node that takes the tenant over adopts the media group there, so the
// audio never stops — the agent hears the customer through the whole
// takeover — nobody re-offers, and the supervisor, still whispering, is
// driven by the new home (a switch to Barge after the takeover is applied).
func TestClusterHomeFailoverKeepsRemoteMedia(t *testing.T) {
	tc := startCluster(t, "node-a", "node-b", "node-c")
	a, b, c := tc.nodes[0], tc.nodes[1], tc.nodes[2]
	agent := tc.party(t, c, "agent", "alex", "Alex", auth.RoleAgent) // first: node-c is the tenant's home
	cust := tc.party(t, a, "customer", "carla", "Carla", auth.RoleCustomer)
	sup := tc.party(t, b, "supervisor", "sam", "Sam", auth.RoleSupervisor)
	const n = 25

	id := voiceCall(t, nil, cust, agent)
	a.waitLegs(t, 2) // all idle: placed on node-a, not the home
	// Another agent waits Ready; the customer writes in the chat, and the
	// message is stored before the crash.
	bea := tc.party(t, b, "agent2", "bea", "Bea", auth.RoleAgent)
	bea.do(t, "agent.set_state", map[string]string{"state": "ready"}, nil)
	cust.do(t, "chat.send", map[string]string{"conversation_id": id, "kind": "public", "text": "my order is 4711"}, nil)
	adminTok := tc.ts.token(t, "root", "Root", auth.RoleAdmin)
	ctx := ctxT(t)
	for {
		var h struct {
			Messages []struct {
				Text string `json:"text"`
			} `json:"messages"`
		}
		if apiGet(t, &testServer{base: a.base}, "/api/v1/conversations/"+id, adminTok, &h) == http.StatusOK && len(h.Messages) == 1 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("the chat message was never stored")
		case <-time.After(20 * time.Millisecond): // poll interval
		}
	}
	var mon startResp
	sup.do(t, "monitor.start", map[string]string{"conversation_id": id, "reason": "home failover", "offer": sup.offer(t)}, &mon)
	sup.connect(t, mon.Answer)
	sup.do(t, "monitor.set_mode", map[string]string{"conversation_id": id, "mode": "whisper"}, nil)
	agent.hearsAfter(t, sup, sup.seq(), n)

	marks := map[*party]int{cust: cust.sig.Mark(), agent: agent.sig.Mark(), sup: sup.sig.Mark()}
	c.kill(t)
	killSeq := cust.seq()
	// While nobody runs the tenant, the media node forwards on as routed.
	agent.hearsAfter(t, cust, killSeq, 2*n)
	agent.hearsAfter(t, sup, sup.seq(), n)
	bmark := bea.sig.Mark()
	agent.resumeSomewhere(t, a, b)
	cust.resumeSomewhere(t, a, b)
	sup.resumeSomewhere(t, b, a)
	bea.resumeSomewhere(t, b, a)

	// The idle agent is back Ready at its desk; the chat is intact.
	if _, err := bea.sig.WaitEvent(ctxT(t), bmark, "agent.state", func(b json.RawMessage) bool { return strings.Contains(string(b), `"state":"ready"`) }); err != nil {
		t.Fatalf("bea after the takeover: %v", err)
	}
	var tr struct {
		Messages []struct {
			Text string `json:"text"`
		} `json:"messages"`
	}
	agent.do(t, "conversation.transcript", map[string]string{"conversation_id": id}, &tr)
	if len(tr.Messages) != 1 || tr.Messages[0].Text != "my order is 4711" {
		t.Fatalf("transcript after the takeover: %+v", tr.Messages)
	}

	// The new home drives the same group: a switch reaches the media node.
	bargeFrom := sup.seq()
	sup.do(t, "monitor.set_mode", map[string]string{"conversation_id": id, "mode": "barge"}, nil)
	cust.hearsAfter(t, sup, bargeFrom, n)
	if got := cust.heardAfter(sup, 0) - cust.heardAfter(sup, bargeFrom); got > 5 {
		t.Fatalf("customer heard %d supervisor packets before the barge", got)
	}
	for _, p := range []*party{cust, agent, sup} {
		for _, ev := range p.sig.Events()[marks[p]:] {
			if ev.Type == "media.reoffer" {
				t.Fatalf("%s was asked to re-offer: the media should have been adopted", p.name)
			}
		}
		if r := p.media.Renegotiations(); r != 0 {
			t.Fatalf("%s renegotiated", p.name)
		}
	}
	agent.do(t, "conversation.end", map[string]string{"conversation_id": id}, nil)
}
