package store

import (
	"context"
	"log/slog"
	"time"
)

// RetentionParams configures the retention loop.
type RetentionParams struct {
	Store Store
	// MaxAge: rows older than this are deleted. Zero or less disables
	// retention (everything is kept).
	MaxAge time.Duration
	// Interval between runs (default 1 h); the first run is at start.
	Interval time.Duration
	Logger   *slog.Logger
	// Now is the clock (tests); default time.Now.
	Now func() time.Time
	// DeleteRecordings, if set, is given the recordings each run deleted,
	// to delete their files (the store knows no files).
	DeleteRecordings func([]RecordingRecord)
}

// RunRetention purges rows older than MaxAge now and then every Interval,
// until ctx ends. Each run that deletes anything is audited by the store.
func RunRetention(ctx context.Context, p RetentionParams) {
	if p.MaxAge <= 0 {
		return
	}
	if p.Interval <= 0 {
		p.Interval = time.Hour
	}
	if p.Logger == nil {
		p.Logger = slog.Default()
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	t := time.NewTicker(p.Interval)
	defer t.Stop()
	for {
		res, err := PurgeOnce(ctx, p.Store, p.MaxAge, p.Now(), p.Logger)
		if err != nil && ctx.Err() == nil {
			p.Logger.Error("retention run failed", "err", err)
		}
		if len(res.Recordings) > 0 && p.DeleteRecordings != nil {
			p.DeleteRecordings(res.Recordings)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// PurgeOnce deletes what is older than maxAge at now and logs what went.
func PurgeOnce(ctx context.Context, s Store, maxAge time.Duration, now time.Time, log *slog.Logger) (PurgeResult, error) {
	res, err := s.Purge(ctx, PurgeParams{Before: now.Add(-maxAge), MaxAge: maxAge, Now: now})
	if err != nil {
		return res, err
	}
	for tenant, c := range res.Tenants {
		if c.Total() > 0 {
			log.Info("retention deleted old rows", "tenant", tenant, "audit_events", c.AuditEvents,
				"conversations", c.Conversations, "messages", c.Messages, "help_requests", c.HelpRequests, "recordings", c.Recordings)
		}
	}
	return res, nil
}
