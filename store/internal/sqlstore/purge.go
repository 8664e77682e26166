package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/store"
)

// endedSQL is when a conversation stopped mattering: its end, or its start
// if it never ended (a server that died mid-call).
const endedSQL = `CASE WHEN ended_ms > 0 THEN ended_ms ELSE created_ms END`

// helpEndedSQL is the same for help requests.
const helpEndedSQL = `CASE WHEN closed_ms > 0 THEN closed_ms WHEN cancelled_ms > 0 THEN cancelled_ms ELSE raised_ms END`

// Purge deletes, in one transaction, audit events older than p.Before (a
// prefix of each chain: the chain's anchor moves to the last deleted row, so
// the rest still verifies), conversations that ended before it with their
// participants, transfers and messages, and help requests finished before
// it; then it appends one retention.purge event per tenant that lost rows.
func (s *DB) Purge(ctx context.Context, p store.PurgeParams) (store.PurgeResult, error) {
	res := store.PurgeResult{Tenants: map[auth.TenantID]store.PurgeCounts{}}
	if p.Before.IsZero() {
		return res, fmt.Errorf("purge: no cutoff: %w", store.ErrBadQuery)
	}
	if p.Now.IsZero() {
		p.Now = time.Now()
	}
	before := store.Millis(p.Before)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return res, fmt.Errorf("purge: begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }()

	if err := purgeAudit(ctx, tx, before, res.Tenants); err != nil {
		return res, err
	}
	for _, d := range []struct {
		query string
		count func(*store.PurgeCounts) *int64
	}{
		{`DELETE FROM participants WHERE conversation_id IN (SELECT id FROM conversations WHERE ` + endedSQL + ` < $1) RETURNING tenant`,
			func(c *store.PurgeCounts) *int64 { return &c.Participants }},
		{`DELETE FROM transfers WHERE conversation_id IN (SELECT id FROM conversations WHERE ` + endedSQL + ` < $1) RETURNING tenant`,
			func(c *store.PurgeCounts) *int64 { return &c.Transfers }},
		{`DELETE FROM messages WHERE conversation_id IN (SELECT id FROM conversations WHERE ` + endedSQL + ` < $1) RETURNING tenant`,
			func(c *store.PurgeCounts) *int64 { return &c.Messages }},
		{`DELETE FROM conversations WHERE ` + endedSQL + ` < $1 RETURNING tenant`,
			func(c *store.PurgeCounts) *int64 { return &c.Conversations }},
		{`DELETE FROM help_requests WHERE ` + helpEndedSQL + ` < $1 RETURNING tenant`,
			func(c *store.PurgeCounts) *int64 { return &c.HelpRequests }},
	} {
		if err := countDeleted(ctx, tx, d.query, before, res.Tenants, d.count); err != nil {
			return res, err
		}
	}

	if res.Recordings, err = purgeRecordings(ctx, tx, before, res.Tenants); err != nil {
		return res, err
	}

	var evs []store.AuditEvent
	for t, c := range res.Tenants {
		if c.Total() == 0 {
			continue
		}
		details, err := json.Marshal(struct {
			Before  time.Time `json:"before"`
			MaxAge  string    `json:"max_age,omitempty"`
			Deleted any       `json:"deleted"`
		}{p.Before.UTC().Truncate(time.Millisecond), maxAge(p.MaxAge), c})
		if err != nil {
			return res, err
		}
		evs = append(evs, store.AuditEvent{
			Tenant: t, ID: newID(), At: p.Now.UTC(), Actor: store.SystemActor, ActorName: "retention",
			Role: store.SystemRole, Action: store.ActionRetentionPurge, Details: store.RawJSON(details),
		})
	}
	sortEvents(evs)
	if err := appendAudit(ctx, tx, evs); err != nil {
		return res, err
	}
	if err := tx.Commit(); err != nil {
		return res, fmt.Errorf("purge: commit: %w", err)
	}
	return res, nil
}

// purgeAudit deletes each chain's prefix older than before, anchoring the
// chain at the last deleted row first (the append-only triggers refuse to
// delete rows above the anchor).
func purgeAudit(ctx context.Context, tx *sql.Tx, before int64, counts map[auth.TenantID]store.PurgeCounts) error {
	tenants, err := queryTx(ctx, tx, `SELECT tenant FROM audit_chain ORDER BY tenant`, nil, func(r scanner) (string, error) {
		var t string
		return t, r.Scan(&t)
	})
	if err != nil {
		return fmt.Errorf("purge: tenants: %w", err)
	}
	for _, t := range tenants {
		var anchor store.ChainLink
		err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_events WHERE tenant = $1 AND at_ms < $2 ORDER BY seq DESC LIMIT 1`, t, before).
			Scan(&anchor.Seq, &anchor.Hash)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return fmt.Errorf("purge: last old row of %s: %w", t, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE audit_chain SET anchor_seq = $1, anchor_hash = $2 WHERE tenant = $3 AND anchor_seq < $1`,
			anchor.Seq, anchor.Hash, t); err != nil {
			return fmt.Errorf("purge: anchor %s: %w", t, err)
		}
		r, err := tx.ExecContext(ctx, `DELETE FROM audit_events WHERE tenant = $1 AND seq <= $2`, t, anchor.Seq)
		if err != nil {
			return fmt.Errorf("purge: audit of %s: %w", t, err)
		}
		n, err := r.RowsAffected()
		if err != nil {
			return err
		}
		c := counts[auth.TenantID(t)]
		c.AuditEvents, c.AnchorSeq = n, anchor.Seq
		counts[auth.TenantID(t)] = c
	}
	return nil
}

func countDeleted(ctx context.Context, tx *sql.Tx, query string, before int64, counts map[auth.TenantID]store.PurgeCounts, field func(*store.PurgeCounts) *int64) error {
	tenants, err := queryTx(ctx, tx, query, []any{before}, func(r scanner) (string, error) {
		var t string
		return t, r.Scan(&t)
	})
	if err != nil {
		return fmt.Errorf("purge: %w", err)
	}
	for _, t := range tenants {
		c := counts[auth.TenantID(t)]
		*field(&c)++
		counts[auth.TenantID(t)] = c
	}
	return nil
}

func queryTx[T any](ctx context.Context, tx *sql.Tx, query string, args []any, scan func(scanner) (T, error)) ([]T, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func maxAge(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	return d.String()
}
