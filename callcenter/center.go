package callcenter

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/media"
	"github.com/earshot/earshot/store"
)

// QueueConfig names a queue and the team whose agents answer it.
type QueueConfig struct {
	// Tenant the queue belongs to; empty means the queue exists in every tenant.
	Tenant auth.TenantID `yaml:"tenant"`
	Name   string        `yaml:"name"`
	Team   auth.TeamID   `yaml:"team"`
}

// Params configures a Center.
type Params struct {
	Policy Policy
	Queues []QueueConfig
	// SFU carries the voice legs when Media is nil. One of SFU and Media
	// is required.
	SFU *media.SFU
	// Media, if set, creates the conversations' media groups instead of
	// the local SFU (a cluster places them on its nodes).
	Media MediaPlane
	// Auditor makes audit events and history durable. Required: an audited
	// action is acknowledged only after its event is committed.
	Auditor Auditor
	// Mirror, if set, is told the state of every live conversation after
	// each change (a cluster's conversation directory). Nil on a single node.
	Mirror Mirror
	// HelpMutes are the supervisors who muted help alerts, as the store
	// kept them (store.Store.HelpMutes): mutes survive a restart.
	HelpMutes []store.HelpMute
	// RecordingDir is the root of the recordings (one directory each);
	// "" disables recording whatever the policy says.
	RecordingDir string
	Logger       *slog.Logger
}

// Center owns all live contact-center state of this node: agents, queues,
// conversations, monitors. Every method is safe for concurrent use; all state
// sits behind one lock because operations touch several conversations and
// agents at once and are short (no I/O is done under the lock).
type Center struct {
	policy  Policy
	queues  []QueueConfig
	media   MediaPlane
	auditor Auditor
	mirror  Mirror // nil: nobody outside the node needs the state
	log     *slog.Logger
	// recordingDir is the recordings' root ("": recording is off).
	recordingDir string

	ctx    context.Context
	cancel context.CancelFunc

	mu            sync.Mutex // guards everything below
	closed        bool
	conversations map[ConversationID]*Conversation
	agents        map[userKey]*agentRec
	customers     map[userKey]*Conversation
	// customerClients is each connected customer's latest session, for
	// outbound conversations.
	customerClients map[userKey]Client
	supervisors     map[string]Client // by session id
	enqueueSeq      uint64
	help            helpDesk
	watches         map[WatchID]*watch // pending watches (watch.go)
	health          healthState

	outMu sync.Mutex // orders deliveries; taken before mu is released
}

// New creates a Center.
func New(p Params) (*Center, error) {
	if p.Media == nil {
		if p.SFU == nil {
			return nil, fmt.Errorf("new center: %w", errNoSFU)
		}
		p.Media = LocalMedia{SFU: p.SFU}
	}
	if p.Auditor == nil {
		return nil, fmt.Errorf("new center: %w", errNoAuditor)
	}
	if p.Logger == nil {
		p.Logger = slog.Default()
	}
	if err := p.Policy.Recording.Check(); err != nil {
		return nil, fmt.Errorf("new center: %w", err)
	}
	for _, q := range p.Queues {
		if q.Name == "" || q.Team == "" {
			return nil, fmt.Errorf("new center: queue %q: name and team are required", q.Name)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &Center{
		policy:          p.Policy,
		queues:          p.Queues,
		media:           p.Media,
		auditor:         p.Auditor,
		mirror:          p.Mirror,
		log:             p.Logger,
		recordingDir:    p.RecordingDir,
		ctx:             ctx,
		cancel:          cancel,
		conversations:   make(map[ConversationID]*Conversation),
		agents:          make(map[userKey]*agentRec),
		customers:       make(map[userKey]*Conversation),
		customerClients: make(map[userKey]Client),
		supervisors:     make(map[string]Client),
	}
	for _, m := range p.HelpMutes {
		if m.Muted {
			if c.help.muted == nil {
				c.help.muted = map[userKey]bool{}
			}
			c.help.muted[userKey{tenant: m.Tenant, user: m.User}] = true
		}
	}
	c.startHealth()
	return c, nil
}

// Policy returns the monitoring policy in force.
func (c *Center) Policy() Policy { return c.policy }

// Close ends every conversation (parties are told "shutdown") and refuses new
// work. Media legs are closed; the SFU itself belongs to the caller.
func (c *Center) Close() {
	_ = c.do(func(ob *outbox) error {
		if c.closed {
			return nil
		}
		c.closed = true
		for _, conv := range c.conversations {
			c.endLocked(ob, conv, EndShutdown)
		}
		return nil
	})
	c.cancel()
	c.stopHealth()
}

// do runs fn under the state lock and then delivers the events it queued, in
// order, without holding the state lock.
func (c *Center) do(fn func(ob *outbox) error) error {
	var ob outbox
	c.mu.Lock()
	err := fn(&ob)
	c.flushLocked(&ob)
	c.outMu.Lock()
	c.mu.Unlock()
	for _, d := range ob.items {
		if perr := d.to.Push(d.event, d.data); perr != nil {
			c.log.Debug("push failed", "session", d.to.ID(), "event", d.event, "err", perr)
		}
	}
	if !ob.records.Empty() {
		c.auditor.Enqueue(ob.records) // in operation order: outMu is held
	}
	c.deliverMirror(&ob)
	c.outMu.Unlock()
	for _, f := range ob.cleanups {
		f()
	}
	return err
}

// queueFor finds the queue named name in tenant.
func (c *Center) queueFor(tenant auth.TenantID, name string) (QueueConfig, bool) {
	for _, q := range c.queues {
		if q.Name == name && (q.Tenant == "" || q.Tenant == tenant) {
			return q, true
		}
	}
	return QueueConfig{}, false
}

// Queues returns the queues visible in tenant.
func (c *Center) Queues(tenant auth.TenantID) []QueueConfig {
	var out []QueueConfig
	for _, q := range c.queues {
		if q.Tenant == "" || q.Tenant == tenant {
			out = append(out, q)
		}
	}
	return out
}

func (c *Center) now() time.Time { return time.Now().UTC() }
