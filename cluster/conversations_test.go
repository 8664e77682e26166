package cluster_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/callcenter"
	"github.com/earshot/earshot/cluster"
	"github.com/earshot/earshot/cluster/clustertest"
	"github.com/earshot/earshot/media"
	"github.com/earshot/earshot/store"
	"github.com/earshot/earshot/store/sqlite"
)

// session is a connected user as the domain sees it; it keeps the names of
// the events pushed to it.
type session struct {
	id      auth.Identity
	mu      sync.Mutex
	pushed  []string
	changed chan struct{}
}

func newSession(user string, role auth.Role) *session {
	return &session{
		id:      auth.Identity{Subject: auth.UserID(user), Name: user, Tenant: "t1", Roles: []auth.Role{role}, Teams: []auth.TeamID{"team-a"}},
		changed: make(chan struct{}),
	}
}

func (s *session) ID() string              { return "session-" + string(s.id.Subject) }
func (s *session) Identity() auth.Identity { return s.id }
func (s *session) Push(event string, _ any) error {
	s.mu.Lock()
	s.pushed = append(s.pushed, event)
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
	return nil
}

func (s *session) waitEvent(t *testing.T, name string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		s.mu.Lock()
		for _, e := range s.pushed {
			if e == name {
				s.mu.Unlock()
				return
			}
		}
		c := s.changed
		s.mu.Unlock()
		select {
		case <-c:
		case <-deadline:
			t.Fatalf("%s got no %s", s.ID(), name)
		}
	}
}

// newCenter is a real domain on a real SFU and SQLite store whose Mirror
// is node's conversation directory.
func newCenter(t *testing.T, node *cluster.Node) *callcenter.Center {
	t.Helper()
	log := quiet()
	sfu, err := media.New(media.Params{Config: media.Config{ListenIP: "127.0.0.1"}, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(context.Background(), sqlite.Params{Path: filepath.Join(t.TempDir(), "earshot.db")})
	if err != nil {
		t.Fatal(err)
	}
	w := store.NewWriter(store.WriterParams{Store: st, Logger: log})
	c, err := callcenter.New(callcenter.Params{
		Policy: callcenter.DefaultPolicy(), SFU: sfu, Auditor: w, Mirror: node.Conversations(), Logger: log,
		Queues: []callcenter.QueueConfig{{Name: "support", Team: "team-a"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.Close()
		_ = w.Close()
		_ = st.Close()
		_ = sfu.Close()
	})
	return c
}

// recordWatch follows one conversation's key in the directory.
type recordWatch struct {
	w jetstream.KeyWatcher
}

func watchRecord(t *testing.T, kv jetstream.KeyValue, id callcenter.ConversationID) *recordWatch {
	t.Helper()
	w, err := kv.Watch(context.Background(), string(id))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.Stop() })
	return &recordWatch{w: w}
}

// next waits for a record matching ok (nil record: deleted).
func (r *recordWatch) next(t *testing.T, what string, ok func(*cluster.ConversationRecord) bool) *cluster.ConversationRecord {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case e, open := <-r.w.Updates():
			if !open {
				t.Fatalf("%s: the watch ended", what)
			}
			if e == nil {
				continue // end of the initial values
			}
			var rec *cluster.ConversationRecord
			if e.Operation() == jetstream.KeyValuePut {
				rec = new(cluster.ConversationRecord)
				if err := json.Unmarshal(e.Value(), rec); err != nil {
					t.Fatalf("%s: bad record: %v", what, err)
				}
			}
			if ok(rec) {
				return rec
			}
		case <-deadline:
			t.Fatalf("%s: not in the directory within 10s", what)
		}
	}
}

