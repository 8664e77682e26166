package callcenter

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/earshot/earshot/media/mediatest"
)

// pionOffer is a real pion endpoint's SDP offer. The legs it makes are never
// connected: these tests look at the domain, and the server integration
// tests (server/pci_integration_test.go) at the packets.
func pionOffer(t *testing.T, speaker string) string {
	t.Helper()
	m, err := mediatest.NewClient(mediatest.ClientParams{Speaker: speaker})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sdp, err := m.Offer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return sdp
}

// voice starts a voice call from customer on queue "support" and has agent
// accept it.
func (f *floor) voice(t *testing.T, customer, agent *recorder) ConversationID {
	t.Helper()
	if _, err := f.c.SetAgentState(agent, AgentReady); err != nil {
		t.Fatal(err)
	}
	res, err := f.c.StartConversation(context.Background(), customer, StartParams{Queue: "support", Channel: ChannelVoice, Offer: pionOffer(t, "customer")})
	if err != nil {
		t.Fatal(err)
	}
	id := res.View.ConversationID
	agent.waitFor(t, 0, EventConversationOffered, hasConversation(id))
	if _, err := f.c.Accept(context.Background(), agent, AcceptParams{ConversationID: id, Offer: pionOffer(t, "agent")}); err != nil {
		t.Fatal(err)
	}
	return id
}

// monitorVoice makes sup monitor the voice conversation id (Listen).
func (f *floor) monitorVoice(t *testing.T, sup *recorder, id ConversationID) {
	t.Helper()
	if _, err := f.c.Monitor(context.Background(), sup, MonitorParams{ConversationID: id, Reason: "qa", Offer: pionOffer(t, "supervisor")}); err != nil {
		t.Fatal(err)
	}
}

// pausedNow reports whether the conversation is in a PCI pause, and what
// its hear-matrix says about the supervisors hearing the customer.
func pausedNow(c *Center, id ConversationID) (paused, supHearsCustomer bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	conv := c.conversations[id]
	s := conv.hearState()
	for _, sup := range conv.supervisors() {
		if CanHear(s, sup.id, conv.customer().id) {
			supHearsCustomer = true
		}
	}
	return conv.pci != nil, supHearsCustomer
}

func TestPCIPauseWhoMay(t *testing.T) {
	f := newFloor(t, DefaultPolicy())
	id := f.voice(t, f.customer, f.agent)
	f.monitorVoice(t, f.sup, id)

	_, err := f.c.PCIPause(f.customer, id, true)
	mustCode(t, err, ErrForbiddenRole.Code)
	_, err = f.c.PCIPause(f.sup, id, true)
	mustCode(t, err, ErrNotAllowedInMode.Code)
	if _, err := f.c.SetMode(f.sup, id, ModeWhisper); err != nil {
		t.Fatal(err)
	}
	_, err = f.c.PCIPause(f.sup, id, true)
	mustCode(t, err, ErrNotAllowedInMode.Code)
	_, err = f.c.PCIPause(f.sup2, id, true)
	mustCode(t, err, ErrNotParticipant.Code)
	_, err = f.c.PCIPause(f.outsider, id, true)
	mustCode(t, err, ErrConversationNotFound.Code)
	if p, _ := pausedNow(f.c, id); p {
		t.Fatal("a refused pause paused")
	}

	// A barged-in supervisor may pause and resume.
	if _, err := f.c.SetMode(f.sup, id, ModeBarge); err != nil {
		t.Fatal(err)
	}
	v, err := f.c.PCIPause(f.sup, id, true)
	if err != nil {
		t.Fatal(err)
	}
	if sv, ok := v.(SupervisorView); !ok || sv.PCIPause == nil || sv.PCIPause.By.Role != PartySupervisor {
		t.Fatalf("barged supervisor's view after pause: %+v", v)
	}
	if p, hears := pausedNow(f.c, id); !p || hears {
		t.Fatalf("paused=%t, supervisor hears customer=%t", p, hears)
	}
	if _, err := f.c.PCIPause(f.sup, id, false); err != nil {
		t.Fatal(err)
	}
	if p, hears := pausedNow(f.c, id); p || !hears {
		t.Fatalf("after resume: paused=%t, supervisor hears customer=%t", p, hears)
	}

	// Chat has no audio to pause.
	chatID := f.chat(t, f.customer2, f.agent2)
	_, err = f.c.PCIPause(f.agent2, chatID, true)
	mustCode(t, err, ErrBadState.Code)
}

