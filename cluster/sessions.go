package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/signaling"
)

// SessionsBucket is the KV bucket of cluster's session records: one key per
// live signaling session, "<tenant key>.<session id>", written by the node
// that runs the session (its tenant's home). A node that takes a tenant over
// adopts the sessions of the lost home from them (tenants.go).
func SessionsBucket(cluster string) string { return "earshot_" + cluster + "_sessions" }

// SessionRecord is one live session in the sessions bucket, JSON. It holds
// what a resume checks — the user, and the SHA-256 of the resume tokens —
// never a token itself.
type SessionRecord struct {
	Node      NodeID        `json:"node"`
	ID        string        `json:"id"`
	Identity  auth.Identity `json:"identity"`
	ResumeKey []string      `json:"resume_keys"`
	UpdatedAt time.Time     `json:"updated_at"`
}

// SessionWriter keeps the session records of this node's sessions: it is
// signaling's SessionObserver.
type SessionWriter struct {
	node NodeID
	w    *kvWriter
}

var _ signaling.SessionObserver = (*SessionWriter)(nil)

func newSessionWriter(kv jetstream.KeyValue, node NodeID, log *slog.Logger) *SessionWriter {
	return &SessionWriter{node: node, w: newKVWriter(kv, "session", log)}
}

func sessionKey(tenant auth.TenantID, id string) string {
	return tenantKey(string(tenant)) + "." + id
}

// SessionSaved queues the session's record. It never blocks.
func (sw *SessionWriter) SessionSaved(rec signaling.SessionRecord) {
	sw.w.put(sessionKey(rec.Identity.Tenant, rec.ID), func() ([]byte, error) {
		return json.Marshal(SessionRecord{Node: sw.node, ID: rec.ID, Identity: rec.Identity, ResumeKey: rec.ResumeKeys, UpdatedAt: time.Now().UTC()})
	})
}

// SessionEnded queues the deletion of the session's record.
func (sw *SessionWriter) SessionEnded(id string, tenant auth.TenantID) {
	sw.w.del(sessionKey(tenant, id))
}

// Close writes what is queued and stops the writer.
func (sw *SessionWriter) Close(ctx context.Context) error { return sw.w.close(ctx) }

// lostTenantState reads what a lost home kept of a tenant: its session
// records and its conversation records.
func (n *Node) lostTenantState(ctx context.Context, tenant string, from NodeID) ([]signaling.SessionRecord, []ConversationRecord, error) {
	var sessions []signaling.SessionRecord
	prefix := tenantKey(tenant) + "."
	keys, err := n.sessions.ListKeysFiltered(ctx, prefix+"*")
	if err != nil {
		return nil, nil, fmt.Errorf("list sessions of %s: %w", tenant, err)
	}
	for k := range keys.Keys() {
		e, err := n.sessions.Get(ctx, k)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("session record %s: %w", k, err)
		}
		var r SessionRecord
		if err := json.Unmarshal(e.Value(), &r); err != nil || r.Node != from || !strings.HasPrefix(k, prefix) {
			continue
		}
		sessions = append(sessions, signaling.SessionRecord{ID: r.ID, Identity: r.Identity, ResumeKeys: r.ResumeKey})
	}
	var convs []ConversationRecord
	ckeys, err := n.convKV.ListKeys(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("list conversations: %w", err)
	}
	for k := range ckeys.Keys() {
		e, err := n.convKV.Get(ctx, k)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("conversation record %s: %w", k, err)
		}
		var r ConversationRecord
		if err := json.Unmarshal(e.Value(), &r); err != nil || r.Node != from || string(r.Conversation.Tenant) != tenant {
			continue
		}
		convs = append(convs, r)
	}
	return sessions, convs, nil
}
