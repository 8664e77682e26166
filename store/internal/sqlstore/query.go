package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/store"
)

// SearchAudit returns one page of a tenant's audit events.
func (s *DB) SearchAudit(ctx context.Context, q store.AuditQuery) (store.AuditPage, error) {
	if err := q.Check(); err != nil {
		return store.AuditPage{}, err
	}
	query, args := auditSearch(q)
	rows, err := queryAll(ctx, s.db, query, args, scanAudit)
	if err != nil {
		return store.AuditPage{}, fmt.Errorf("search audit: %w", err)
	}
	return page(rows, q.PageSize()), nil
}

// AuditTenants lists the tenants that have a chain.
func (s *DB) AuditTenants(ctx context.Context) ([]auth.TenantID, error) {
	return queryAll(ctx, s.db, `SELECT tenant FROM audit_chain ORDER BY tenant`, nil, func(r scanner) (auth.TenantID, error) {
		var t string
		err := r.Scan(&t)
		return auth.TenantID(t), err
	})
}

// AuditChain returns a tenant's anchor and head.
func (s *DB) AuditChain(ctx context.Context, tenant auth.TenantID) (store.ChainState, error) {
	var st store.ChainState
	err := s.db.QueryRowContext(ctx, `SELECT anchor_seq, anchor_hash, head_seq, head_hash FROM audit_chain WHERE tenant = $1`, string(tenant)).
		Scan(&st.Anchor.Seq, &st.Anchor.Hash, &st.Head.Seq, &st.Head.Hash)
	if errors.Is(err, sql.ErrNoRows) {
		return store.ChainState{}, nil
	}
	if err != nil {
		return st, fmt.Errorf("audit chain of %s: %w", tenant, err)
	}
	return st, nil
}

// ScanAudit returns stored rows in seq order.
func (s *DB) ScanAudit(ctx context.Context, tenant auth.TenantID, after int64, limit int) ([]store.AuditEvent, error) {
	return queryAll(ctx, s.db, `SELECT `+auditColumns+` FROM audit_events WHERE tenant = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
		[]any{string(tenant), after, limit}, scanAudit)
}

// HelpRequests returns help requests, oldest first.
func (s *DB) HelpRequests(ctx context.Context, q store.HelpQuery) ([]store.HelpRequest, error) {
	if q.Tenant == "" {
		return nil, fmt.Errorf("help requests: tenant is required: %w", store.ErrBadQuery)
	}
	query, args := helpSearch(q)
	return queryAll(ctx, s.db, query, args, scanHelp)
}

// Conversations returns conversation records, oldest first.
func (s *DB) Conversations(ctx context.Context, q store.ConversationQuery) ([]store.ConversationRecord, error) {
	if q.Tenant == "" {
		return nil, fmt.Errorf("conversations: tenant is required: %w", store.ErrBadQuery)
	}
	query, args := conversationSearch(q)
	return queryAll(ctx, s.db, query, args, scanConversation)
}

// ConversationHistory returns one conversation with everything kept about it.
func (s *DB) ConversationHistory(ctx context.Context, tenant auth.TenantID, id string) (store.ConversationHistory, error) {
	var h store.ConversationHistory
	c, err := scanConversation(s.db.QueryRowContext(ctx, `SELECT `+conversationColumns+` FROM conversations WHERE id = $1 AND tenant = $2`, id, string(tenant)))
	if errors.Is(err, sql.ErrNoRows) {
		return h, fmt.Errorf("conversation %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return h, fmt.Errorf("conversation %s: %w", id, err)
	}
	h.Conversation = c
	args := []any{id, string(tenant)}
	if h.Participants, err = queryAll(ctx, s.db, `SELECT `+participantColumns+` FROM participants WHERE conversation_id = $1 AND tenant = $2 ORDER BY joined_ms, party_id`, args, scanParticipant); err != nil {
		return h, fmt.Errorf("participants of %s: %w", id, err)
	}
	if h.Transfers, err = queryAll(ctx, s.db, `SELECT `+transferColumns+` FROM transfers WHERE conversation_id = $1 AND tenant = $2 ORDER BY at_ms, id`, args, scanTransfer); err != nil {
		return h, fmt.Errorf("transfers of %s: %w", id, err)
	}
	if h.Messages, err = queryAll(ctx, s.db, `SELECT `+messageColumns+` FROM messages WHERE conversation_id = $1 AND tenant = $2 ORDER BY seq, id`, args, scanMessage); err != nil {
		return h, fmt.Errorf("messages of %s: %w", id, err)
	}
	return h, nil
}

// queryAll runs a query and scans every row (never returning a nil slice,
// so that JSON shows [] rather than null).
func queryAll[T any](ctx context.Context, db *sql.DB, query string, args []any, scan func(scanner) (T, error)) ([]T, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
