package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/store"
)

// maxParams bounds the placeholders of one statement (SQLite allows 32766,
// PostgreSQL 65535).
const maxParams = 30000

// Commit writes b in one transaction.
func (s *DB) Commit(ctx context.Context, b store.Batch) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := appendAudit(ctx, tx, b.Audit); err != nil {
		return err
	}
	if err := writeRecords(ctx, tx, b); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// appendAudit links evs into their tenants' chains and inserts them. The
// upsert that reads the tenants' heads also locks their rows (PostgreSQL;
// SQLite has locked the whole database already), in tenant order so that
// servers sharing a database cannot deadlock, and concurrent writers extend
// each chain one at a time. Whatever the batch, this is four statements:
// lock and read the heads, insert the events, move the heads.
func appendAudit(ctx context.Context, tx *sql.Tx, evs []store.AuditEvent) error {
	if len(evs) == 0 {
		return nil
	}
	heads := map[auth.TenantID]store.ChainLink{}
	for _, e := range evs {
		if e.Tenant == "" {
			return fmt.Errorf("audit event %q: tenant is required", e.Action)
		}
		heads[e.Tenant] = store.ChainLink{}
	}
	tenants := make([]auth.TenantID, 0, len(heads))
	for t := range heads {
		tenants = append(tenants, t)
	}
	slices.Sort(tenants)
	if err := lockHeads(ctx, tx, tenants, heads); err != nil {
		return err
	}
	rows := make([][]any, 0, len(evs))
	for i := range evs {
		e := &evs[i]
		next, err := store.Link(heads[e.Tenant], e)
		if err != nil {
			return fmt.Errorf("audit event %q: %w", e.Action, err)
		}
		heads[e.Tenant] = next
		rows = append(rows, []any{string(e.Tenant), e.Seq, e.ID, store.Millis(e.At), string(e.Actor), e.ActorName, e.Role,
			e.ConversationID, string(e.Agent), e.Action, string(e.Details), e.PrevHash, e.Hash})
	}
	if err := insert(ctx, tx, "audit_events", auditColumns, "", rows); err != nil {
		return err
	}
	return moveHeads(ctx, tx, tenants, heads)
}

// lockHeads reads (creating if needed) and locks the chain heads of tenants.
func lockHeads(ctx context.Context, tx *sql.Tx, tenants []auth.TenantID, heads map[auth.TenantID]store.ChainLink) error {
	var b strings.Builder
	args := make([]any, 0, len(tenants))
	b.WriteString("INSERT INTO audit_chain (tenant, head_seq, head_hash, anchor_seq, anchor_hash) VALUES ")
	for i, t := range tenants {
		if i > 0 {
			b.WriteString(", ")
		}
		args = append(args, string(t))
		fmt.Fprintf(&b, "($%d, 0, '', 0, '')", len(args))
	}
	b.WriteString(" ON CONFLICT (tenant) DO UPDATE SET tenant = excluded.tenant RETURNING tenant, head_seq, head_hash")
	rows, err := tx.QueryContext(ctx, b.String(), args...)
	if err != nil {
		return fmt.Errorf("lock chain heads: %w", err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var (
			t    string
			head store.ChainLink
		)
		if err := rows.Scan(&t, &head.Seq, &head.Hash); err != nil {
			return fmt.Errorf("lock chain heads: %w", err)
		}
		heads[auth.TenantID(t)] = head
		n++
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("lock chain heads: %w", err)
	}
	if n != len(tenants) {
		return fmt.Errorf("lock chain heads: got %d of %d", n, len(tenants))
	}
	return nil
}

// moveHeads records the new heads of tenants in one statement.
func moveHeads(ctx context.Context, tx *sql.Tx, tenants []auth.TenantID, heads map[auth.TenantID]store.ChainLink) error {
	var b strings.Builder
	args := make([]any, 0, 3*len(tenants))
	b.WriteString("UPDATE audit_chain SET head_seq = v.column2, head_hash = v.column3 FROM (VALUES ")
	for i, t := range tenants {
		if i > 0 {
			b.WriteString(", ")
		}
		h := heads[t]
		args = append(args, string(t), h.Seq, h.Hash)
		fmt.Fprintf(&b, "(CAST($%d AS TEXT), CAST($%d AS BIGINT), CAST($%d AS TEXT))", len(args)-2, len(args)-1, len(args))
	}
	b.WriteString(") AS v WHERE audit_chain.tenant = v.column1")
	if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
		return fmt.Errorf("move chain heads: %w", err)
	}
	return nil
}

