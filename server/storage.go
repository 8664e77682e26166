package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/earshot/earshot/store"
	"github.com/earshot/earshot/store/postgres"
	"github.com/earshot/earshot/store/sqlite"
)

// StoreConfig selects and tunes the durable store: audit trail, help
// requests, conversation history and chat transcripts.
type StoreConfig struct {
	// Driver is "sqlite" (a file in the data directory; the embedded
	// default) or "postgres".
	Driver string `yaml:"driver"`
	// DSN is the PostgreSQL connection string (driver postgres).
	DSN string `yaml:"dsn"`
	// Schema is the PostgreSQL schema (empty: the DSN's search_path).
	Schema string `yaml:"schema"`
	// Path is the SQLite file (empty: <data_dir>/earshot.db).
	Path string `yaml:"path"`
	// SQLiteSynchronous is "full" (a commit survives a power cut; the
	// default) or "normal" (a commit survives a crash of the process).
	SQLiteSynchronous string `yaml:"sqlite_synchronous"`
	// Retention deletes history and audit rows older than this (0 keeps
	// everything); each deletion is itself audited.
	Retention time.Duration `yaml:"retention"`
	// RetentionInterval is how often retention runs.
	RetentionInterval time.Duration `yaml:"retention_interval"`

	// override, when set (tests only), is used instead of opening a store;
	// the caller keeps ownership.
	override store.Store
}

func defaultStoreConfig() StoreConfig {
	return StoreConfig{Driver: "sqlite", SQLiteSynchronous: "full", RetentionInterval: time.Hour}
}

func (c StoreConfig) validate() error {
	switch c.Driver {
	case "sqlite":
		if _, err := sqlite.ParseSynchronous(c.SQLiteSynchronous); err != nil {
			return fmt.Errorf("store: %w", err)
		}
	case "postgres":
		if c.DSN == "" {
			return fmt.Errorf("store driver postgres needs a DSN (store.dsn or EARSHOT_STORE_DSN)")
		}
	default:
		return fmt.Errorf("store driver %q: use sqlite or postgres: %w", c.Driver, store.ErrUnknownDriver)
	}
	if c.Retention < 0 || c.RetentionInterval < 0 {
		return fmt.Errorf("store: retention and retention_interval cannot be negative")
	}
	if c.Retention > 0 && c.Retention < time.Hour {
		return fmt.Errorf("store: a retention under an hour would delete live history; use 0 to keep everything")
	}
	return nil
}

// openStore opens the configured store and applies its migrations.
func openStore(ctx context.Context, cfg Config) (store.Store, error) {
	sc := cfg.Store
	if sc.override != nil {
		return sc.override, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	switch sc.Driver {
	case "postgres":
		return postgres.Open(ctx, postgres.Params{DSN: sc.DSN, Schema: sc.Schema})
	case "sqlite":
		sync, err := sqlite.ParseSynchronous(sc.SQLiteSynchronous)
		if err != nil {
			return nil, err
		}
		path := sc.Path
		if path == "" {
			path = filepath.Join(cfg.DataDir, sqlite.FileName)
		}
		return sqlite.Open(ctx, sqlite.Params{Path: path, Synchronous: sync})
	}
	return nil, fmt.Errorf("store driver %q: %w", sc.Driver, store.ErrUnknownDriver)
}

// storage is the server's durable store, the group-commit writer the domain
// writes through, and the retention loop.
type storage struct {
	store  store.Store
	owned  bool // closed with the server
	writer *store.Writer
	log    *slog.Logger

	commitSeconds  prometheus.Histogram
	commitFailures prometheus.Counter
	backlog        prometheus.Gauge

	stopRetention context.CancelFunc
	retentionDone sync.WaitGroup
}

func newStorage(ctx context.Context, cfg Config, log *slog.Logger) (*storage, error) {
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	s := &storage{
		store: st, owned: cfg.Store.override == nil, log: log,
		commitSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "earshot_store_commit_seconds",
			Help:    "Duration of one group commit of audit events and history (what an audited action waits for, plus queueing).",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
		}),
		commitFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "earshot_store_commit_failures_total",
			Help: "Group commits that failed (audited actions in them were refused).",
		}),
		backlog: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "earshot_store_backlog",
			Help: "Writes waiting for the store after the last commit.",
		}),
	}
	s.writer = store.NewWriter(store.WriterParams{Store: st, Logger: log, Observe: s.observe})
	rctx, cancel := context.WithCancel(context.Background())
	s.stopRetention = cancel
	s.retentionDone.Add(1)
	go func() {
		defer s.retentionDone.Done()
		store.RunRetention(rctx, store.RetentionParams{Store: st, MaxAge: cfg.Store.Retention, Interval: cfg.Store.RetentionInterval, Logger: log,
			DeleteRecordings: deleteRecordingFiles(cfg.recordingRoot(), log)})
	}()
	return s, nil
}

func (s *storage) observe(c store.CommitStats) {
	s.commitSeconds.Observe(c.Duration.Seconds())
	if c.Err != nil {
		s.commitFailures.Inc()
	}
	s.backlog.Set(float64(c.Backlog))
}

func (s *storage) collectors() []prometheus.Collector {
	return []prometheus.Collector{s.commitSeconds, s.commitFailures, s.backlog}
}

// close stops retention, commits what the domain queued (call it after the
// domain closed) and closes the store.
func (s *storage) close() {
	s.stopRetention()
	s.retentionDone.Wait()
	if err := s.writer.Close(); err != nil {
		s.log.Warn("store writer close", "err", err)
	}
	if s.owned {
		if err := s.store.Close(); err != nil && !errors.Is(err, store.ErrClosed) {
			s.log.Warn("store close", "err", err)
		}
	}
}
