package callcenter

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func TestChatWhisperNeverReachesCustomer(t *testing.T) {
	f := newFloor(t, DefaultPolicy())
	id := f.chat(t, f.customer, f.agent)
	ctx := context.Background()
	if _, err := f.c.Monitor(ctx, f.sup, MonitorParams{ConversationID: id}); err != nil {
		t.Fatal(err)
	}
	custBefore := len(f.customer.all())

	send := func(who *recorder, kind MessageKind, text string) (ChatMessage, error) {
		return f.c.SendMessage(who, SendParams{ConversationID: id, Kind: kind, Text: text})
	}
	// A silent monitor whispers to the agent, the agent whispers back.
	w1, err := send(f.sup, MessageWhisper, "offer the refund")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := send(f.agent, MessageWhisper, "ok, doing it"); err != nil {
		t.Fatal(err)
	}
	f.agent.waitFor(t, 0, EventChatMessage, textIs("offer the refund"))
	f.sup.waitFor(t, 0, EventChatMessage, textIs("ok, doing it"))

	t.Run("silent monitor cannot write to the customer", func(t *testing.T) {
		_, err := send(f.sup, MessagePublic, "hello customer")
		mustCode(t, err, "not_allowed_in_mode")
		if _, err := f.c.SetMode(f.sup, id, ModeWhisper); err != nil {
			t.Fatal(err)
		}
		_, err = send(f.sup, MessagePublic, "hello customer")
		mustCode(t, err, "not_allowed_in_mode")
	})
	t.Run("customer cannot whisper", func(t *testing.T) {
		_, err := send(f.customer, MessageWhisper, "psst")
		mustCode(t, err, "forbidden_role")
	})
	t.Run("invalid text", func(t *testing.T) {
		_, err := send(f.agent, MessagePublic, "   ")
		mustCode(t, err, "message_invalid")
		_, err = send(f.agent, MessagePublic, strings.Repeat("x", DefaultPolicy().MaxChatMessageBytes+1))
		mustCode(t, err, "message_invalid")
		_, err = send(f.agent, MessagePublic, "\xff\xfe")
		mustCode(t, err, "message_invalid")
	})
	t.Run("a NUL character cannot be stored", func(t *testing.T) {
		_, err := send(f.agent, MessagePublic, "a\x00b")
		mustCode(t, err, "message_invalid")
	})
	// Nothing at all reached the customer: no message, no event, no count.
	if got := f.customer.all()[custBefore:]; len(got) != 0 {
		t.Fatalf("customer received %d events during listen/whisper chat: %v", len(got), got)
	}

	// Barged in, the supervisor writes to the customer.
	if _, err := f.c.SetMode(f.sup, id, ModeBarge); err != nil {
		t.Fatal(err)
	}
	pub, err := send(f.sup, MessagePublic, "I'm Sam, the supervisor")
	if err != nil {
		t.Fatal(err)
	}
	f.customer.waitFor(t, custBefore, EventChatMessage, textIs("I'm Sam, the supervisor"))
	if _, err := send(f.customer, MessagePublic, "thanks"); err != nil {
		t.Fatal(err)
	}

	t.Run("transcripts", func(t *testing.T) {
		cust, err := f.c.Transcript(f.customer, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range cust {
			if m.Kind != "public" {
				t.Fatalf("customer transcript holds a %s message", m.Kind)
			}
		}
		if len(cust) != 2 || cust[0].ID != pub.ID {
			t.Fatalf("customer transcript = %+v", cust)
		}
		ag, err := f.c.Transcript(f.agent, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(ag) != 4 || ag[0].ID != w1.ID {
			t.Fatalf("agent transcript has %d messages", len(ag))
		}
		// Each thread counts on its own: 1, 2, ... with no gaps.
		next := map[string]uint64{}
		for i, m := range ag {
			next[m.Kind]++
			if m.Seq != next[m.Kind] || m.At.IsZero() || m.ID == "" {
				t.Fatalf("message %d badly ordered or stamped: %+v", i, m)
			}
		}
		for i, m := range cust {
			if m.Seq != uint64(i+1) {
				t.Fatalf("customer sees public seq %d at position %d: whispers betrayed by a gap", m.Seq, i)
			}
		}
		_, err = f.c.Transcript(f.agent2, id)
		mustCode(t, err, "not_participant")
		_, err = f.c.Transcript(f.outsider, id)
		mustCode(t, err, "conversation_not_found")
	})
	// No whisper text anywhere in what the customer received.
	for _, e := range f.customer.all() {
		if strings.Contains(string(e.Data), "refund") || strings.Contains(string(e.Data), "doing it") {
			t.Fatalf("whisper text leaked to the customer in %s", e.Event)
		}
	}
}

func textIs(text string) func(json.RawMessage) bool {
	return func(b json.RawMessage) bool {
		var m ChatMessage
		return json.Unmarshal(b, &m) == nil && m.Text == text
	}
}
