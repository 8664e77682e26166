package sqlstore

import (
	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/store"
)

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// scanAudit reads one audit_events row in auditColumns order.
func scanAudit(r scanner) (store.AuditEvent, error) {
	var (
		e                    store.AuditEvent
		tenant, actor, agent string
		details              string
		at                   int64
	)
	err := r.Scan(&tenant, &e.Seq, &e.ID, &at, &actor, &e.ActorName, &e.Role, &e.ConversationID, &agent, &e.Action, &details, &e.PrevHash, &e.Hash)
	e.Tenant, e.Actor, e.Agent, e.Details, e.At = auth.TenantID(tenant), auth.UserID(actor), auth.UserID(agent), store.RawJSON(details), store.FromMillis(at)
	return e, err
}

// scanHelp reads one help_requests row in helpColumns order.
func scanHelp(r scanner) (store.HelpRequest, error) {
	var (
		h                                  store.HelpRequest
		tenant, agent, providedBy          string
		raised, accepted, closed, canceled int64
	)
	err := r.Scan(&h.ID, &tenant, &h.ConversationID, &agent, &h.AgentName, &h.Reason, &h.Comment, &h.Status,
		&providedBy, &h.ProvidedByName, &raised, &accepted, &closed, &canceled, &h.EndReason)
	h.Tenant, h.Agent, h.ProvidedBy = auth.TenantID(tenant), auth.UserID(agent), auth.UserID(providedBy)
	h.RaisedAt, h.AcceptedAt, h.ClosedAt, h.CancelledAt = store.FromMillis(raised), store.FromMillis(accepted), store.FromMillis(closed), store.FromMillis(canceled)
	return h, err
}

// scanConversation reads one conversations row in conversationColumns order.
func scanConversation(r scanner) (store.ConversationRecord, error) {
	var (
		c                       store.ConversationRecord
		tenant, team            string
		created, answered, ende int64
	)
	err := r.Scan(&c.ID, &tenant, &c.Channel, &c.Queue, &team, &c.Outbound, &c.Transferred, &created, &answered, &ende, &c.EndReason)
	c.Tenant, c.Team = auth.TenantID(tenant), auth.TeamID(team)
	c.CreatedAt, c.AnsweredAt, c.EndedAt = store.FromMillis(created), store.FromMillis(answered), store.FromMillis(ende)
	return c, err
}

// scanParticipant reads one participants row in participantColumns order.
func scanParticipant(r scanner) (store.ParticipantRecord, error) {
	var (
		p            store.ParticipantRecord
		tenant, user string
		joined, left int64
	)
	err := r.Scan(&p.PartyID, &p.ConversationID, &tenant, &user, &p.Name, &p.Role, &joined, &left, &p.LeftReason)
	p.Tenant, p.User, p.JoinedAt, p.LeftAt = auth.TenantID(tenant), auth.UserID(user), store.FromMillis(joined), store.FromMillis(left)
	return p, err
}

// scanTransfer reads one transfers row in transferColumns order.
func scanTransfer(r scanner) (store.TransferRecord, error) {
	var (
		t                    store.TransferRecord
		tenant, from, to, by string
		at                   int64
	)
	err := r.Scan(&t.ID, &t.ConversationID, &tenant, &from, &to, &by, &t.ByRole, &at)
	t.Tenant, t.From, t.To, t.By, t.At = auth.TenantID(tenant), auth.UserID(from), auth.UserID(to), auth.UserID(by), store.FromMillis(at)
	return t, err
}

// scanMessage reads one messages row in messageColumns order.
func scanMessage(r scanner) (store.MessageRecord, error) {
	var (
		m            store.MessageRecord
		tenant, from string
		at           int64
	)
	err := r.Scan(&m.ID, &m.ConversationID, &tenant, &m.Seq, &m.Kind, &m.Whisper, &from, &m.FromName, &m.FromRole, &m.Text, &at)
	m.Tenant, m.From, m.At = auth.TenantID(tenant), auth.UserID(from), store.FromMillis(at)
	return m, err
}
