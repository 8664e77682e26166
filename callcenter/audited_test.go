package callcenter

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/earshot/earshot/store"
)

// memAuditor keeps what the domain writes, in order, and fails on demand.
type memAuditor struct {
	mu      sync.Mutex
	fail    bool
	batches []store.Batch
	changed chan struct{}
}

func newMemAuditor() *memAuditor { return &memAuditor{changed: make(chan struct{})} }

func (m *memAuditor) Commit(_ context.Context, b store.Batch) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail {
		return errors.New("store down")
	}
	m.addLocked(b)
	return nil
}

func (m *memAuditor) Enqueue(b store.Batch) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.addLocked(b)
}

func (m *memAuditor) addLocked(b store.Batch) {
	m.batches = append(m.batches, b)
	close(m.changed)
	m.changed = make(chan struct{})
}

func (m *memAuditor) setFail(on bool) {
	m.mu.Lock()
	m.fail = on
	m.mu.Unlock()
}

// events returns every audit event written so far.
func (m *memAuditor) events() []store.AuditEvent {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []store.AuditEvent
	for _, b := range m.batches {
		out = append(out, b.Audit...)
	}
	return out
}

func (m *memAuditor) all() store.Batch {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out store.Batch
	for _, b := range m.batches {
		out.Add(b)
	}
	return out
}

func (m *memAuditor) actions() []string {
	var out []string
	for _, e := range m.events() {
		out = append(out, e.Action)
	}
	return out
}

// waitAction waits for an event with action to be written.
func (m *memAuditor) waitAction(t *testing.T, action AuditAction) store.AuditEvent {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		m.mu.Lock()
		ch := m.changed
		m.mu.Unlock()
		for _, e := range m.events() {
			if e.Action == action.String() {
				return e
			}
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("no %s event within 10s; got %v", action, m.actions())
		}
	}
}

func auditorOf(c *Center) *memAuditor { return c.auditor.(*memAuditor) }