func TestConversationRecordsFollowTheDomain(t *testing.T) {
	env := newClusterEnv(t, 3*time.Second)
	node := env.start(t, "node-a")
	c := newCenter(t, node.Node)
	kv := clustertest.Bucket(t, env.url, cluster.ConversationsBucket(env.name))
	ctx := context.Background()

	customer, agent, sup := newSession("carla", auth.RoleCustomer), newSession("alex", auth.RoleAgent), newSession("sam", auth.RoleSupervisor)
	for _, s := range []*session{customer, agent, sup} {
		if err := c.Connect(s); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.SetAgentState(agent, callcenter.AgentReady); err != nil {
		t.Fatal(err)
	}
	res, err := c.StartConversation(ctx, customer, callcenter.StartParams{Queue: "support", Channel: callcenter.ChannelChat})
	if err != nil {
		t.Fatal(err)
	}
	id := res.View.ConversationID
	watch := watchRecord(t, kv, id)
	rec := watch.next(t, "the offered conversation", func(r *cluster.ConversationRecord) bool {
		return r != nil && r.Conversation.State == callcenter.ConvOffered
	})
	if rec.Node != "node-a" || rec.Conversation.ID != id || rec.Conversation.Tenant != "t1" || rec.Conversation.OfferedTo != "alex" {
		t.Fatalf("offered record: %+v", rec)
	}
	agent.waitEvent(t, callcenter.EventConversationOffered)
	if _, err := c.Accept(ctx, agent, callcenter.AcceptParams{ConversationID: id}); err != nil {
		t.Fatal(err)
	}
	watch.next(t, "the answered conversation", func(r *cluster.ConversationRecord) bool {
		return r != nil && r.Conversation.State == callcenter.ConvActive && len(r.Conversation.Parties) == 2
	})
	if _, err := c.Monitor(ctx, sup, callcenter.MonitorParams{ConversationID: id, Reason: "coaching"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SetMode(sup, id, callcenter.ModeWhisper); err != nil {
		t.Fatal(err)
	}
	if err := c.Hold(agent, id, true); err != nil {
		t.Fatal(err)
	}
	// The record a failover would rebuild from: every party in its role,
	// the supervisor in the mode it is in, the hold.
	rec = watch.next(t, "whispering supervisor on hold", func(r *cluster.ConversationRecord) bool {
		return r != nil && r.Conversation.Held && len(r.Conversation.Parties) == 3
	})
	roles := map[auth.UserID]callcenter.PartySnapshot{}
	for _, p := range rec.Conversation.Parties {
		roles[p.UserID] = p
	}
	if roles["carla"].Role != callcenter.PartyCustomer || roles["alex"].Role != callcenter.PartyAgent {
		t.Fatalf("parties: %+v", rec.Conversation.Parties)
	}
	if s := roles["sam"]; s.Role != callcenter.PartySupervisor || s.Mode != callcenter.ModeWhisper || s.Reason != "coaching" || s.Session != sup.ID() {
		t.Fatalf("supervisor: %+v", s)
	}
	if err := c.Leave(sup, id); err != nil {
		t.Fatal(err)
	}
	watch.next(t, "the supervisor gone", func(r *cluster.ConversationRecord) bool {
		return r != nil && len(r.Conversation.Parties) == 2
	})
	if err := c.End(customer, id); err != nil {
		t.Fatal(err)
	}
	watch.next(t, "the record deleted", func(r *cluster.ConversationRecord) bool { return r == nil })
	getCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := kv.Get(getCtx, string(id)); !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Fatalf("the ended conversation's record: %v, want not found", err)
	}
}

func TestShutdownDeletesTheNodesRecords(t *testing.T) {
	env := newClusterEnv(t, 3*time.Second)
	node := env.start(t, "node-a")
	c := newCenter(t, node.Node)
	kv := clustertest.Bucket(t, env.url, cluster.ConversationsBucket(env.name))
	ctx := context.Background()
	var ids []callcenter.ConversationID
	for _, user := range []string{"c1", "c2", "c3"} {
		res, err := c.StartConversation(ctx, newSession(user, auth.RoleCustomer), callcenter.StartParams{Queue: "support", Channel: callcenter.ChannelChat})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, res.View.ConversationID)
	}
	for _, id := range ids {
		watchRecord(t, kv, id).next(t, "queued conversation", func(r *cluster.ConversationRecord) bool {
			return r != nil && r.Conversation.State == callcenter.ConvQueued
		})
	}
	// The server's order: the domain ends everything, then the node closes.
	c.Close()
	closeCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := node.Close(closeCtx); err != nil {
		t.Fatal(err)
	}
	keys, err := kv.ListKeys(closeCtx)
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for k := range keys.Keys() {
		left = append(left, k)
	}
	if len(left) != 0 {
		t.Fatalf("records left after a clean shutdown: %v", left)
	}
}

func TestCloseIsBoundedWhenNATSIsGone(t *testing.T) {
	env := newClusterEnv(t, 3*time.Second)
	node := env.start(t, "node-a")
	c := newCenter(t, node.Node)
	kv := clustertest.Bucket(t, env.url, cluster.ConversationsBucket(env.name))
	res, err := c.StartConversation(context.Background(), newSession("c1", auth.RoleCustomer), callcenter.StartParams{Queue: "support", Channel: callcenter.ChannelChat})
	if err != nil {
		t.Fatal(err)
	}
	id := res.View.ConversationID
	watchRecord(t, kv, id).next(t, "queued conversation", func(r *cluster.ConversationRecord) bool { return r != nil })

	cluster.Kill(node.Node) // NATS is gone for this node
	c.Close()               // the end is queued and cannot be written
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	began := time.Now()
	if err := node.Close(ctx); err == nil {
		t.Fatal("close reported success with the conversation's end unwritten")
	}
	if took := time.Since(began); took > 5*time.Second {
		t.Fatalf("close took %v with a 1s deadline", took)
	}
	// What a failover would find: the record as it was when the node died.
	getCtx, cancelGet := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancelGet()
	e, err := kv.Get(getCtx, string(id))
	if err != nil {
		t.Fatalf("the dead node's record: %v", err)
	}
	var rec cluster.ConversationRecord
	if err := json.Unmarshal(e.Value(), &rec); err != nil || rec.Node != "node-a" || rec.Conversation.ID != id {
		t.Fatalf("the dead node's record: %+v (%v)", rec, err)
	}
}
