// Package postgres is the production store: PostgreSQL through pgx. Several
// Earshot servers may share one database; each tenant's audit chain is
// extended under a row lock on its head.
package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"regexp"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/earshot/earshot/store"
	"github.com/earshot/earshot/store/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrationLockKey serializes migrations of servers starting together
// (pg_advisory_xact_lock is released when the transaction ends).
const migrationLockKey = 0x6561727368 // "earsh"

// Params opens a PostgreSQL store.
type Params struct {
	// DSN is a libpq connection string or URL, e.g.
	// postgres://earshot@db:5432/earshot?sslmode=verify-full.
	DSN string
	// Schema, if set, is created if missing and used for every table (tests
	// use a fresh schema each); empty uses the DSN's search_path.
	Schema string
	// MaxConns bounds the pool (default 8).
	MaxConns int
}

// Store is the PostgreSQL store.
type Store struct {
	*sqlstore.DB
}

var _ store.Store = (*Store)(nil)

var schemaName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// Open connects, creates the schema if asked, and migrates.
func Open(ctx context.Context, p Params) (*Store, error) {
	cfg, err := pgx.ParseConfig(p.DSN)
	if err != nil {
		// pgx errors can echo the DSN, password included: say less.
		return nil, fmt.Errorf("postgres store: the DSN cannot be parsed")
	}
	if p.Schema != "" {
		if !schemaName.MatchString(p.Schema) {
			return nil, fmt.Errorf("postgres store: bad schema name %q", p.Schema)
		}
		if err := createSchema(ctx, cfg, p.Schema); err != nil {
			return nil, err
		}
		cfg.RuntimeParams["search_path"] = p.Schema
	}
	db := stdlib.OpenDB(*cfg)
	if p.MaxConns <= 0 {
		p.MaxConns = 8
	}
	db.SetMaxOpenConns(p.MaxConns)
	db.SetMaxIdleConns(p.MaxConns)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("postgres store: connect %s:%d/%s: %w", cfg.Host, cfg.Port, cfg.Database, err)
	}
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	s, err := sqlstore.Open(ctx, db, sqlstore.Dialect{
		Name: "postgres", Migrations: sub,
		MigrationLock: fmt.Sprintf("SELECT pg_advisory_xact_lock(%d)", migrationLockKey),
	})
	if err != nil {
		return nil, err
	}
	return &Store{DB: s}, nil
}

func createSchema(ctx context.Context, cfg *pgx.ConnConfig, schema string) error {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("postgres store: connect %s:%d/%s: %w", cfg.Host, cfg.Port, cfg.Database, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+pgx.Identifier{schema}.Sanitize()); err != nil {
		return fmt.Errorf("postgres store: create schema %s: %w", schema, err)
	}
	return nil
}

// DropSchema drops a schema and everything in it (tests clean up with it).
func DropSchema(ctx context.Context, dsn, schema string) error {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return fmt.Errorf("postgres: the DSN cannot be parsed")
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
	return err
}
