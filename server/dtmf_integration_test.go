package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/earshot/earshot/auth"
)

// monitorCommand is the monitor.command event.
type monitorCommand struct {
	ConversationID       string `json:"conversation_id"`
	Command              string `json:"command"`
	Mode                 string `json:"mode"`
	Extension            string `json:"extension"`
	TargetConversationID string `json:"target_conversation_id"`
	Error                *struct {
		Code string `json:"code"`
	} `json:"error"`
}

// dial presses keys on the party's microphone (RFC 4733 from pion) and
// returns the monitor.command event they produced.
func (p *party) dial(t *testing.T, keys string) monitorCommand {
	t.Helper()
	mark := p.sig.Mark()
	if err := p.media.SendDigits(ctxT(t), keys); err != nil {
		t.Fatalf("%s dial %s: %v", p.name, keys, err)
	}
	ev, err := p.sig.WaitEvent(ctxT(t), mark, "monitor.command", nil)
	if err != nil {
		t.Fatalf("%s dialled %s: %v", p.name, keys, err)
	}
	var mc monitorCommand
	if err := json.Unmarshal(ev.Data, &mc); err != nil {
		t.Fatal(err)
	}
	return mc
}

// digitsAfter returns the conversation.dtmf digits a party got after mark.
func digitsAfter(p *party, mark int) string {
	var b strings.Builder
	for _, ev := range p.sig.Events()[mark:] {
		if ev.Type != "conversation.dtmf" {
			continue
		}
		var d struct {
			Digit string `json:"digit"`
		}
		_ = json.Unmarshal(ev.Data, &d)
		b.WriteString(d.Digit)
	}
	return b.String()
}

// customerDigits presses keys on the customer's microphone and waits until
// the agent got exactly them as conversation.dtmf events.
func customerDigits(t *testing.T, cust, agent *party, keys string) {
	t.Helper()
	mark := agent.sig.Mark()
	if err := cust.media.SendDigits(ctxT(t), keys); err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t)
	for digitsAfter(agent, mark) != keys {
		select {
		case <-ctx.Done():
			t.Fatalf("agent got digits %q, want %q", digitsAfter(agent, mark), keys)
		case <-time.After(5 * time.Millisecond): // poll interval
		}
	}
}

