package cluster

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/earshot/earshot/callcenter"
)

// ConversationWriter keeps the conversation directory up to date for the
// conversations this node runs. It is the domain's callcenter.Mirror: the
// domain hands it each change without waiting, and a kvWriter writes the
// latest state of each conversation to KV (or deletes it when it ended).
type ConversationWriter struct {
	node NodeID
	w    *kvWriter
}

var _ callcenter.Mirror = (*ConversationWriter)(nil)

func newConversationWriter(kv jetstream.KeyValue, node NodeID, log *slog.Logger) *ConversationWriter {
	return &ConversationWriter{node: node, w: newKVWriter(kv, "conversation", log)}
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
func (cw *ConversationWriter) Close(ctx context.Context) error { return cw.w.close(ctx) }
