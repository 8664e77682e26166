// Package sqlite is the embedded store: one SQLite file in the data
// directory (pure Go, modernc.org/sqlite), in WAL mode. It needs no other
// service, which makes it the default for `make run`.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/earshot/earshot/store"
	"github.com/earshot/earshot/store/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// FileName is the store's file in the data directory.
const FileName = "earshot.db"

// Synchronous is SQLite's durability setting for commits.
type Synchronous int

// Synchronous settings.
const (
	SynchronousUnknown Synchronous = iota
	// SynchronousFull flushes the WAL to disk at every commit: a committed
	// audit row survives a power cut. The default.
	SynchronousFull
	// SynchronousNormal flushes at checkpoints only: a commit survives a
	// crash of the process (SIGKILL) but maybe not of the machine.
	SynchronousNormal
)

var synchronousNames = [...]string{SynchronousUnknown: "unknown", SynchronousFull: "full", SynchronousNormal: "normal"}

// String returns the setting's name.
func (s Synchronous) String() string {
	if s < 0 || int(s) >= len(synchronousNames) {
		return synchronousNames[SynchronousUnknown]
	}
	return synchronousNames[s]
}

// ParseSynchronous parses "full" or "normal".
func ParseSynchronous(raw string) (Synchronous, error) {
	switch raw {
	case "full", "":
		return SynchronousFull, nil
	case "normal":
		return SynchronousNormal, nil
	}
	return SynchronousUnknown, fmt.Errorf("sqlite synchronous %q: use full or normal", raw)
}

// Params opens a SQLite store.
type Params struct {
	// Path is the database file; its directory is created if missing.
	Path string
	// Synchronous defaults to SynchronousFull.
	Synchronous Synchronous
}

// Store is the SQLite store.
type Store struct {
	*sqlstore.DB
}

var _ store.Store = (*Store)(nil)

// Open opens (creating if needed) the database at p.Path and migrates it.
func Open(ctx context.Context, p Params) (*Store, error) {
	if p.Path == "" {
		return nil, fmt.Errorf("sqlite store: no path")
	}
	if err := os.MkdirAll(filepath.Dir(p.Path), 0o700); err != nil {
		return nil, fmt.Errorf("sqlite store: %w", err)
	}
	sync := "FULL"
	if p.Synchronous == SynchronousNormal {
		sync = "NORMAL"
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous("+sync+")")
	// Write transactions take the write lock at BEGIN, so two writers wait
	// for each other (busy_timeout) instead of deadlocking on an upgrade.
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", p.Path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite store %s: %w", p.Path, err)
	}
	// One writer at a time is SQLite's rule anyway; a few connections let
	// searches run beside the writer (WAL readers do not block it).
	db.SetMaxOpenConns(4)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("sqlite store %s: %w", p.Path, err)
	}
	if err := os.Chmod(p.Path, 0o600); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("sqlite store %s: %w", p.Path, err)
	}
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	s, err := sqlstore.Open(ctx, db, sqlstore.Dialect{Name: "sqlite", Migrations: sub})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p.Path, err)
	}
	return &Store{DB: s}, nil
}
