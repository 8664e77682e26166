package store

import (
	"time"

	"github.com/earshot/earshot/auth"
)

// ConversationRecord is a conversation as history keeps it. It is written
// whole each time it changes (an upsert by ID), so the latest write wins.
type ConversationRecord struct {
	ID          string        `json:"id"`
	Tenant      auth.TenantID `json:"tenant"`
	Channel     string        `json:"channel"`
	Queue       string        `json:"queue"`
	Team        auth.TeamID   `json:"team"`
	Outbound    bool          `json:"outbound"`
	Transferred bool          `json:"transferred"`
	CreatedAt   time.Time     `json:"created_at"`
	AnsweredAt  time.Time     `json:"answered_at,omitzero"`
	// EndedAt is zero while the conversation goes on.
	EndedAt   time.Time `json:"ended_at,omitzero"`
	EndReason string    `json:"end_reason,omitempty"`
}

// ParticipantRecord is one party's time in a conversation (customer, agent,
// supervisor), upserted by PartyID.
type ParticipantRecord struct {
	PartyID        string        `json:"party_id"`
	ConversationID string        `json:"conversation_id"`
	Tenant         auth.TenantID `json:"tenant"`
	User           auth.UserID   `json:"user_id"`
	Name           string        `json:"name"`
	// Role is the part played: customer, agent or supervisor.
	Role       string    `json:"role"`
	JoinedAt   time.Time `json:"joined_at"`
	LeftAt     time.Time `json:"left_at,omitzero"`
	LeftReason string    `json:"left_reason,omitempty"`
}

// TransferRecord is one blind transfer of a conversation.
type TransferRecord struct {
	ID             string        `json:"id"`
	ConversationID string        `json:"conversation_id"`
	Tenant         auth.TenantID `json:"tenant"`
	// From is the agent released (empty if none was connected).
	From   auth.UserID `json:"from_agent,omitempty"`
	To     auth.UserID `json:"to_agent"`
	By     auth.UserID `json:"by"`
	ByRole string      `json:"by_role"`
	At     time.Time   `json:"at"`
}

// MessageRecord is one chat message of a transcript.
type MessageRecord struct {
	ID             string        `json:"id"`
	ConversationID string        `json:"conversation_id"`
	Tenant         auth.TenantID `json:"tenant"`
	Seq            int64         `json:"seq"`
	// Kind is "public" or "whisper"; Whisper repeats it as a flag because a
	// whisper must never be shown to a customer and a flag is harder to miss.
	Kind     string      `json:"kind"`
	Whisper  bool        `json:"whisper"`
	From     auth.UserID `json:"from"`
	FromName string      `json:"from_name"`
	FromRole string      `json:"from_role"`
	Text     string      `json:"text"`
	At       time.Time   `json:"at"`
}

// ConversationHistory is everything kept about one conversation.
type ConversationHistory struct {
	Conversation ConversationRecord  `json:"conversation"`
	Participants []ParticipantRecord `json:"participants"`
	Transfers    []TransferRecord    `json:"transfers"`
	Messages     []MessageRecord     `json:"messages"`
}

// ConversationQuery selects conversations of one tenant by start time.
type ConversationQuery struct {
	Tenant   auth.TenantID
	From, To time.Time
	Limit    int
}
