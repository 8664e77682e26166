package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/earshot/earshot/store"
)

// Retention deletes what is older than the cutoff, keeps the rest
// verifiable, and audits the deletion in the chain it shortened.
func testRetention(t *testing.T, newHarness Factory) {
	h := newHarness(t)
	old, recent := base, base.Add(48*time.Hour)
	cutoff := base.Add(24 * time.Hour)
	commit(t, h.Store, store.Batch{
		Audit: []store.AuditEvent{
			ev("t1", "sam", "monitor.start", old), ev("t1", "sam", "monitor.leave", old.Add(time.Minute)),
			ev("t1", "sam", "monitor.start", recent),
			ev("t2", "olga", "monitor.start", recent),
		},
		Conversations: []store.ConversationRecord{
			{ID: "old", Tenant: "t1", Channel: "chat", CreatedAt: old, EndedAt: old.Add(time.Minute)},
			{ID: "stale", Tenant: "t1", Channel: "chat", CreatedAt: old}, // never ended: a crash mid-call
			{ID: "new", Tenant: "t1", Channel: "chat", CreatedAt: recent, EndedAt: recent.Add(time.Minute)},
		},
		Participants: []store.ParticipantRecord{
			{PartyID: "p-old", ConversationID: "old", Tenant: "t1", User: "carla", Role: "customer", JoinedAt: old},
			{PartyID: "p-new", ConversationID: "new", Tenant: "t1", User: "carla", Role: "customer", JoinedAt: recent},
		},
		Messages: []store.MessageRecord{
			{ID: "m-old", ConversationID: "old", Tenant: "t1", Seq: 1, Kind: "whisper", Whisper: true, Text: "x", At: old},
			{ID: "m-new", ConversationID: "new", Tenant: "t1", Seq: 1, Kind: "public", Text: "y", At: recent},
		},
		Transfers:    []store.TransferRecord{{ID: "x-old", ConversationID: "old", Tenant: "t1", To: "bea", At: old}},
		HelpRequests: []store.HelpRequest{{ID: "h-old", Tenant: "t1", ConversationID: "old", Status: "closed", RaisedAt: old, ClosedAt: old.Add(time.Minute)}},
	})
	now := recent.Add(time.Hour)
	res, err := h.Store.Purge(ctxT(t), store.PurgeParams{Before: cutoff, MaxAge: 24 * time.Hour, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	c := res.Tenants["t1"]
	want := store.PurgeCounts{AuditEvents: 2, Conversations: 2, Participants: 1, Transfers: 1, Messages: 1, HelpRequests: 1, AnchorSeq: 2}
	if c != want {
		t.Fatalf("t1 purged %+v, want %+v", c, want)
	}
	if c2 := res.Tenants["t2"]; c2.Total() != 0 {
		t.Fatalf("t2 purged %+v", c2)
	}
	evs := allEvents(t, h.Store, "t1")
	if len(evs) != 2 || evs[0].Seq != 3 || evs[1].Seq != 4 || evs[1].Action != store.ActionRetentionPurge || evs[1].Actor != store.SystemActor || !evs[1].At.Equal(now) {
		t.Fatalf("t1 after purge: %+v", evs)
	}
	var details struct {
		Before  time.Time         `json:"before"`
		MaxAge  string            `json:"max_age"`
		Deleted store.PurgeCounts `json:"deleted"`
	}
	if err := json.Unmarshal([]byte(evs[1].Details), &details); err != nil || details.Deleted != want || !details.Before.Equal(cutoff) || details.MaxAge != "24h0m0s" {
		t.Fatalf("purge details %s (%v)", evs[1].Details, err)
	}
	if t2 := allEvents(t, h.Store, "t2"); len(t2) != 1 {
		t.Fatalf("t2 lost events: %+v", t2)
	}
	for _, r := range mustVerify(t, h.Store) {
		if !r.OK() {
			t.Fatalf("%s after retention: %v", r.Tenant, r.Broken)
		}
		if r.Tenant == "t1" && r.Anchor != 2 {
			t.Fatalf("t1 anchor %d, want 2", r.Anchor)
		}
	}
	hist, err := h.Store.ConversationHistory(ctxT(t), "t1", "new")
	if err != nil || len(hist.Participants) != 1 || len(hist.Messages) != 1 {
		t.Fatalf("recent conversation after purge: %+v, %v", hist, err)
	}
	for _, id := range []string{"old", "stale"} {
		if _, err := h.Store.ConversationHistory(ctxT(t), "t1", id); err == nil {
			t.Fatalf("conversation %s survived retention", id)
		}
	}
	// A second run finds nothing more and audits nothing.
	res, err = h.Store.Purge(ctxT(t), store.PurgeParams{Before: cutoff, Now: now})
	if err != nil || res.Tenants["t1"].Total() != 0 {
		t.Fatalf("second purge: %+v, %v", res, err)
	}
	if evs := allEvents(t, h.Store, "t1"); len(evs) != 2 {
		t.Fatalf("an empty purge was audited: %+v", evs)
	}
}
