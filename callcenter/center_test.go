package callcenter

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/media"
)

// recorder is a Client that records what the domain pushes to it, standing in
// for a signaling session.
type recorder struct {
	id       string
	identity auth.Identity

	mu     sync.Mutex
	events []pushed
	cond   chan struct{}
}

type pushed struct {
	Event string
	Data  json.RawMessage
}

func newRecorder(id auth.Identity) *recorder {
	return &recorder{id: "session-" + string(id.Subject), identity: id, cond: make(chan struct{})}
}

func (r *recorder) ID() string { return r.id }

func (r *recorder) Identity() auth.Identity {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.identity
}

func (r *recorder) setIdentity(id auth.Identity) {
	r.mu.Lock()
	r.identity = id
	r.mu.Unlock()
}

func (r *recorder) Push(event string, data any) error {
	b, err := json.Marshal(data)
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.events = append(r.events, pushed{Event: event, Data: b})
	close(r.cond)
	r.cond = make(chan struct{})
	r.mu.Unlock()
	return nil
}

// all returns a copy of every event so far.
func (r *recorder) all() []pushed {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]pushed(nil), r.events...)
}

// waitFor waits until an event named name, matching ok (if given), arrives
// after index from, and returns it with the index after it.
func (r *recorder) waitFor(t *testing.T, from int, name string, ok func(json.RawMessage) bool) (json.RawMessage, int) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		r.mu.Lock()
		for i := from; i < len(r.events); i++ {
			if r.events[i].Event == name && (ok == nil || ok(r.events[i].Data)) {
				d := r.events[i].Data
				r.mu.Unlock()
				return d, i + 1
			}
		}
		c := r.cond
		r.mu.Unlock()
		select {
		case <-c:
		case <-deadline:
			t.Fatalf("%s: no %s event within 10s; got %v", r.id, name, r.names())
		}
	}
}

func (r *recorder) names() []string {
	var out []string
	for _, e := range r.all() {
		out = append(out, e.Event)
	}
	return out
}

func ident(user, name string, tenant auth.TenantID, role auth.Role, teams ...auth.TeamID) auth.Identity {
	return auth.Identity{Subject: auth.UserID(user), Name: name, Tenant: tenant, Roles: []auth.Role{role}, Teams: teams}
}

// newTestCenter builds a Center on a real SFU bound to loopback.
func newTestCenter(t *testing.T, pol Policy) *Center {
	t.Helper()
	return newTestCenterWith(t, Params{Policy: pol})
}

// newTestCenterWith is newTestCenter with more parameters (p's SFU,
// Auditor, Logger and Queues are filled in).
func newTestCenterWith(t *testing.T, p Params) *Center {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	sfu, err := media.New(media.Params{Config: media.Config{ListenIP: "127.0.0.1"}, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	p.SFU, p.Logger, p.Auditor = sfu, log, newMemAuditor()
	p.Queues = []QueueConfig{{Name: "support", Team: "team-a"}, {Name: "sales", Team: "team-b"}}
	c, err := New(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.Close()
		_ = sfu.Close()
	})
	return c
}

// floor is a small cast of users in tenant "t1" (and one outsider in "t2").
type floor struct {
	c                     *Center
	customer, customer2   *recorder
	agent, agent2, agentB *recorder
	sup, sup2, supB       *recorder
	outsider              *recorder
}

func newFloor(t *testing.T, pol Policy) *floor {
	t.Helper()
	return newFloorOn(t, newTestCenter(t, pol))
}

// newFloorOn connects the cast to c.
func newFloorOn(t *testing.T, c *Center) *floor {
	t.Helper()
	f := &floor{
		c:         c,
		customer:  newRecorder(ident("cust", "Carla", "t1", auth.RoleCustomer)),
		customer2: newRecorder(ident("cust2", "Chris", "t1", auth.RoleCustomer)),
		agent:     newRecorder(ident("alex", "Alex", "t1", auth.RoleAgent, "team-a")),
		agent2:    newRecorder(ident("bea", "Bea", "t1", auth.RoleAgent, "team-a")),
		agentB:    newRecorder(ident("dan", "Dan", "t1", auth.RoleAgent, "team-b")),
		sup:       newRecorder(ident("sam", "Sam", "t1", auth.RoleSupervisor, "team-a")),
		sup2:      newRecorder(ident("sid", "Sid", "t1", auth.RoleSupervisor, "team-a")),
		supB:      newRecorder(ident("sue", "Sue", "t1", auth.RoleSupervisor, "team-b")),
		outsider:  newRecorder(ident("olga", "Olga", "t2", auth.RoleSupervisor, "team-a")),
	}
	for _, r := range []*recorder{f.customer, f.customer2, f.agent, f.agent2, f.agentB, f.sup, f.sup2, f.supB, f.outsider} {
		if err := c.Connect(r); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// chat starts a chat from customer on queue "support" and has agent accept it.
func (f *floor) chat(t *testing.T, customer, agent *recorder) ConversationID {
	t.Helper()
	if _, err := f.c.SetAgentState(agent, AgentReady); err != nil {
		t.Fatal(err)
	}
	res, err := f.c.StartConversation(context.Background(), customer, StartParams{Queue: "support", Channel: ChannelChat})
	if err != nil {
		t.Fatal(err)
	}
	id := res.View.ConversationID
	agent.waitFor(t, 0, EventConversationOffered, hasConversation(id))
	if _, err := f.c.Accept(context.Background(), agent, AcceptParams{ConversationID: id}); err != nil {
		t.Fatal(err)
	}
	return id
}

func hasConversation(id ConversationID) func(json.RawMessage) bool {
	return func(b json.RawMessage) bool {
		var v struct {
			ConversationID ConversationID `json:"conversation_id"`
		}
		return json.Unmarshal(b, &v) == nil && v.ConversationID == id
	}
}

// mustCode asserts err is a refusal with the given code.
func mustCode(t *testing.T, err error, code string) {
	t.Helper()
	e, ok := err.(*Error)
	if !ok || e.Code != code {
		t.Fatalf("got error %v, want code %s", err, code)
	}
	if e.Message == "" {
		t.Fatalf("refusal %s has no message", code)
	}
}

func floorRow(t *testing.T, c *Center, sup Client, id ConversationID) FloorConversation {
	t.Helper()
	rows, err := c.Conversations(sup)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.ConversationID == id {
			return r
		}
	}
	t.Fatalf("conversation %s not on %s's floor", id, sup.ID())
	return FloorConversation{}
}
