// Package sqlstore is the store.Store both SQL implementations share. The
// SQL is written once, in the dialect PostgreSQL and SQLite (3.35 or later)
// have in common: numbered placeholders, INSERT ... ON CONFLICT,
// RETURNING, multi-row VALUES. What differs — opening the database, the
// migrations (types, the append-only triggers) — lives in store/sqlite and
// store/postgres.
package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/earshot/earshot/store"
)

// Dialect is what an implementation tells the shared code.
type Dialect struct {
	// Name is "sqlite" or "postgres", for messages.
	Name string
	// Migrations holds NNN_name.sql files, applied in order, each once.
	Migrations fs.FS
	// MigrationLock, if set, is run first in every migration transaction so
	// that servers starting together do not migrate twice.
	MigrationLock string
}

// DB is a store.Store over database/sql.
type DB struct {
	db *sql.DB
	d  Dialect
}

var _ store.Store = (*DB)(nil)

// Open wraps db and applies the pending migrations. On error db is closed.
func Open(ctx context.Context, db *sql.DB, d Dialect) (*DB, error) {
	s := &DB{db: db, d: d}
	if err := s.migrate(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("%s store: migrate: %w", d.Name, err)
	}
	return s, nil
}

// SQL returns the underlying database (tests use it to tamper with rows).
func (s *DB) SQL() *sql.DB { return s.db }

// Close closes the database.
func (s *DB) Close() error { return s.db.Close() }

type migration struct {
	version int
	name    string
}

func (s *DB) migrations() ([]migration, error) {
	entries, err := fs.ReadDir(s.d.Migrations, ".")
	if err != nil {
		return nil, err
	}
	var out []migration
	seen := map[int]string{}
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".sql" {
			continue
		}
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %q: name must be NNN_name.sql", e.Name())
		}
		// Two files of one version would apply only the first (the version
		// is recorded once): branches that both add "002" must renumber.
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %q and %q have the same version %d", prev, e.Name(), v)
		}
		seen[v] = e.Name()
		out = append(out, migration{version: v, name: e.Name()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// migrate applies, in one transaction each, the migrations not yet recorded
// in schema_migrations.
func (s *DB) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_ms BIGINT NOT NULL)`); err != nil {
		return err
	}
	ms, err := s.migrations()
	if err != nil {
		return err
	}
	for _, m := range ms {
		if err := s.apply(ctx, m); err != nil {
			return fmt.Errorf("%s: %w", m.name, err)
		}
	}
	return nil
}

func (s *DB) apply(ctx context.Context, m migration) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if s.d.MigrationLock != "" {
		if _, err := tx.ExecContext(ctx, s.d.MigrationLock); err != nil {
			return err
		}
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = $1`, m.version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	body, err := fs.ReadFile(s.d.Migrations, m.name)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_ms) VALUES ($1, $2, $3)`,
		m.version, m.name, time.Now().UnixMilli()); err != nil {
		return err
	}
	return tx.Commit()
}
