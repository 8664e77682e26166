package store

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// fakeStore records commits and fails on demand.
type fakeStore struct {
	Store   // only Commit is used
	mu      sync.Mutex
	fail    error
	poison  string        // if set, a batch with this audit action is refused
	block   chan struct{} // if set, Commit waits on it
	entered chan struct{} // if set, told when a Commit starts
	got     []Batch
}

func (f *fakeStore) Commit(ctx context.Context, b Batch) error {
	f.mu.Lock()
	block, fail := f.block, f.fail
	f.mu.Unlock()
	if f.entered != nil {
		f.entered <- struct{}{}
	}
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if fail != nil {
		return fail
	}
	for _, e := range b.Audit {
		if f.poison != "" && e.Action == f.poison {
			return errors.New("invalid byte sequence for encoding")
		}
	}
	f.mu.Lock()
	f.got = append(f.got, b)
	f.mu.Unlock()
	return nil
}

func (f *fakeStore) actions() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, b := range f.got {
		for _, e := range b.Audit {
			out = append(out, e.Action)
		}
	}
	return out
}

func audit(action string) Batch {
	return Batch{Audit: []AuditEvent{{Tenant: "t1", Action: action}}}
}

func TestWriterCommitFailsWhenStoreFails(t *testing.T) {
	f := &fakeStore{fail: errors.New("disk full")}
	w := NewWriter(WriterParams{Store: f, Logger: quiet})
	defer w.Close()
	if err := w.Commit(context.Background(), audit("monitor.start")); err == nil {
		t.Fatal("commit on a failing store succeeded")
	}
	f.mu.Lock()
	f.fail = nil
	f.mu.Unlock()
	if err := w.Commit(context.Background(), audit("monitor.whisper")); err != nil {
		t.Fatal(err)
	}
	// The refused write is never written later.
	if got := f.actions(); len(got) != 1 || got[0] != "monitor.whisper" {
		t.Fatalf("stored %v", got)
	}
}

func TestWriterRetriesEnqueuedInOrder(t *testing.T) {
	f := &fakeStore{fail: errors.New("down")}
	w := NewWriter(WriterParams{Store: f, Logger: quiet})
	w.Enqueue(audit("a"))
	w.Enqueue(audit("b"))
	// A synchronous commit on the failing store fails...
	if err := w.Commit(context.Background(), audit("refused")); err == nil {
		t.Fatal("commit succeeded on a failing store")
	}
	f.mu.Lock()
	f.fail = nil
	f.mu.Unlock()
	// ...and once the store is back, the queued writes come first.
	if err := w.Commit(context.Background(), audit("c")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got := f.actions()
	if len(got) != 3 || got[0] != "a" || got[1] != "b" || got[2] != "c" {
		t.Fatalf("stored %v, want [a b c]", got)
	}
}

// TestWriterIsolatesARefusedBatch: a batch the database refuses fails its
// own caller only; the callers grouped with it in the same transaction are
// committed, and a queued asynchronous batch behind it too.
func TestWriterIsolatesARefusedBatch(t *testing.T) {
	block := make(chan struct{})
	f := &fakeStore{poison: "bad", block: block, entered: make(chan struct{}, 64)}
	w := NewWriter(WriterParams{Store: f, Logger: quiet})
	defer w.Close()
	queued := func(n int) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			w.mu.Lock()
			got := len(w.queue)
			w.mu.Unlock()
			if got == n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d batches queued, want %d", got, n)
			}
			time.Sleep(time.Millisecond) // polling the queue length
		}
	}
	first := make(chan error, 1)
	go func() { first <- w.Commit(context.Background(), audit("first")) }()
	<-f.entered // "first" is in its transaction; the next callers queue up behind it
	results := map[string]chan error{}
	for i, a := range []string{"good1", "bad", "good2"} {
		results[a] = make(chan error, 1)
		go func() { results[a] <- w.Commit(context.Background(), audit(a)) }()
		queued(i + 1) // one at a time, so the queue order is known
	}
	w.Enqueue(audit("async"))
	queued(4)
	f.mu.Lock()
	f.block = nil
	f.mu.Unlock()
	close(block)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	for a, ch := range results {
		err := <-ch
		if (a == "bad") != (err != nil) {
			t.Errorf("%s: %v", a, err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got := f.actions()
	want := []string{"first", "good1", "good2", "async"}
	if len(got) != len(want) {
		t.Fatalf("stored %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("stored %v, want %v (in order)", got, want)
		}
	}
}

func TestWriterStampsMonotonicUTCMillis(t *testing.T) {
	f := &fakeStore{}
	clock := []time.Time{
		time.Date(2026, 1, 1, 10, 0, 0, 123456789, time.FixedZone("x", 3600)),
		time.Date(2026, 1, 1, 8, 59, 0, 0, time.UTC), // the clock stepped back
	}
	i := 0
	w := NewWriter(WriterParams{Store: f, Logger: quiet, Now: func() time.Time {
		if i < len(clock) {
			i++
			return clock[i-1]
		}
		return clock[len(clock)-1]
	}})
	w.Enqueue(audit("a"))
	w.Enqueue(audit("b"))
	_ = w.Close()
	f.mu.Lock()
	defer f.mu.Unlock()
	var ats []time.Time
	for _, b := range f.got {
		for _, e := range b.Audit {
			ats = append(ats, e.At)
			if e.ID == "" {
				t.Fatal("no ID stamped")
			}
		}
	}
	want := time.Date(2026, 1, 1, 9, 0, 0, 123000000, time.UTC)
	if len(ats) != 2 || !ats[0].Equal(want) || !ats[1].Equal(want) || ats[0].Location() != time.UTC {
		t.Fatalf("stamps %v, want both %v", ats, want)
	}
}

func TestWriterWithdrawsCancelledCommit(t *testing.T) {
	f := &fakeStore{block: make(chan struct{}), entered: make(chan struct{}, 8)}
	w := NewWriter(WriterParams{Store: f, Logger: quiet})
	defer w.Close()
	first := make(chan error, 1)
	go func() { first <- w.Commit(context.Background(), audit("first")) }()
	select { // "first" is in a transaction, blocked in the store
	case <-f.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("first commit never started")
	}
	ctx, cancel := context.WithCancel(context.Background())
	second := make(chan error, 1)
	go func() { second <- w.Commit(ctx, audit("withdrawn")) }()
	deadline := time.Now().Add(10 * time.Second)
	for { // "withdrawn" is queued behind it
		w.mu.Lock()
		n := len(w.queue)
		w.mu.Unlock()
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("second commit never queued")
		}
		time.Sleep(time.Millisecond) // polling interval
	}
	cancel()
	if err := <-second; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled commit: %v", err)
	}
	close(f.block)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	_ = w.Close()
	if got := f.actions(); len(got) != 1 || got[0] != "first" {
		t.Fatalf("stored %v: a withdrawn write was committed", got)
	}
}

func TestBatchAddAndLen(t *testing.T) {
	var b Batch
	if !b.Empty() {
		t.Fatal("zero batch not empty")
	}
	b.Add(Batch{Audit: make([]AuditEvent, 2), Messages: make([]MessageRecord, 1)})
	b.Add(Batch{HelpRequests: make([]HelpRequest, 1)})
	if b.Len() != 4 || b.Empty() {
		t.Fatalf("len %d", b.Len())
	}
}
