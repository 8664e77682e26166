package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/earshot/earshot/store"
)

// Many callers committing at once through a Writer are grouped into few
// transactions, and every tenant's chain still comes out contiguous and
// intact.
func testGroupCommit(t *testing.T, newHarness Factory) {
	h := newHarness(t)
	var (
		mu      sync.Mutex
		commits int
	)
	w := store.NewWriter(store.WriterParams{Store: h.Store, Observe: func(s store.CommitStats) {
		mu.Lock()
		commits++
		mu.Unlock()
	}})
	const callers, each = 16, 20
	var wg sync.WaitGroup
	errs := make(chan error, callers*each)
	for i := 0; i < callers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			tenant := fmt.Sprintf("t%d", i%3)
			for j := 0; j < each; j++ {
				e := store.AuditEvent{Tenant: authTenant(tenant), Actor: authUser(fmt.Sprintf("sup%d", i)), Role: "supervisor", Action: "monitor.whisper", Details: `{"n":1}`}
				if j%2 == 0 {
					errs <- w.Commit(context.Background(), store.Batch{Audit: []store.AuditEvent{e}})
				} else {
					w.Enqueue(store.Batch{Audit: []store.AuditEvent{e}})
				}
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, r := range mustVerify(t, h.Store) {
		if !r.OK() {
			t.Fatalf("%s: %v", r.Tenant, r.Broken)
		}
		total += int(r.Events)
	}
	if total != callers*each {
		t.Fatalf("%d events stored, want %d", total, callers*each)
	}
	mu.Lock()
	defer mu.Unlock()
	if commits >= callers*each {
		t.Fatalf("%d transactions for %d writes: no grouping", commits, callers*each)
	}
	t.Logf("%d writes in %d transactions", callers*each, commits)
	if err := w.Commit(context.Background(), store.Batch{Audit: []store.AuditEvent{{Tenant: "t1", Action: "x"}}}); err == nil {
		t.Fatal("a closed writer accepted a commit")
	}
}

// What was committed is there after the store is closed and opened again,
// and the chain goes on from where it stopped.
func testReopen(t *testing.T, newHarness Factory) {
	h := newHarness(t)
	commit(t, h.Store, store.Batch{Audit: []store.AuditEvent{ev("t1", "sam", "monitor.start", base)}})
	s := h.Reopen(t)
	commit(t, s, store.Batch{Audit: []store.AuditEvent{ev("t1", "sam", "monitor.leave", base.Add(1))}})
	evs := allEvents(t, s, "t1")
	if len(evs) != 2 || evs[1].Seq != 2 || evs[1].PrevHash != evs[0].Hash {
		t.Fatalf("after reopen: %+v", evs)
	}
	for _, r := range mustVerify(t, s) {
		if !r.OK() {
			t.Fatalf("%s: %v", r.Tenant, r.Broken)
		}
	}
}
