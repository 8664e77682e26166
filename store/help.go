package store

import (
	"time"

	"github.com/earshot/earshot/auth"
)

// HelpRequest is an agent's request for a supervisor's help, upserted by ID
// at every transition; every transition keeps its own timestamp.
type HelpRequest struct {
	ID             string        `json:"id"`
	Tenant         auth.TenantID `json:"tenant"`
	ConversationID string        `json:"conversation_id"`
	Agent          auth.UserID   `json:"agent"`
	AgentName      string        `json:"agent_name"`
	Reason         string        `json:"reason"`
	Comment        string        `json:"comment,omitempty"`
	// Status is the domain's: open, in_progress, closed, cancelled.
	Status         string      `json:"status"`
	ProvidedBy     auth.UserID `json:"provided_by,omitempty"`
	ProvidedByName string      `json:"provided_by_name,omitempty"`
	RaisedAt       time.Time   `json:"raised_at"`
	AcceptedAt     time.Time   `json:"accepted_at,omitzero"`
	ClosedAt       time.Time   `json:"closed_at,omitzero"`
	CancelledAt    time.Time   `json:"cancelled_at,omitzero"`
	// EndReason says why it was closed or cancelled (the agent did, the
	// conversation was transferred or ended, ...).
	EndReason string `json:"end_reason,omitempty"`
}

// HelpQuery selects help requests of one tenant by the time they were raised.
type HelpQuery struct {
	Tenant         auth.TenantID
	From, To       time.Time
	Agent          auth.UserID
	ConversationID string
	Status         string
	// Limit bounds the result; 0 means MaxHelpRows.
	Limit int
}

// MaxHelpRows bounds one help-request query.
const MaxHelpRows = 100000

// HelpMute is a supervisor's choice to receive no help alerts, kept across
// server restarts. It is upserted by (Tenant, User); the latest write wins.
type HelpMute struct {
	Tenant auth.TenantID `json:"tenant"`
	User   auth.UserID   `json:"user"`
	Muted  bool          `json:"muted"`
	At     time.Time     `json:"at"`
}
