package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/earshot/earshot/store"
)

// Each tenant's events form their own chain: seq 1, 2, 3, ..., each linked
// to the previous hash; Verify finds every chain intact.
func testChain(t *testing.T, newHarness Factory) {
	h := newHarness(t)
	commit(t, h.Store, store.Batch{Audit: []store.AuditEvent{
		ev("t1", "sam", "monitor.start", base),
		ev("t2", "olga", "monitor.start", base),
		ev("t1", "sam", "monitor.whisper", base.Add(time.Second)),
	}})
	commit(t, h.Store, store.Batch{Audit: []store.AuditEvent{ev("t1", "sam", "monitor.leave", base.Add(2*time.Second))}})

	t1 := allEvents(t, h.Store, "t1")
	if len(t1) != 3 {
		t.Fatalf("t1 has %d events, want 3", len(t1))
	}
	prev := ""
	for i, e := range t1 {
		if e.Seq != int64(i+1) || e.PrevHash != prev || e.Hash == "" || e.Hash != store.HashEvent(e.PrevHash, e) {
			t.Fatalf("t1 event %d: seq %d prev %q hash %q", i, e.Seq, e.PrevHash, e.Hash)
		}
		prev = e.Hash
	}
	if got := t1[1]; got.Action != "monitor.whisper" || !got.At.Equal(base.Add(time.Second)) || got.At.Location() != time.UTC ||
		got.Actor != "sam" || got.Agent != "alex" || got.ConversationID != "conv-1" || got.Role != "supervisor" || got.Details != `{"reason":"quality"}` {
		t.Fatalf("stored event %+v", got)
	}
	if t2 := allEvents(t, h.Store, "t2"); len(t2) != 1 || t2[0].Seq != 1 || t2[0].PrevHash != "" {
		t.Fatalf("t2 chain: %+v", t2)
	}
	st, err := h.Store.AuditChain(ctxT(t), "t1")
	if err != nil || st.Head.Seq != 3 || st.Head.Hash != prev || st.Anchor.Seq != 0 {
		t.Fatalf("t1 chain state %+v, %v", st, err)
	}
	reps := mustVerify(t, h.Store)
	if len(reps) != 2 {
		t.Fatalf("verified %d tenants, want 2", len(reps))
	}
	for _, r := range reps {
		if !r.OK() {
			t.Fatalf("tenant %s: %v", r.Tenant, r.Broken)
		}
	}
}

// The database itself refuses to change or delete audit rows.
func testAppendOnly(t *testing.T, newHarness Factory) {
	h := newHarness(t)
	commit(t, h.Store, store.Batch{Audit: []store.AuditEvent{ev("t1", "sam", "monitor.start", base)}})
	ctx := ctxT(t)
	if _, err := h.SQL.ExecContext(ctx, `UPDATE audit_events SET actor = 'mallory' WHERE tenant = 't1'`); err == nil {
		t.Fatal("an audit row was updated")
	}
	if _, err := h.SQL.ExecContext(ctx, `DELETE FROM audit_events WHERE tenant = 't1'`); err == nil {
		t.Fatal("an audit row was deleted")
	}
	if evs := allEvents(t, h.Store, "t1"); len(evs) != 1 || evs[0].Actor != "sam" {
		t.Fatalf("rows after refused tampering: %+v", evs)
	}
}

// Verify reports the first broken link of a modified, deleted, or
// re-hashed row; chains of other tenants stay intact.
func testVerifyTampering(t *testing.T, newHarness Factory) {
	exec := func(q string) func(*testing.T, Harness) {
		return func(t *testing.T, h Harness) {
			if _, err := h.SQL.ExecContext(ctxT(t), q); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, tc := range []struct {
		name    string
		tamper  func(*testing.T, Harness)
		seq     int64
		contain string
	}{
		{"modified", exec(`UPDATE audit_events SET details = '{"reason":"none"}' WHERE tenant = 't1' AND seq = 3`), 3, "modified"},
		{"deleted", exec(`DELETE FROM audit_events WHERE tenant = 't1' AND seq = 2`), 2, "missing"},
		{"deleted_last", exec(`DELETE FROM audit_events WHERE tenant = 't1' AND seq = 5`), 5, "missing"},
		{"relinked", exec(`UPDATE audit_events SET prev_hash = 'beef' WHERE tenant = 't1' AND seq = 3`), 3, "prev_hash"},
		// An attacker who knows the hash function re-hashes the row they
		// changed: the next row no longer follows it.
		{"rehashed", func(t *testing.T, h Harness) {
			e := allEvents(t, h.Store, "t1")[3]
			e.Actor = "mallory"
			if _, err := h.SQL.ExecContext(ctxT(t), `UPDATE audit_events SET actor = $1, hash = $2 WHERE tenant = 't1' AND seq = 4`,
				string(e.Actor), store.HashEvent(e.PrevHash, e)); err != nil {
				t.Fatal(err)
			}
		}, 5, "prev_hash"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			var evs []store.AuditEvent
			for i := 0; i < 5; i++ {
				evs = append(evs, ev("t1", "sam", "monitor.listen", base.Add(time.Duration(i)*time.Second)))
			}
			evs = append(evs, ev("t2", "olga", "monitor.listen", base))
			commit(t, h.Store, store.Batch{Audit: evs})
			if _, err := h.SQL.ExecContext(ctxT(t), h.DisableGuards); err != nil {
				t.Fatal(err)
			}
			tc.tamper(t, h)
			for _, r := range mustVerify(t, h.Store) {
				switch r.Tenant {
				case "t1":
					if r.OK() || r.Broken.Seq != tc.seq || !strings.Contains(r.Broken.Reason, tc.contain) {
						t.Fatalf("t1: got %+v, want broken at %d (%s)", r.Broken, tc.seq, tc.contain)
					}
				case "t2":
					if !r.OK() {
						t.Fatalf("t2 broken by t1's tampering: %v", r.Broken)
					}
				}
			}
		})
	}
}

// A commit is all or nothing: one bad event and none of the batch is kept.
func testAtomicCommit(t *testing.T, newHarness Factory) {
	h := newHarness(t)
	bad := ev("t1", "sam", "monitor.barge", base)
	bad.Details = "not json"
	err := h.Store.Commit(ctxT(t), store.Batch{
		Audit:         []store.AuditEvent{ev("t1", "sam", "monitor.start", base), bad},
		Conversations: []store.ConversationRecord{{ID: "c1", Tenant: "t1", Channel: "chat", CreatedAt: base}},
	})
	if err == nil {
		t.Fatal("a batch with bad details was committed")
	}
	if evs := allEvents(t, h.Store, "t1"); len(evs) != 0 {
		t.Fatalf("failed batch left %d events", len(evs))
	}
	if _, err := h.Store.ConversationHistory(ctxT(t), "t1", "c1"); err == nil {
		t.Fatal("failed batch left a conversation")
	}
	commit(t, h.Store, store.Batch{Audit: []store.AuditEvent{ev("t1", "sam", "monitor.start", base)}})
	if evs := allEvents(t, h.Store, "t1"); len(evs) != 1 || evs[0].Seq != 1 {
		t.Fatalf("after a failed batch the chain should start at 1: %+v", evs)
	}
}
