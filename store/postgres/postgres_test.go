package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/earshot/earshot/store"
	"github.com/earshot/earshot/store/storetest"
)

// defaultDSN is the PostgreSQL of the project's machines (trust auth).
const defaultDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

func testDSN() string {
	if dsn := os.Getenv("EARSHOT_TEST_POSTGRES_DSN"); dsn != "" {
		return dsn
	}
	return defaultDSN
}

// redacted shows where a DSN points without its password.
func redacted(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.Host == "" {
		return "(unparseable DSN)"
	}
	return u.Host + u.Path
}

// requireServer skips the test, with the reason, when no PostgreSQL server
// is reachable — unless EARSHOT_REQUIRE_POSTGRES=1 (CI), where it fails.
func requireServer(t testing.TB) {
	t.Helper()
	dsn := testDSN()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err == nil {
		err = conn.Ping(ctx)
		_ = conn.Close(ctx)
	}
	if err == nil {
		return
	}
	msg := "PostgreSQL not reachable at " + redacted(dsn) + " (set EARSHOT_TEST_POSTGRES_DSN): " + err.Error()
	if os.Getenv("EARSHOT_REQUIRE_POSTGRES") == "1" {
		t.Fatalf("%s; EARSHOT_REQUIRE_POSTGRES=1 requires it", msg)
	}
	t.Skipf("SKIP: %s; set EARSHOT_REQUIRE_POSTGRES=1 to make this a failure", msg)
}

// open opens a store in a fresh schema that is dropped after the test.
func open(t testing.TB) (*Store, func(testing.TB) *Store) {
	t.Helper()
	dsn := testDSN()
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "earshot_test_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	s, err := Open(ctx, Params{DSN: dsn, Schema: schema, MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := DropSchema(ctx, dsn, schema); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	reopen := func(t testing.TB) *Store {
		s, err := Open(context.Background(), Params{DSN: dsn, Schema: schema, MaxConns: 4})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	return s, reopen
}

func harness(t *testing.T) storetest.Harness {
	s, reopen := open(t)
	cur := s
	t.Cleanup(func() { _ = cur.Close() }) // runs before the schema is dropped
	return storetest.Harness{
		Store:         s,
		SQL:           s.SQL(),
		DisableGuards: `ALTER TABLE audit_events DISABLE TRIGGER USER`,
		Reopen: func(t *testing.T) store.Store {
			if err := cur.Close(); err != nil {
				t.Fatal(err)
			}
			cur = reopen(t)
			return cur
		},
	}
}

func TestContract(t *testing.T) {
	requireServer(t)
	storetest.Run(t, harness)
}

// go test -run '^$' -bench AuditLatency ./store/postgres/
func BenchmarkAuditLatency(b *testing.B) {
	requireServer(b)
	for _, callers := range []int{1, 16} {
		b.Run(map[int]string{1: "callers=1", 16: "callers=16"}[callers], func(b *testing.B) {
			s, _ := open(b)
			defer s.Close()
			storetest.BenchAuditLatency(b, storetest.Harness{Store: s}, callers)
		})
	}
}
