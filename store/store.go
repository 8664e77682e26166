package store

import (
	"context"
	"time"

	"github.com/earshot/earshot/auth"
)

// Store is durable storage. Implementations are safe for concurrent use, but
// Commit is meant to be called by one Writer, which groups the commits of
// many callers into one transaction.
type Store interface {
	// Commit writes b in one transaction: all of it or nothing. Audit events
	// are appended to their tenant's chain in order and get Seq, PrevHash and
	// Hash; records are upserted by ID (the latest write wins).
	Commit(ctx context.Context, b Batch) error

	// SearchAudit returns one page of a tenant's audit events.
	SearchAudit(ctx context.Context, q AuditQuery) (AuditPage, error)
	// AuditTenants lists the tenants that have an audit chain.
	AuditTenants(ctx context.Context) ([]auth.TenantID, error)
	// AuditChain returns where a tenant's chain starts (after retention) and
	// ends.
	AuditChain(ctx context.Context, tenant auth.TenantID) (ChainState, error)
	// ScanAudit returns up to limit events of a tenant with Seq > after, in
	// Seq order, exactly as stored, for verification.
	ScanAudit(ctx context.Context, tenant auth.TenantID, after int64, limit int) ([]AuditEvent, error)

	// HelpRequests returns help requests, oldest first.
	HelpRequests(ctx context.Context, q HelpQuery) ([]HelpRequest, error)
	// HelpMutes returns every supervisor who muted help alerts (Muted
	// true), of all tenants, for the domain to load at start.
	HelpMutes(ctx context.Context) ([]HelpMute, error)
	// Conversations returns conversation records, oldest first.
	Conversations(ctx context.Context, q ConversationQuery) ([]ConversationRecord, error)
	// ConversationHistory returns a conversation with its participants,
	// transfers and transcript; ErrNotFound if the tenant has no such one.
	ConversationHistory(ctx context.Context, tenant auth.TenantID, id string) (ConversationHistory, error)

	// Recordings returns recording records, oldest first.
	Recordings(ctx context.Context, q RecordingQuery) ([]RecordingRecord, error)
	// Recording returns one recording; ErrNotFound if the tenant has no
	// such one.
	Recording(ctx context.Context, tenant auth.TenantID, id string) (RecordingRecord, error)

	// Purge deletes what is older than p.Before and audits the deletion in
	// the same transaction (action ActionRetentionPurge, one event per tenant
	// that lost rows).
	Purge(ctx context.Context, p PurgeParams) (PurgeResult, error)

	// Close releases the database.
	Close() error
}

// Batch is what one Commit writes. Batches of many callers are merged by the
// Writer; order within each slice is kept.
type Batch struct {
	Audit         []AuditEvent
	Conversations []ConversationRecord
	Participants  []ParticipantRecord
	Transfers     []TransferRecord
	Messages      []MessageRecord
	HelpRequests  []HelpRequest
	Recordings    []RecordingRecord
	HelpMutes     []HelpMute
}

// Empty reports whether b writes nothing.
func (b Batch) Empty() bool {
	return b.Len() == 0
}

// Len counts the rows b writes.
func (b Batch) Len() int {
	return len(b.Audit) + len(b.Conversations) + len(b.Participants) + len(b.Transfers) + len(b.Messages) + len(b.HelpRequests) + len(b.Recordings) + len(b.HelpMutes)
}

// Add appends o's rows after b's.
func (b *Batch) Add(o Batch) {
	b.Audit = append(b.Audit, o.Audit...)
	b.Conversations = append(b.Conversations, o.Conversations...)
	b.Participants = append(b.Participants, o.Participants...)
	b.Transfers = append(b.Transfers, o.Transfers...)
	b.Messages = append(b.Messages, o.Messages...)
	b.HelpRequests = append(b.HelpRequests, o.HelpRequests...)
	b.Recordings = append(b.Recordings, o.Recordings...)
	b.HelpMutes = append(b.HelpMutes, o.HelpMutes...)
}

// PurgeParams is one retention run.
type PurgeParams struct {
	// Before: audit events, ended conversations (with their participants,
	// transfers and messages), finished help requests and recordings that
	// ended before this are deleted.
	Before time.Time
	// MaxAge is the configured retention, recorded in the audit event.
	MaxAge time.Duration
	// Now stamps the audit event of the deletion (zero: time.Now).
	Now time.Time
}

// PurgeResult counts what a retention run deleted, per tenant.
type PurgeResult struct {
	Tenants map[auth.TenantID]PurgeCounts
	// Recordings are the recordings whose rows were deleted: their files
	// are for the caller to delete (the store knows no files).
	Recordings []RecordingRecord
}

// PurgeCounts is what one tenant lost to retention.
type PurgeCounts struct {
	AuditEvents   int64 `json:"audit_events"`
	Conversations int64 `json:"conversations"`
	Participants  int64 `json:"participants"`
	Transfers     int64 `json:"transfers"`
	Messages      int64 `json:"messages"`
	HelpRequests  int64 `json:"help_requests"`
	Recordings    int64 `json:"recordings,omitempty"`
	// AnchorSeq is the last deleted audit row; the chain now starts after it.
	AnchorSeq int64 `json:"anchor_seq"`
}

// Total is the number of rows deleted.
func (c PurgeCounts) Total() int64 {
	return c.AuditEvents + c.Conversations + c.Participants + c.Transfers + c.Messages + c.HelpRequests + c.Recordings
}