func details(t *testing.T, e store.AuditEvent) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(e.Details), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// Every supervisor action is audited, with actor, role, tenant,
// conversation and agent, before it is acknowledged.
func TestSupervisorActionsAreAudited(t *testing.T) {
	pol := DefaultPolicy()
	pol.MaxSilentVoiceMonitors = 0
	f := newFloor(t, pol)
	a := auditorOf(f.c)
	id := f.chat(t, f.customer, f.agent)
	ctx := context.Background()
	if _, err := f.c.Monitor(ctx, f.sup, MonitorParams{ConversationID: id, Reason: "quality check"}); err != nil {
		t.Fatal(err)
	}
	for _, m := range []Mode{ModeWhisper, ModeWhisper, ModeBarge, ModeListen} { // the repeat is no change: not audited
		if _, err := f.c.SetMode(f.sup, id, m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.c.Mute(f.sup, id, false); err != nil { // unmute = barge
		t.Fatal(err)
	}
	if _, err := f.c.SendMessage(f.sup, SendParams{ConversationID: id, Kind: MessageWhisper, Text: "offer the refund"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.c.SendMessage(f.agent, SendParams{ConversationID: id, Kind: MessagePublic, Text: "one moment"}); err != nil {
		t.Fatal(err)
	}
	if err := f.c.Leave(f.sup, id); err != nil {
		t.Fatal(err)
	}
	if _, err := f.c.Monitor(ctx, f.sup2, MonitorParams{ConversationID: id}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.c.SetMode(f.sup2, id, ModeBarge); err != nil {
		t.Fatal(err)
	}
	if _, err := f.c.SetAgentState(f.agent2, AgentReady); err != nil {
		t.Fatal(err)
	}
	if err := f.c.Transfer(f.sup2, TransferParams{ConversationID: id, ToAgent: "bea"}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"monitor.start", "monitor.whisper", "monitor.barge", "monitor.listen", "monitor.barge", "chat.whisper", "monitor.leave",
		"monitor.start", "monitor.barge", "conversation.transfer", "monitor.end",
	}
	if got := a.actions(); !slices.Equal(got, want) {
		t.Fatalf("audit trail\n got %v\nwant %v", got, want)
	}
	evs := a.events()
	start := evs[0]
	if start.Tenant != "t1" || start.Actor != "sam" || start.ActorName != "Sam" || start.Role != "supervisor" ||
		start.ConversationID != string(id) || start.Agent != "alex" || start.ID == "" {
		t.Fatalf("monitor.start event %+v", start)
	}
	if d := details(t, start); d["reason"] != "quality check" || d["mode"] != "listen" || d["channel"] != "chat" {
		t.Fatalf("monitor.start details %v", d)
	}
	if d := details(t, evs[1]); d["from"] != "listen" {
		t.Fatalf("mode details %v", d)
	}
	if d := details(t, evs[9]); d["to_agent"] != "bea" || d["from_agent"] != "alex" {
		t.Fatalf("transfer details %v", d)
	}
	if e := evs[10]; e.Actor != "sid" || details(t, e)["reason"] != "transferred" {
		t.Fatalf("monitor.end after transfer %+v", e)
	}
}

// If the audit row cannot be written the action is refused and nothing
// changes: not the mode, not the media, not what anyone is told.
func TestActionRefusedWhenAuditFails(t *testing.T) {
	f := newFloor(t, DefaultPolicy())
	a := auditorOf(f.c)
	id := f.chat(t, f.customer, f.agent)
	ctx := context.Background()
	a.setFail(true)
	_, err := f.c.Monitor(ctx, f.sup, MonitorParams{ConversationID: id})
	mustCode(t, err, "audit_unavailable")
	if row := floorRow(t, f.c, f.sup, id); len(row.Monitors) != 0 {
		t.Fatalf("monitoring started without its audit row: %+v", row.Monitors)
	}
	a.setFail(false)
	if _, err := f.c.Monitor(ctx, f.sup, MonitorParams{ConversationID: id}); err != nil {
		t.Fatal(err)
	}
	custMark, agentMark := len(f.customer.all()), len(f.agent.all())
	a.setFail(true)
	_, err = f.c.SetMode(f.sup, id, ModeBarge)
	mustCode(t, err, "audit_unavailable")
	_, err = f.c.SendMessage(f.sup, SendParams{ConversationID: id, Kind: MessageWhisper, Text: "psst"})
	mustCode(t, err, "audit_unavailable")
	err = f.c.Leave(f.sup, id)
	mustCode(t, err, "audit_unavailable")
	_, err = f.c.TakeOver(f.sup, id)
	mustCode(t, err, "audit_unavailable")
	if row := floorRow(t, f.c, f.sup, id); len(row.Monitors) != 1 || row.Monitors[0].Mode != ModeListen || row.Agent.UserID != "alex" {
		t.Fatalf("state changed by refused actions: %+v", row)
	}
	if got := f.customer.all()[custMark:]; len(got) != 0 {
		t.Fatalf("customer told of refused actions: %v", got)
	}
	if got := f.agent.all()[agentMark:]; len(got) != 0 {
		t.Fatalf("agent told of refused actions: %v", got)
	}
	msgs, err := f.c.Transcript(f.agent, id)
	if err != nil || len(msgs) != 0 {
		t.Fatalf("refused whisper in the transcript: %v %v", msgs, err)
	}
	// Unaudited actions go on while the store is down.
	if _, err := f.c.SendMessage(f.agent, SendParams{ConversationID: id, Kind: MessagePublic, Text: "still here"}); err != nil {
		t.Fatal(err)
	}
	a.setFail(false)
	if _, err := f.c.SetMode(f.sup, id, ModeBarge); err != nil {
		t.Fatal(err)
	}
}

// An action whose row was committed but which the world overtook before it
// took effect is followed by an action.aborted event naming it.
func TestAbortedActionIsRecorded(t *testing.T) {
	f := newFloor(t, DefaultPolicy())
	a := auditorOf(f.c)
	id := f.chat(t, f.customer, f.agent)
	if _, err := f.c.Monitor(context.Background(), f.sup, MonitorParams{ConversationID: id}); err != nil {
		t.Fatal(err)
	}
	// Commit the check's event by hand, end the conversation, then apply.
	err := f.c.audited(id, func() (store.Batch, error) {
		conv, p, err := f.c.monitorPartyLocked(f.sup, id)
		if err != nil {
			return store.Batch{}, err
		}
		return f.c.modeEventLocked(conv, p, ModeWhisper)
	}, func(ob *outbox) error {
		conv := f.c.conversations[id]
		f.c.endLocked(ob, conv, EndCustomerHungUp)
		_, _, err := f.c.monitorPartyLocked(f.sup, id)
		return err
	})
	mustCode(t, err, "conversation_not_found")
	ab := a.waitAction(t, AuditActionAborted)
	var whisper store.AuditEvent
	for _, e := range a.events() {
		if e.Action == "monitor.whisper" {
			whisper = e
		}
	}
	if d := details(t, ab); d["aborted_id"] != whisper.ID || d["action"] != "monitor.whisper" || d["code"] != "conversation_not_found" {
		t.Fatalf("aborted details %v (whisper %s)", d, whisper.ID)
	}
}

// Conversation history follows the conversation: start, answer, every
// participant's join and leave, the transfer, the end; chat messages with
// whispers flagged.
func TestHistoryIsRecorded(t *testing.T) {
	f := newFloor(t, DefaultPolicy())
	a := auditorOf(f.c)
	id := f.chat(t, f.customer, f.agent)
	if _, err := f.c.Monitor(context.Background(), f.sup, MonitorParams{ConversationID: id}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.c.SendMessage(f.sup, SendParams{ConversationID: id, Kind: MessageWhisper, Text: "w"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.c.SendMessage(f.customer, SendParams{ConversationID: id, Kind: MessagePublic, Text: "p"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.c.SetAgentState(f.agent2, AgentReady); err != nil {
		t.Fatal(err)
	}
	if err := f.c.Transfer(f.agent, TransferParams{ConversationID: id, ToAgent: "bea"}); err != nil {
		t.Fatal(err)
	}
	if err := f.c.End(f.customer, id); err != nil {
		t.Fatal(err)
	}
	b := a.all()
	last := map[string]store.ConversationRecord{}
	for _, c := range b.Conversations {
		last[c.ID] = c
	}
	c := last[string(id)]
	if c.CreatedAt.IsZero() || c.AnsweredAt.IsZero() || c.EndedAt.IsZero() || c.EndReason != "customer_ended" || !c.Transferred || c.Channel != "chat" || c.Tenant != "t1" {
		t.Fatalf("conversation record %+v", c)
	}
	parts := map[string]store.ParticipantRecord{}
	for _, p := range b.Participants {
		parts[string(p.User)] = p
	}
	for user, reason := range map[string]string{"cust": "customer_ended", "alex": "transferred", "sam": "transferred"} {
		if p := parts[user]; p.LeftAt.IsZero() || p.LeftReason != reason || p.JoinedAt.IsZero() {
			t.Fatalf("participant %s: %+v, want left %s", user, p, reason)
		}
	}
	if len(b.Transfers) != 1 || b.Transfers[0].From != "alex" || b.Transfers[0].To != "bea" || b.Transfers[0].By != "alex" {
		t.Fatalf("transfers %+v", b.Transfers)
	}
	if len(b.Messages) != 2 || !b.Messages[0].Whisper || b.Messages[1].Whisper || b.Messages[0].Text != "w" {
		t.Fatalf("messages %+v", b.Messages)
	}
}
