package store

import (
	"errors"
	"testing"
	"time"
)

func TestLinkAndHash(t *testing.T) {
	e := AuditEvent{Tenant: "t1", ID: "x", At: time.Date(2026, 1, 1, 0, 0, 0, 999999, time.UTC), Actor: "sam", Action: "monitor.start"}
	head, err := Link(ChainLink{Seq: 7, Hash: "abc"}, &e)
	if err != nil {
		t.Fatal(err)
	}
	if e.Seq != 8 || e.PrevHash != "abc" || head.Seq != 8 || head.Hash != e.Hash || e.Details != "{}" || e.At.Nanosecond() != 0 {
		t.Fatalf("linked %+v head %+v", e, head)
	}
	// Every field is covered by the hash.
	for name, mut := range map[string]func(*AuditEvent){
		"tenant":       func(e *AuditEvent) { e.Tenant = "t2" },
		"seq":          func(e *AuditEvent) { e.Seq++ },
		"id":           func(e *AuditEvent) { e.ID = "y" },
		"at":           func(e *AuditEvent) { e.At = e.At.Add(time.Millisecond) },
		"actor":        func(e *AuditEvent) { e.Actor = "sid" },
		"actor_name":   func(e *AuditEvent) { e.ActorName = "Sid" },
		"role":         func(e *AuditEvent) { e.Role = "admin" },
		"conversation": func(e *AuditEvent) { e.ConversationID = "c" },
		"agent":        func(e *AuditEvent) { e.Agent = "a" },
		"action":       func(e *AuditEvent) { e.Action = "monitor.leave" },
		"details":      func(e *AuditEvent) { e.Details = `{"a":1}` },
	} {
		m := e
		mut(&m)
		if HashEvent(m.PrevHash, m) == e.Hash {
			t.Errorf("changing %s keeps the hash", name)
		}
	}
	// Field boundaries matter: moving a character between fields changes it.
	a, b := e, e
	a.Actor, a.ActorName = "sa", "m"
	b.Actor, b.ActorName = "s", "am"
	if HashEvent("", a) == HashEvent("", b) {
		t.Error("length prefixes missing")
	}
}

func TestLinkRefusesBadEvents(t *testing.T) {
	if _, err := Link(ChainLink{}, &AuditEvent{Action: "x"}); err == nil {
		t.Fatal("no tenant accepted")
	}
	if _, err := Link(ChainLink{}, &AuditEvent{Tenant: "t", Details: "[1]"}); !errors.Is(err, ErrBadDetails) {
		t.Fatalf("array details: %v", err)
	}
}
