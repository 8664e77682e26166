package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/earshot/earshot/store"
)

// Recordings: upserted by ID (a recording's row is written at start and
// again, with its files, at stop), listed per tenant and conversation,
// never shown to another tenant, and deleted by retention, which returns
// them so their files can be deleted too.
func testRecordings(t *testing.T, newHarness Factory) {
	h := newHarness(t)
	started := store.RecordingRecord{ID: "r1", Tenant: "t1", ConversationID: "c1", StartedBy: "alex", StartedAt: base, Dir: "t1/r1"}
	stopped := started
	stopped.EndedAt = base.Add(time.Minute)
	stopped.Files = []store.RecordingFile{
		{Name: "p1.opus", PartyID: "p1", User: "carla", PartyName: "Carla", Role: "customer", Bytes: 1234, SHA256: "aa"},
		{Name: "p2.opus", PartyID: "p2", User: "alex", PartyName: "Alex", Role: "agent", Bytes: 999, SHA256: "bb"},
	}
	commit(t, h.Store, store.Batch{Recordings: []store.RecordingRecord{started}})
	if got, err := h.Store.Recording(ctxT(t), "t1", "r1"); err != nil || len(got.Files) != 0 || !got.EndedAt.IsZero() || got.Dir != "t1/r1" {
		t.Fatalf("started recording %+v, %v", got, err)
	}
	commit(t, h.Store, store.Batch{Recordings: []store.RecordingRecord{stopped, {ID: "r2", Tenant: "t1", ConversationID: "c2", StartedAt: base.Add(48 * time.Hour), Dir: "t1/r2"}}})
	commit(t, h.Store, store.Batch{Recordings: []store.RecordingRecord{{ID: "r3", Tenant: "t2", ConversationID: "c3", StartedAt: base, EndedAt: base.Add(time.Minute), Dir: "t2/r3"}}})

	got, err := h.Store.Recording(ctxT(t), "t1", "r1")
	if err != nil || !got.EndedAt.Equal(stopped.EndedAt) || len(got.Files) != 2 || got.Files[1] != stopped.Files[1] || got.StartedBy != "alex" {
		t.Fatalf("stopped recording %+v, %v", got, err)
	}
	if _, err := h.Store.Recording(ctxT(t), "t2", "r1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("another tenant's recording: %v", err)
	}
	list, err := h.Store.Recordings(ctxT(t), store.RecordingQuery{Tenant: "t1"})
	if err != nil || len(list) != 2 || list[0].ID != "r1" || list[1].ID != "r2" {
		t.Fatalf("t1 recordings %+v, %v", list, err)
	}
	list, err = h.Store.Recordings(ctxT(t), store.RecordingQuery{Tenant: "t1", ConversationID: "c2"})
	if err != nil || len(list) != 1 || list[0].ID != "r2" {
		t.Fatalf("c2 recordings %+v, %v", list, err)
	}
	list, err = h.Store.Recordings(ctxT(t), store.RecordingQuery{Tenant: "t1", From: base.Add(time.Hour)})
	if err != nil || len(list) != 1 || list[0].ID != "r2" {
		t.Fatalf("recent recordings %+v, %v", list, err)
	}
	if _, err := h.Store.Recordings(ctxT(t), store.RecordingQuery{}); !errors.Is(err, store.ErrBadQuery) {
		t.Fatalf("no tenant: %v", err)
	}

	res, err := h.Store.Purge(ctxT(t), store.PurgeParams{Before: base.Add(24 * time.Hour), Now: base.Add(49 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Tenants["t1"].Recordings != 1 || res.Tenants["t2"].Recordings != 1 || len(res.Recordings) != 2 {
		t.Fatalf("purge %+v", res)
	}
	for _, r := range res.Recordings {
		if r.ID == "r1" && (r.Dir != "t1/r1" || len(r.Files) != 2) {
			t.Fatalf("purged recording %+v", r)
		}
	}
	if _, err := h.Store.Recording(ctxT(t), "t1", "r1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("purged recording still there: %v", err)
	}
	if _, err := h.Store.Recording(ctxT(t), "t1", "r2"); err != nil {
		t.Fatalf("recent recording purged: %v", err)
	}
}
