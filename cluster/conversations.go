package cluster

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/callcenter"
)

// ConversationWriter keeps the conversation directory up to date for the
// conversations this node runs. It is the domain's callcenter.Mirror: the
// domain hands it each change without waiting, and a kvWriter writes the
// latest state of each conversation to KV (or deletes it when it ended).
type ConversationWriter struct {
	node NodeID
	w    *kvWriter
	aw   *kvWriter // agent records (AgentChanged)
}

// AgentRecord is one agent in the agents bucket, JSON: its state and desk
// as the tenant's home last knew them.
type AgentRecord struct {
	Node      NodeID                   `json:"node"`
	UpdatedAt time.Time                `json:"updated_at"`
	Agent     callcenter.AgentSnapshot `json:"agent"`
}

var _ callcenter.AgentMirror = (*ConversationWriter)(nil)

func agentKey(tenant auth.TenantID, user auth.UserID) string {
	return tenantKey(string(tenant)) + "." + base64.RawURLEncoding.EncodeToString([]byte(user))
}

// AgentChanged queues the agent's new record. It never blocks.
func (cw *ConversationWriter) AgentChanged(s callcenter.AgentSnapshot) {
	cw.aw.put(agentKey(s.Tenant, s.UserID), func() ([]byte, error) {
		return json.Marshal(AgentRecord{Node: cw.node, UpdatedAt: time.Now().UTC(), Agent: s})
	})
}

var _ callcenter.Mirror = (*ConversationWriter)(nil)

func newConversationWriter(kv, agents jetstream.KeyValue, node NodeID, log *slog.Logger) *ConversationWriter {
	return &ConversationWriter{node: node, w: newKVWriter(kv, "conversation", log), aw: newKVWriter(agents, "agent", log)}
}

// ConversationChanged queues the conversation's new state. It never blocks.
func (cw *ConversationWriter) ConversationChanged(s callcenter.ConversationSnapshot) {
	cw.w.put(string(s.ID), func() ([]byte, error) {
		return json.Marshal(ConversationRecord{Node: cw.node, UpdatedAt: time.Now().UTC(), Conversation: s})
	})
}

// ConversationEnded queues the deletion of the conversation's record.
func (cw *ConversationWriter) ConversationEnded(id callcenter.ConversationID) {
	cw.w.del(string(id))
}

// backlog is the number of records not written yet.
func (cw *ConversationWriter) backlog() int { return cw.w.backlog() }

// Close writes what is queued (until ctx ends) and stops the writer. Call
// it after the domain closed: the ends of the conversations it closed are
// then deleted from the directory.
func (cw *ConversationWriter) Close(ctx context.Context) error {
	return errors.Join(cw.w.close(ctx), cw.aw.close(ctx))
}
