package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/earshot/earshot/store"
	"github.com/earshot/earshot/store/storetest"
)

func open(t testing.TB, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), Params{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func harness(t *testing.T) storetest.Harness {
	path := filepath.Join(t.TempDir(), FileName)
	s := open(t, path)
	cur := s
	t.Cleanup(func() { _ = cur.Close() })
	return storetest.Harness{
		Store: s,
		SQL:   s.SQL(),
		DisableGuards: `DROP TRIGGER audit_events_no_update;
			DROP TRIGGER audit_events_no_delete;`,
		Reopen: func(t *testing.T) store.Store {
			if err := cur.Close(); err != nil {
				t.Fatal(err)
			}
			cur = open(t, path)
			return cur
		},
	}
}

func TestContract(t *testing.T) { storetest.Run(t, harness) }

func TestFileModeAndWAL(t *testing.T) {
	h := harness(t)
	var mode string
	if err := h.SQL.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode %q (%v), want wal", mode, err)
	}
}

func TestParseSynchronous(t *testing.T) {
	for raw, want := range map[string]Synchronous{"": SynchronousFull, "full": SynchronousFull, "normal": SynchronousNormal} {
		if got, err := ParseSynchronous(raw); err != nil || got != want {
			t.Fatalf("%q: %v %v", raw, got, err)
		}
	}
	if _, err := ParseSynchronous("off"); err == nil {
		t.Fatal("off accepted: a commit must survive at least a process crash")
	}
}

// go test -run '^$' -bench AuditLatency ./store/sqlite/
func BenchmarkAuditLatency(b *testing.B) {
	for _, callers := range []int{1, 16} {
		b.Run(map[int]string{1: "callers=1", 16: "callers=16"}[callers], func(b *testing.B) {
			s := open(b, filepath.Join(b.TempDir(), FileName))
			defer s.Close()
			storetest.BenchAuditLatency(b, storetest.Harness{Store: s}, callers)
		})
	}
}
