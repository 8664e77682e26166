package store

import (
	"time"

	"github.com/earshot/earshot/auth"
)

// RecordingRecord is one recording of a voice conversation: its metadata
// and one entry per recorded leg. The audio files and the manifest live in
// the recordings directory, under Dir; the store keeps what proves them
// (size and SHA-256 of each file). Upserted by ID: written when the
// recording starts and again, complete, when it stops.
type RecordingRecord struct {
	ID             string        `json:"id"`
	Tenant         auth.TenantID `json:"tenant"`
	ConversationID string        `json:"conversation_id"`
	// StartedBy is who asked for it ("" when the policy started it).
	StartedBy auth.UserID `json:"started_by,omitempty"`
	StartedAt time.Time   `json:"started_at"`
	// EndedAt is zero while recording.
	EndedAt time.Time `json:"ended_at,omitzero"`
	// Dir is the recording's directory, relative to the recordings root.
	Dir string `json:"-"`
	// Files are the recorded legs; empty while recording.
	Files []RecordingFile `json:"files"`
}

// RecordingFile is one leg's file of a recording.
type RecordingFile struct {
	// Name is the file's name within the recording's directory.
	Name string `json:"name"`
	// PartyID, User, PartyName and Role name the leg's party.
	PartyID   string      `json:"party_id"`
	User      auth.UserID `json:"user_id"`
	PartyName string      `json:"party_name"`
	Role      string      `json:"role"`
	Bytes     int64       `json:"bytes"`
	SHA256    string      `json:"sha256"`
}

// RecordingQuery selects a tenant's recordings by start time, optionally of
// one conversation.
type RecordingQuery struct {
	Tenant         auth.TenantID
	ConversationID string
	From, To       time.Time
	Limit          int
}
