package store

import (
	"time"

	"github.com/earshot/earshot/auth"
)

// SystemActor is the actor of events nobody asked for directly: a request
// cancelled because its conversation ended, retention deleting old rows.
const SystemActor auth.UserID = "system"

// SystemRole is the role of SystemActor.
const SystemRole = "system"

// ActionRetentionPurge is the audit action of a retention run that deleted
// rows: the deletion itself is audited, in the chain it shortened.
const ActionRetentionPurge = "retention.purge"

// ActionRecordingAccess is the audit action of a recording's manifest or
// file being read through the reporting API (details name the recording
// and the file).
const ActionRecordingAccess = "recording.access"

// AuditEvent is one row of the audit trail.
//
// Producers fill ID (optional), Tenant, Actor, ActorName, Role,
// ConversationID, Agent, Action and Details; the Writer stamps At; the store
// assigns Seq, PrevHash and Hash when the row is committed.
type AuditEvent struct {
	Tenant auth.TenantID `json:"tenant"`
	// Seq numbers the tenant's events 1, 2, 3, ... in commit order; a gap
	// means a row was deleted.
	Seq int64 `json:"seq"`
	// ID is a random identifier, so that later events can refer to this one.
	ID string `json:"id"`
	// At is the server time, UTC, in milliseconds.
	At        time.Time   `json:"at"`
	Actor     auth.UserID `json:"actor"`
	ActorName string      `json:"actor_name"`
	// Role is the role the actor acted in: supervisor, agent, admin, system.
	Role           string      `json:"role"`
	ConversationID string      `json:"conversation_id,omitempty"`
	Agent          auth.UserID `json:"agent,omitempty"`
	Action         string      `json:"action"`
	// Details is a JSON object, stored and hashed byte for byte.
	Details  RawJSON `json:"details"`
	PrevHash string  `json:"prev_hash"`
	Hash     string  `json:"hash"`
}

// RawJSON is a JSON value kept exactly as written (it is hashed), and
// marshalled as itself.
type RawJSON string

// MarshalJSON returns the JSON text itself ({} when empty).
func (r RawJSON) MarshalJSON() ([]byte, error) {
	if r == "" {
		return []byte("{}"), nil
	}
	return []byte(r), nil
}

// UnmarshalJSON keeps the JSON text as given.
func (r *RawJSON) UnmarshalJSON(b []byte) error {
	*r = RawJSON(b)
	return nil
}

// AuditQuery selects audit events of one tenant. Empty fields do not filter.
type AuditQuery struct {
	// Tenant is required: nothing is ever searched across tenants.
	Tenant auth.TenantID
	// From and To bound At: From <= At < To. Zero means unbounded.
	From, To       time.Time
	Actor          auth.UserID
	Agent          auth.UserID
	ConversationID string
	// Actions keeps events whose action is one of these.
	Actions []string
	// After is a cursor: the Seq of the last event of the previous page.
	After int64
	// Desc orders newest first (and After then means "older than").
	Desc bool
	// Limit is the page size: default 100, at most MaxPageSize.
	Limit int
}

// Page sizes of audit searches.
const (
	DefaultPageSize = 100
	MaxPageSize     = 1000
)

// PageSize returns the effective page size of q.
func (q AuditQuery) PageSize() int {
	switch {
	case q.Limit <= 0:
		return DefaultPageSize
	case q.Limit > MaxPageSize:
		return MaxPageSize
	}
	return q.Limit
}

// Check reports whether the query can be run.
func (q AuditQuery) Check() error {
	if q.Tenant == "" {
		return errorf(ErrBadQuery, "tenant is required")
	}
	if !q.From.IsZero() && !q.To.IsZero() && q.To.Before(q.From) {
		return errorf(ErrBadQuery, "time range ends before it starts")
	}
	if q.After < 0 {
		return errorf(ErrBadQuery, "negative cursor")
	}
	return nil
}

// AuditPage is one page of search results.
type AuditPage struct {
	Events []AuditEvent
	// Next is the cursor of the next page; 0 when this page is the last.
	Next int64
}

// ChainLink is a position in a tenant's hash chain.
type ChainLink struct {
	Seq  int64
	Hash string
}

// ChainState is where a tenant's chain starts and ends. Anchor is the last
// row deleted by retention (zero when nothing was deleted): the first stored
// row must follow it. Head is the last row committed.
type ChainState struct {
	Anchor ChainLink
	Head   ChainLink
}
