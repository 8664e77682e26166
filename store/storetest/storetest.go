// Package storetest is the contract every store.Store implementation must
// pass: one suite, run by store/sqlite and store/postgres against a real
// database each.
package storetest

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/earshot/earshot/store"
)

// Harness is one fresh, empty store and the means to abuse it.
type Harness struct {
	Store store.Store
	// SQL is the store's database, for tests that tamper with rows as an
	// attacker with database access would.
	SQL *sql.DB
	// DisableGuards is the SQL that switches off the append-only triggers
	// (the first thing such an attacker does).
	DisableGuards string
	// Reopen closes Store and opens the same database again.
	Reopen func(t *testing.T) store.Store
}

// Factory makes a fresh harness for one test; it registers its own cleanup.
type Factory func(t *testing.T) Harness

// Run runs the whole contract.
func Run(t *testing.T, newHarness Factory) {
	t.Run("chain", func(t *testing.T) { testChain(t, newHarness) })
	t.Run("append_only", func(t *testing.T) { testAppendOnly(t, newHarness) })
	t.Run("verify_detects_tampering", func(t *testing.T) { testVerifyTampering(t, newHarness) })
	t.Run("atomic_commit", func(t *testing.T) { testAtomicCommit(t, newHarness) })
	t.Run("search", func(t *testing.T) { testSearch(t, newHarness) })
	t.Run("pagination", func(t *testing.T) { testPagination(t, newHarness) })
	t.Run("history", func(t *testing.T) { testHistory(t, newHarness) })
	t.Run("help_requests", func(t *testing.T) { testHelpRequests(t, newHarness) })
	t.Run("help_mutes", func(t *testing.T) { testHelpMutes(t, newHarness) })
	t.Run("retention", func(t *testing.T) { testRetention(t, newHarness) })
	t.Run("recordings", func(t *testing.T) { testRecordings(t, newHarness) })
	t.Run("group_commit", func(t *testing.T) { testGroupCommit(t, newHarness) })
	t.Run("durable_across_reopen", func(t *testing.T) { testReopen(t, newHarness) })
}

func ctxT(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// base is a fixed, millisecond-exact point in time the tests count from.
var base = time.Date(2026, 3, 12, 9, 0, 0, 0, time.UTC)

// ev makes an audit event; At is set explicitly (as a Writer would).
func ev(tenant, actor, action string, at time.Time) store.AuditEvent {
	return store.AuditEvent{
		Tenant: authTenant(tenant), Actor: authUser(actor), ActorName: actor, Role: "supervisor",
		ConversationID: "conv-1", Agent: "alex", Action: action, At: at, ID: action + "@" + at.Format(time.RFC3339Nano),
		Details: `{"reason":"quality"}`,
	}
}

func commit(t *testing.T, s store.Store, b store.Batch) {
	t.Helper()
	if err := s.Commit(ctxT(t), b); err != nil {
		t.Fatal(err)
	}
}

func mustVerify(t *testing.T, s store.Store) []store.ChainReport {
	t.Helper()
	reps, err := store.Verify(ctxT(t), s)
	if err != nil {
		t.Fatal(err)
	}
	return reps
}

func allEvents(t *testing.T, s store.Store, tenant string) []store.AuditEvent {
	t.Helper()
	evs, err := s.ScanAudit(ctxT(t), authTenant(tenant), 0, 1_000_000)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}
