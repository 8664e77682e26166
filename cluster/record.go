package cluster

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/earshot/earshot/callcenter"
)

// NodeID names a node in its cluster.
type NodeID string

// Load is how busy a node is; placement compares it.
type Load struct {
	// Conversations is the node's live conversations, voice and chat.
	Conversations int `json:"conversations"`
	// Legs is the node's live media legs (one per connected voice client).
	Legs int `json:"legs"`
}

// score orders loads: a leg costs media forwarding, a conversation costs
// signaling and state, so both count.
func (l Load) score() int { return l.Legs + l.Conversations }

// NodeRecord is one node in the node directory: the value of key <node id>
// in bucket NodesBucket(cluster), JSON.
type NodeRecord struct {
	ID NodeID `json:"id"`
	// SignalingURL is where clients and other nodes reach its WebSocket
	// signaling.
	SignalingURL string `json:"signaling_url"`
	// MediaAddr is its media UDP address as clients see it (host:port).
	MediaAddr string    `json:"media_addr"`
	Load      Load      `json:"load"`
	State     NodeState `json:"state"`
	StartedAt time.Time `json:"started_at"`
	// UpdatedAt is when the node wrote the record (its clock; the
	// directory's liveness uses the time it received it).
	UpdatedAt time.Time `json:"updated_at"`
}

// ConversationRecord is one live conversation in the conversation
// directory: the value of key <conversation id> in bucket
// ConversationsBucket(cluster), JSON. Only its hosting node writes it.
type ConversationRecord struct {
	// Node is the node hosting the conversation (all its legs).
	Node      NodeID    `json:"node"`
	UpdatedAt time.Time `json:"updated_at"`
	// Conversation is the domain's snapshot: parties, roles, supervisor
	// modes, hold.
	Conversation callcenter.ConversationSnapshot `json:"conversation"`
}

// decodeNode parses a node record and checks it names the key it sits at.
func decodeNode(key string, b []byte) (NodeRecord, error) {
	var r NodeRecord
	if err := json.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("node record %s: %w", key, err)
	}
	if string(r.ID) != key {
		return r, fmt.Errorf("node record at %s names node %q", key, r.ID)
	}
	return r, nil
}
