package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/store"
)

// recordingColumns are the recordings columns in scan order.
const recordingColumns = "id, tenant, conversation_id, started_by, started_ms, ended_ms, dir, files"

// recordingRow is r as a row of recordingColumns.
func recordingRow(r store.RecordingRecord) ([]any, error) {
	files := r.Files
	if files == nil {
		files = []store.RecordingFile{}
	}
	raw, err := json.Marshal(files)
	if err != nil {
		return nil, fmt.Errorf("recording %s files: %w", r.ID, err)
	}
	return []any{r.ID, string(r.Tenant), r.ConversationID, string(r.StartedBy), store.Millis(r.StartedAt), store.Millis(r.EndedAt), r.Dir, string(raw)}, nil
}

// scanRecording reads one recordings row in recordingColumns order.
func scanRecording(r scanner) (store.RecordingRecord, error) {
	var (
		rec           store.RecordingRecord
		tenant, by    string
		started, ende int64
		files         string
	)
	if err := r.Scan(&rec.ID, &tenant, &rec.ConversationID, &by, &started, &ende, &rec.Dir, &files); err != nil {
		return rec, err
	}
	rec.Tenant, rec.StartedBy = auth.TenantID(tenant), auth.UserID(by)
	rec.StartedAt, rec.EndedAt = store.FromMillis(started), store.FromMillis(ende)
	if err := json.Unmarshal([]byte(files), &rec.Files); err != nil {
		return rec, fmt.Errorf("recording %s files: %w", rec.ID, err)
	}
	return rec, nil
}

// Recordings returns a tenant's recordings by start time, oldest first.
func (s *DB) Recordings(ctx context.Context, q store.RecordingQuery) ([]store.RecordingRecord, error) {
	if q.Tenant == "" {
		return nil, fmt.Errorf("recordings: tenant is required: %w", store.ErrBadQuery)
	}
	var b strings.Builder
	args := []any{string(q.Tenant)}
	b.WriteString(`SELECT ` + recordingColumns + ` FROM recordings WHERE tenant = $1`)
	if q.ConversationID != "" {
		args = append(args, q.ConversationID)
		fmt.Fprintf(&b, " AND conversation_id = $%d", len(args))
	}
	if !q.From.IsZero() {
		args = append(args, store.Millis(q.From))
		fmt.Fprintf(&b, " AND started_ms >= $%d", len(args))
	}
	if !q.To.IsZero() {
		args = append(args, store.Millis(q.To))
		fmt.Fprintf(&b, " AND started_ms < $%d", len(args))
	}
	limit := q.Limit
	if limit <= 0 || limit > 10000 {
		limit = 10000
	}
	args = append(args, limit)
	fmt.Fprintf(&b, " ORDER BY started_ms, id LIMIT $%d", len(args))
	out, err := queryAll(ctx, s.db, b.String(), args, scanRecording)
	if err != nil {
		return nil, fmt.Errorf("recordings: %w", err)
	}
	return out, nil
}

// Recording returns one of a tenant's recordings.
func (s *DB) Recording(ctx context.Context, tenant auth.TenantID, id string) (store.RecordingRecord, error) {
	r, err := scanRecording(s.db.QueryRowContext(ctx, `SELECT `+recordingColumns+` FROM recordings WHERE id = $1 AND tenant = $2`, id, string(tenant)))
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("recording %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("recording %s: %w", id, err)
	}
	return r, nil
}

// purgeRecordings deletes the recordings that ended before before (or, if
// they never ended — a server that died while recording — started before
// it) and returns them, so their files can go too.
func purgeRecordings(ctx context.Context, tx *sql.Tx, before int64, counts map[auth.TenantID]store.PurgeCounts) ([]store.RecordingRecord, error) {
	gone, err := queryTx(ctx, tx, `DELETE FROM recordings WHERE CASE WHEN ended_ms > 0 THEN ended_ms ELSE started_ms END < $1 RETURNING `+recordingColumns,
		[]any{before}, scanRecording)
	if err != nil {
		return nil, fmt.Errorf("purge: recordings: %w", err)
	}
	for _, r := range gone {
		c := counts[r.Tenant]
		c.Recordings++
		counts[r.Tenant] = c
	}
	return gone, nil
}