// The agent pauses: audited with who did it, shown to supervisors and the
// agent, and the customer is told nothing at all.
func TestPCIPauseAuditedAndShownToSupervisorsOnly(t *testing.T) {
	f := newFloor(t, DefaultPolicy())
	id := f.voice(t, f.customer, f.agent)
	f.monitorVoice(t, f.sup, id)
	custMark, supMark := len(f.customer.all()), len(f.sup.all())

	v, err := f.c.PCIPause(f.agent, id, true)
	if err != nil {
		t.Fatal(err)
	}
	av, ok := v.(AgentView)
	if !ok || av.PCIPause == nil || av.PCIPause.By.Name != "Alex" || av.PCIPause.ResumesAt == nil {
		t.Fatalf("agent's view after pause: %+v", v)
	}
	if want := av.PCIPause.Since.Add(10 * time.Minute); !av.PCIPause.ResumesAt.Equal(want) {
		t.Fatalf("resumes at %v, want %v (default pci_pause_max 10m)", av.PCIPause.ResumesAt, want)
	}
	ev := auditorOf(f.c).waitAction(t, AuditPCIPause)
	if ev.Actor != "alex" || ev.Role != "agent" || ev.ConversationID != string(id) {
		t.Fatalf("pci.pause audit: %+v", ev)
	}
	if row := floorRow(t, f.c, f.sup, id); row.PCIPause == nil || row.PCIPause.By.Role != PartyAgent {
		t.Fatalf("floor row while paused: %+v", row)
	}
	raw, _ := f.sup.waitFor(t, supMark, EventConversationUpdated, func(b json.RawMessage) bool { return strings.Contains(string(b), `"pci_pause"`) })
	var sv SupervisorView
	if err := json.Unmarshal(raw, &sv); err != nil || sv.PCIPause == nil {
		t.Fatalf("monitoring supervisor's view: %s (%v)", raw, err)
	}

	// Pausing again is a no-op: no second audit event.
	if _, err := f.c.PCIPause(f.agent, id, true); err != nil {
		t.Fatal(err)
	}
	if _, err := f.c.PCIPause(f.agent, id, false); err != nil {
		t.Fatal(err)
	}
	res := auditorOf(f.c).waitAction(t, AuditPCIResume)
	if d := details(t, res); res.Actor != "alex" || d["paused_by"] != "alex" {
		t.Fatalf("pci.resume audit: %+v %v", res, d)
	}
	n := 0
	for _, a := range auditorOf(f.c).actions() {
		if a == AuditPCIPause.String() {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d pci.pause events, want 1 (a repeated pause is a no-op)", n)
	}
	if row := floorRow(t, f.c, f.sup, id); row.PCIPause != nil {
		t.Fatalf("floor row after resume: %+v", row.PCIPause)
	}
	if got := f.customer.all()[custMark:]; len(got) != 0 {
		t.Fatalf("customer got %d events from a pause and resume: %v", len(got), got)
	}
}

// A forgotten pause resumes by itself after policy.pci_pause_max, and the
// resume is audited as the system's.
func TestPCIPauseResumesAutomatically(t *testing.T) {
	pol := DefaultPolicy()
	pol.PCIPauseMax = 50 * time.Millisecond
	f := newFloor(t, pol)
	id := f.voice(t, f.customer, f.agent)
	f.monitorVoice(t, f.sup, id)
	custMark := len(f.customer.all())
	supMark := len(f.sup.all())
	if _, err := f.c.PCIPause(f.agent, id, true); err != nil {
		t.Fatal(err)
	}
	ev := auditorOf(f.c).waitAction(t, AuditPCIAutoResume)
	if ev.Role != "system" || details(t, ev)["paused_by"] != "alex" {
		t.Fatalf("pci.auto_resume audit: %+v %v", ev, details(t, ev))
	}
	// Events are pushed before the operation's audit rows are handed over,
	// so the supervisor was told already: its last view has no pause.
	var last string
	for _, e := range f.sup.all()[supMark:] {
		if e.Event == EventConversationUpdated {
			last = string(e.Data)
		}
	}
	if last == "" || strings.Contains(last, `"pci_pause"`) {
		t.Fatalf("supervisor's last view after the automatic resume: %s", last)
	}
	if p, hears := pausedNow(f.c, id); p || !hears {
		t.Fatalf("after the automatic resume: paused=%t, supervisor hears customer=%t", p, hears)
	}
	if got := f.customer.all()[custMark:]; len(got) != 0 {
		t.Fatalf("customer got %d events: %v", len(got), got)
	}

	// A resume before the maximum disarms the timer: a later pause is not
	// cut short by the earlier one's timer.
	pol.PCIPauseMax = time.Hour
	f2 := newFloor(t, pol)
	id2 := f2.voice(t, f2.customer, f2.agent)
	if _, err := f2.c.PCIPause(f2.agent, id2, true); err != nil {
		t.Fatal(err)
	}
	f2.c.mu.Lock()
	timer := f2.c.conversations[id2].pci.timer
	f2.c.mu.Unlock()
	if _, err := f2.c.PCIPause(f2.agent, id2, false); err != nil {
		t.Fatal(err)
	}
	if timer.Stop() {
		t.Fatal("the resume left the automatic-resume timer armed")
	}
}
