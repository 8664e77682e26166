package sqlstore

import (
	"strconv"
	"strings"

	"github.com/earshot/earshot/store"
)

// where accumulates conditions joined by AND, with numbered placeholders
// ($1, $2, ...), which both PostgreSQL and SQLite understand.
type where struct {
	conds []string
	args  []any
}

// arg adds a value and returns its placeholder.
func (w *where) arg(v any) string {
	w.args = append(w.args, v)
	return "$" + strconv.Itoa(len(w.args))
}

// add adds a condition; each "?" in cond takes the next of args.
func (w *where) add(cond string, args ...any) {
	var b strings.Builder
	for _, r := range cond {
		if r == '?' && len(args) > 0 {
			b.WriteString(w.arg(args[0]))
			args = args[1:]
			continue
		}
		b.WriteRune(r)
	}
	w.conds = append(w.conds, b.String())
}

// String is " WHERE a AND b" or "".
func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// auditColumns are the audit_events columns in scan order.
const auditColumns = "tenant, seq, id, at_ms, actor, actor_name, role, conversation_id, agent, action, details, prev_hash, hash"

// auditSearch builds the search of q: the SQL and its arguments. It asks for
// one row more than the page so the caller knows whether there is a next page.
func auditSearch(q store.AuditQuery) (string, []any) {
	w := &where{}
	w.add("tenant = ?", string(q.Tenant))
	if !q.From.IsZero() {
		w.add("at_ms >= ?", store.Millis(q.From))
	}
	if !q.To.IsZero() {
		w.add("at_ms < ?", store.Millis(q.To))
	}
	if q.Actor != "" {
		w.add("actor = ?", string(q.Actor))
	}
	if q.Agent != "" {
		w.add("agent = ?", string(q.Agent))
	}
	if q.ConversationID != "" {
		w.add("conversation_id = ?", q.ConversationID)
	}
	if len(q.Actions) > 0 {
		ph := make([]string, len(q.Actions))
		for i, a := range q.Actions {
			ph[i] = w.arg(a)
		}
		w.conds = append(w.conds, "action IN ("+strings.Join(ph, ", ")+")")
	}
	order := "ASC"
	if q.Desc {
		order = "DESC"
		if q.After > 0 {
			w.add("seq < ?", q.After)
		}
	} else if q.After > 0 {
		w.add("seq > ?", q.After)
	}
	sql := "SELECT " + auditColumns + " FROM audit_events" + w.String() +
		" ORDER BY seq " + order + " LIMIT " + w.arg(q.PageSize()+1)
	return sql, w.args
}

// page cuts rows (one more than the page size when there is a next page)
// into a page.
func page(rows []store.AuditEvent, size int) store.AuditPage {
	if len(rows) > size {
		return store.AuditPage{Events: rows[:size], Next: rows[size-1].Seq}
	}
	if rows == nil {
		rows = []store.AuditEvent{}
	}
	return store.AuditPage{Events: rows}
}

// helpSearch builds the query of q.
func helpSearch(q store.HelpQuery) (string, []any) {
	w := &where{}
	w.add("tenant = ?", string(q.Tenant))
	if !q.From.IsZero() {
		w.add("raised_ms >= ?", store.Millis(q.From))
	}
	if !q.To.IsZero() {
		w.add("raised_ms < ?", store.Millis(q.To))
	}
	if q.Agent != "" {
		w.add("agent = ?", string(q.Agent))
	}
	if q.ConversationID != "" {
		w.add("conversation_id = ?", q.ConversationID)
	}
	if q.Status != "" {
		w.add("status = ?", q.Status)
	}
	limit := q.Limit
	if limit <= 0 || limit > store.MaxHelpRows {
		limit = store.MaxHelpRows
	}
	return "SELECT " + helpColumns + " FROM help_requests" + w.String() + " ORDER BY raised_ms, id LIMIT " + w.arg(limit), w.args
}

// helpColumns are the help_requests columns in scan order.
const helpColumns = "id, tenant, conversation_id, agent, agent_name, reason, comment, status, provided_by, provided_by_name, raised_ms, accepted_ms, closed_ms, cancelled_ms, end_reason"

// conversationSearch builds the query of q.
func conversationSearch(q store.ConversationQuery) (string, []any) {
	w := &where{}
	w.add("tenant = ?", string(q.Tenant))
	if !q.From.IsZero() {
		w.add("created_ms >= ?", store.Millis(q.From))
	}
	if !q.To.IsZero() {
		w.add("created_ms < ?", store.Millis(q.To))
	}
	limit := q.Limit
	if limit <= 0 || limit > store.MaxHelpRows {
		limit = store.MaxHelpRows
	}
	return "SELECT " + conversationColumns + " FROM conversations" + w.String() + " ORDER BY created_ms, id LIMIT " + w.arg(limit), w.args
}

// conversationColumns are the conversations columns in scan order.
const conversationColumns = "id, tenant, channel, queue, team, outbound, transferred, created_ms, answered_ms, ended_ms, end_reason"

// participantColumns are the participants columns in scan order.
const participantColumns = "party_id, conversation_id, tenant, user_id, name, role, joined_ms, left_ms, left_reason"

// transferColumns are the transfers columns in scan order.
const transferColumns = "id, conversation_id, tenant, from_agent, to_agent, by_user, by_role, at_ms"

// messageColumns are the messages columns in scan order.
const messageColumns = "id, conversation_id, tenant, seq, kind, whisper, from_user, from_name, from_role, text, at_ms"