// TestDTMFDialPad drives F6 with RFC 4733 digits from pion clients through
// the real signaling: the customer's digits reach the agent and no
// supervisor in any mode; the supervisor's star codes switch its mode
// (audited like monitor.set_mode) and leave; the tapping code names a
// conversation the supervisor may monitor, and is refused for an agent of
// another team; no digit is ever heard as audio.
func TestDTMFDialPad(t *testing.T) {
	ts := startServer(t, func(c *Config) {
		c.Policy.DTMF.Extensions = map[string]map[string]string{"t1": {"alex": "1001", "bea": "1002", "dan": "2001"}}
	})
	cust := newParty(t, ts, "customer", ts.token(t, "carla", "Carla", auth.RoleCustomer))
	agent := newParty(t, ts, "agent", ts.token(t, "alex", "Alex", auth.RoleAgent, "team-a"))
	supTok := ts.token(t, "sam", "Sam", auth.RoleSupervisor, "team-a")
	sup := newParty(t, ts, "supervisor", supTok)
	id := voiceCall(t, ts, cust, agent)
	var mon startResp
	sup.do(t, "monitor.start", map[string]string{"conversation_id": id, "reason": "dtmf", "offer": sup.offer(t)}, &mon)
	sup.connect(t, mon.Answer)
	sup.hearsAfter(t, cust, cust.seq(), 10)

	// Bea (team-a) and Dan (team-b) are in conversations of their own.
	bea := newParty(t, ts, "bea", ts.token(t, "bea", "Bea", auth.RoleAgent, "team-a"))
	cust2 := newParty(t, ts, "customer2", ts.token(t, "chris", "Chris", auth.RoleCustomer))
	beaConv := voiceCall(t, ts, cust2, bea)
	dan := newParty(t, ts, "dan", ts.token(t, "dan", "Dan", auth.RoleAgent, "team-b"))
	cust3 := newParty(t, ts, "customer3", ts.token(t, "cleo", "Cleo", auth.RoleCustomer))
	dan.do(t, "agent.set_state", map[string]string{"state": "ready"}, nil)
	var st startResp
	cust3.do(t, "conversation.start", map[string]string{"queue": "sales", "channel": "chat"}, &st)
	if _, err := dan.sig.WaitEvent(ctxT(t), 0, "conversation.offered", nil); err != nil {
		t.Fatal(err)
	}
	dan.do(t, "conversation.accept", map[string]string{"conversation_id": st.Conversation.ConversationID}, nil)

	supMark := sup.sig.Mark()
	for _, step := range []struct{ keys, mode, customer string }{
		{"", "listen", "4111"},
		{"*2", "whisper", "1111#"},
		{"*3", "barge", "0925"},
		{"*1", "listen", "*"},
	} {
		t.Run(step.mode, func(t *testing.T) {
			if step.keys != "" {
				mc := sup.dial(t, step.keys)
				if mc.Error != nil || mc.Command != step.mode || mc.Mode != step.mode || mc.ConversationID != id {
					t.Fatalf("dialled %s: %+v", step.keys, mc)
				}
				if got := floorMode(t, sup, id); got != step.mode {
					t.Fatalf("floor says %s after %s", got, step.keys)
				}
			}
			customerDigits(t, cust, agent, step.customer)
		})
	}

	t.Run("each switch audited like monitor.set_mode", func(t *testing.T) {
		var page apiEvents
		if code := apiGet(t, ts, "/api/v1/audit/events?actor=sam&conversation_id="+id, supTok, &page); code != http.StatusOK {
			t.Fatalf("audit search: %d", code)
		}
		var actions []string
		for i := len(page.Events) - 1; i >= 0; i-- { // newest first
			actions = append(actions, page.Events[i].Action)
		}
		want := "monitor.start monitor.whisper monitor.barge monitor.listen"
		if got := strings.Join(actions, " "); got != want {
			t.Fatalf("audit %q, want %q", got, want)
		}
	})

	t.Run("refusals", func(t *testing.T) {
		for _, c := range []struct{ keys, code string }{
			{"*9", "unknown_code"},
			{"*82001#", "other_team"},        // Dan is in team-b
			{"*89999#", "unknown_extension"}, // nobody
			{"*81001#", "already_monitoring"},
		} {
			if mc := sup.dial(t, c.keys); mc.Error == nil || mc.Error.Code != c.code || mc.TargetConversationID != "" {
				t.Errorf("dialled %s: %+v, want %s", c.keys, mc, c.code)
			}
		}
		if got := floorMode(t, sup, id); got != "listen" {
			t.Fatalf("a refused code changed the mode to %s", got)
		}
	})

	t.Run("tapping code", func(t *testing.T) {
		mc := sup.dial(t, "*81002#")
		if mc.Error != nil || mc.Command != "tap" || mc.Extension != "1002" || mc.TargetConversationID != beaConv {
			t.Fatalf("tap: %+v", mc)
		}
		// The console leaves (here with *0) and monitors the target with a
		// new leg: monitor.start checks every policy again and is audited.
		mark := sup.sig.Mark()
		if mc := sup.dial(t, "*0"); mc.Error != nil || mc.Command != "leave" {
			t.Fatalf("leave: %+v", mc)
		}
		if _, err := sup.sig.WaitEvent(ctxT(t), mark, "monitor.ended", nil); err != nil {
			t.Fatal(err)
		}
		var mon startResp
		sup.do(t, "monitor.start", map[string]string{"conversation_id": mc.TargetConversationID, "reason": "tapping code", "offer": sup.offer(t)}, &mon)
		sup.connect(t, mon.Answer)
		sup.hearsAfter(t, bea, bea.seq(), 10)
		if got := floorMode(t, sup, beaConv); got != "listen" {
			t.Fatalf("tapped conversation: mode %q", got)
		}
	})

	// No supervisor event ever carried a customer digit, and no digit was
	// heard as audio by anyone.
	for _, ev := range sup.sig.Events()[supMark:] {
		if ev.Type == "conversation.dtmf" {
			t.Fatalf("the supervisor got a customer digit: %s", ev.Data)
		}
	}
	for _, p := range []*party{cust, agent, sup, bea, cust2} {
		if got := p.media.ReceivedAll(); got[""] != 0 {
			t.Errorf("%s heard %d packets that are no speaker's audio: %v", p.name, got[""], got)
		}
	}
	if st := ts.a.sfu.Stats(); st.DTMFDigits < 20 || st.DTMFDropped != 0 {
		t.Errorf("sfu stats %+v", st)
	}
	if _, body := get(t, ts.base+"/metrics"); !strings.Contains(body, "earshot_dtmf_digits_total") {
		t.Errorf("/metrics has no earshot_dtmf_digits_total")
	}
}