func writeRecords(ctx context.Context, tx *sql.Tx, b store.Batch) error {
	var conv, part, xfer, msg, help, recs [][]any
	for _, r := range lastByKey(b.Recordings, func(r store.RecordingRecord) string { return r.ID }) {
		row, err := recordingRow(r)
		if err != nil {
			return err
		}
		recs = append(recs, row)
	}
	for _, c := range lastByKey(b.Conversations, func(c store.ConversationRecord) string { return c.ID }) {
		conv = append(conv, []any{c.ID, string(c.Tenant), c.Channel, c.Queue, string(c.Team), c.Outbound, c.Transferred,
			store.Millis(c.CreatedAt), store.Millis(c.AnsweredAt), store.Millis(c.EndedAt), c.EndReason})
	}
	for _, p := range lastByKey(b.Participants, func(p store.ParticipantRecord) string { return p.PartyID }) {
		part = append(part, []any{p.PartyID, p.ConversationID, string(p.Tenant), string(p.User), p.Name, p.Role,
			store.Millis(p.JoinedAt), store.Millis(p.LeftAt), p.LeftReason})
	}
	for _, t := range lastByKey(b.Transfers, func(t store.TransferRecord) string { return t.ID }) {
		xfer = append(xfer, []any{t.ID, t.ConversationID, string(t.Tenant), string(t.From), string(t.To), string(t.By), t.ByRole, store.Millis(t.At)})
	}
	for _, m := range lastByKey(b.Messages, func(m store.MessageRecord) string { return m.ID }) {
		msg = append(msg, []any{m.ID, m.ConversationID, string(m.Tenant), m.Seq, m.Kind, m.Whisper, string(m.From), m.FromName, m.FromRole, m.Text, store.Millis(m.At)})
	}
	for _, h := range lastByKey(b.HelpRequests, func(h store.HelpRequest) string { return h.ID }) {
		help = append(help, []any{h.ID, string(h.Tenant), h.ConversationID, string(h.Agent), h.AgentName, h.Reason, h.Comment, h.Status,
			string(h.ProvidedBy), h.ProvidedByName, store.Millis(h.RaisedAt), store.Millis(h.AcceptedAt), store.Millis(h.ClosedAt),
			store.Millis(h.CancelledAt), h.EndReason})
	}
	var mutes [][]any
	for _, m := range lastByKey(b.HelpMutes, func(m store.HelpMute) string { return string(m.Tenant) + "\x00" + string(m.User) }) {
		mutes = append(mutes, []any{string(m.Tenant), string(m.User), m.Muted, store.Millis(m.At)})
	}
	if err := insert(ctx, tx, "help_mutes", helpMuteColumns, helpMuteUpsert, mutes); err != nil {
		return err
	}
	for _, w := range []struct {
		table, cols, key string
		update           bool
		rows             [][]any
	}{
		{"conversations", conversationColumns, "id", true, conv},
		{"participants", participantColumns, "party_id", true, part},
		{"transfers", transferColumns, "id", false, xfer},
		{"messages", messageColumns, "id", false, msg},
		{"help_requests", helpColumns, "id", true, help},
		{"recordings", recordingColumns, "id", true, recs},
	} {
		if len(w.rows) == 0 {
			continue
		}
		if err := insert(ctx, tx, w.table, w.cols, conflictClause(w.cols, w.key, w.update), w.rows); err != nil {
			return err
		}
	}
	return nil
}

// lastByKey keeps, for each key, the last record (a merged batch may carry
// several versions of one record; the latest wins), in first-seen order.
func lastByKey[T any](recs []T, key func(T) string) []T {
	if len(recs) < 2 {
		return recs
	}
	idx := make(map[string]int, len(recs))
	out := make([]T, 0, len(recs))
	for _, r := range recs {
		k := key(r)
		if i, ok := idx[k]; ok {
			out[i] = r
			continue
		}
		idx[k] = len(out)
		out = append(out, r)
	}
	return out
}

// conflictClause upserts (update) or ignores duplicates of key.
func conflictClause(cols, key string, update bool) string {
	if !update {
		return " ON CONFLICT (" + key + ") DO NOTHING"
	}
	var sets []string
	for _, c := range strings.Split(cols, ", ") {
		if c != key {
			sets = append(sets, c+" = excluded."+c)
		}
	}
	return " ON CONFLICT (" + key + ") DO UPDATE SET " + strings.Join(sets, ", ")
}

// insert writes rows with multi-row INSERTs of at most maxParams values.
func insert(ctx context.Context, tx *sql.Tx, table, cols, suffix string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	per := maxParams / len(rows[0])
	for start := 0; start < len(rows); start += per {
		chunk := rows[start:min(start+per, len(rows))]
		var b strings.Builder
		args := make([]any, 0, len(chunk)*len(chunk[0]))
		b.WriteString("INSERT INTO " + table + " (" + cols + ") VALUES ")
		for i, r := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('(')
			for j, v := range r {
				if j > 0 {
					b.WriteString(", ")
				}
				args = append(args, v)
				fmt.Fprintf(&b, "$%d", len(args))
			}
			b.WriteByte(')')
		}
		b.WriteString(suffix)
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("insert %d rows into %s: %w", len(chunk), table, err)
		}
	}
	return nil
}
