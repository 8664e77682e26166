package callcenter

import (
	"context"
	"github.com/earshot/earshot/media"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/store"
)

// Monitor next call / continuous monitoring (F17): a supervisor watches an
// agent, and the moment the agent's next conversation (or each of them)
// becomes active, the supervisor joins it in Listen, after every check of
// monitor.start. The session starts inside the same operation as the
// accept, so nobody can take the silent-monitor place in between; a voice
// session then waits for the supervisor's leg (monitor.connect).

// WatchID identifies a watch (a random UUID; only its supervisor session
// can see or cancel it).
type WatchID string

// WatchScope says how many conversations a watch monitors.
type WatchScope int

// Watch scopes.
const (
	WatchUnknown WatchScope = iota
	// WatchNext monitors the agent's next conversation, then ends.
	WatchNext
	// WatchAll monitors every conversation of the agent until cancelled.
	WatchAll
)

var watchScopeNames = [...]string{WatchUnknown: "unknown", WatchNext: "next", WatchAll: "all"}

// String returns the wire name of the scope.
func (s WatchScope) String() string {
	if s < 0 || int(s) >= len(watchScopeNames) {
		return watchScopeNames[WatchUnknown]
	}
	return watchScopeNames[s]
}

// MarshalText makes scopes appear by name in JSON.
func (s WatchScope) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// ParseWatchScope turns a wire name into a WatchScope.
func ParseWatchScope(raw string) (WatchScope, error) {
	for s, name := range watchScopeNames {
		if s != int(WatchUnknown) && strings.EqualFold(raw, name) {
			return WatchScope(s), nil
		}
	}
	return WatchUnknown, refuse(ErrBadRequest, "scope %q: want next or all", raw)
}

// Why a watch ended (monitor.watch_ended).
const (
	watchEndCancelled  = "cancelled"
	watchEndUsed       = "used"
	watchEndRevoked    = "privileges_revoked"
	watchEndSessionEnd = "session_ended"
)

// watch is one pending watch of a supervisor session. Guarded by Center.mu.
type watch struct {
	id        WatchID
	client    Client
	sup       userKey
	supName   string
	agent     userKey
	agentName string
	scope     WatchScope
	reason    string
	createdAt time.Time
}

// WatchView is a pending watch as its supervisor sees it.
type WatchView struct {
	WatchID   WatchID    `json:"watch_id"`
	Agent     UserRef    `json:"agent"`
	Scope     WatchScope `json:"scope"`
	Reason    string     `json:"reason,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
}

func (w *watch) view() WatchView {
	return WatchView{WatchID: w.id, Agent: UserRef{UserID: w.agent.user, Name: w.agentName}, Scope: w.scope, Reason: w.reason, CreatedAt: w.createdAt}
}

// watchStarted is the payload of monitor.watch_started.
type watchStarted struct {
	WatchID      WatchID        `json:"watch_id"`
	Conversation SupervisorView `json:"conversation"`
	// Connect says the supervisor must send monitor.connect with an SDP
	// offer to hear the (voice) conversation.
	Connect bool `json:"connect"`
}

// watchRefused is the payload of monitor.watch_refused.
type watchRefused struct {
	WatchID        WatchID        `json:"watch_id"`
	ConversationID ConversationID `json:"conversation_id"`
	Code           string         `json:"code"`
	Message        string         `json:"message"`
}

// watchEnded is the payload of monitor.watch_ended.
type watchEnded struct {
	WatchID WatchID `json:"watch_id"`
	Reason  string  `json:"reason"`
}

// WatchParams asks to monitor an agent's next or every conversation.
type WatchParams struct {
	Agent  auth.UserID
	Scope  WatchScope
	Reason string
}

// Watch registers a watch of the caller's session on an agent of its teams.
// It is audited with its reason before it is acknowledged.
func (c *Center) Watch(cl Client, p WatchParams) (WatchView, error) {
	if len(p.Reason) > maxReasonBytes || !utf8.ValidString(p.Reason) {
		return WatchView{}, refuse(ErrBadRequest, "the reason must be valid UTF-8 of at most %d bytes", maxReasonBytes)
	}
	if p.Scope != WatchNext && p.Scope != WatchAll {
		return WatchView{}, refuse(ErrBadRequest, "scope must be next or all")
	}
	id := WatchID(uuid.NewString())
	var view WatchView
	err := c.audited("", func() (store.Batch, error) {
		ident, a, err := c.watchCheckLocked(cl, p.Agent)
		if err != nil {
			return store.Batch{}, err
		}
		return audit(c.eventLocked(auditFact{
			actor: keyOf(ident), name: ident.Name, role: PartySupervisor.String(), agent: a.key.user,
			action: AuditMonitorWatch, details: map[string]any{"watch_id": id, "scope": p.Scope.String(), "reason": p.Reason},
		})), nil
	}, func(ob *outbox) error {
		ident, a, err := c.watchCheckLocked(cl, p.Agent)
		if err != nil {
			return err
		}
		w := &watch{
			id: id, client: cl, sup: keyOf(ident), supName: ident.Name, agent: a.key, agentName: a.name,
			scope: p.Scope, reason: p.Reason, createdAt: c.now(),
		}
		if c.watches == nil {
			c.watches = make(map[WatchID]*watch)
		}
		c.watches[id] = w
		c.log.Info("watch", "supervisor", ident.Subject, "agent", a.key.user, "scope", p.Scope)
		view = w.view()
		return nil
	})
	return view, err
}

// watchCheckLocked applies the policy of watching agent: the caller is a
// supervisor, the agent exists in its tenant, shares one of its teams and
// is not the caller, and the session does not watch it already.
func (c *Center) watchCheckLocked(cl Client, agent auth.UserID) (auth.Identity, *agentRec, error) {
	ident := cl.Identity()
	if c.closed {
		return ident, nil, ErrShuttingDown
	}
	if !ident.HasRole(auth.RoleSupervisor) {
		return ident, nil, refuse(ErrForbiddenRole, "only supervisors monitor conversations")
	}
	if agent == ident.Subject {
		return ident, nil, refuse(ErrSelfMonitoring, "you cannot watch yourself")
	}
	a := c.agents[userKey{tenant: ident.Tenant, user: agent}]
	if a == nil {
		return ident, nil, ErrAgentNotFound
	}
	if !sharesTeam(a.teams, ident.Teams) {
		return ident, nil, refuse(ErrOtherTeam, "%s is not in one of your teams", a.name)
	}
	for _, w := range c.watches {
		if w.client == cl && w.agent == a.key {
			return ident, nil, refuse(ErrAlreadyWatching, "you already watch %s", a.name)
		}
	}
	return ident, a, nil
}

// Unwatch cancels one of the caller's watches. A monitoring session the
// watch already started goes on (monitor.leave ends it).
func (c *Center) Unwatch(cl Client, id WatchID) error {
	return c.audited("", func() (store.Batch, error) {
		w, err := c.ownWatchLocked(cl, id)
		if err != nil {
			return store.Batch{}, err
		}
		return audit(c.eventLocked(auditFact{
			actor: w.sup, name: w.supName, role: PartySupervisor.String(), agent: w.agent.user,
			action: AuditMonitorUnwatch, details: map[string]any{"watch_id": w.id, "scope": w.scope.String()},
		})), nil
	}, func(ob *outbox) error {
		w, err := c.ownWatchLocked(cl, id)
		if err != nil {
			return err
		}
		delete(c.watches, w.id)
		ob.push(w.client, EventMonitorWatchEnded, watchEnded{WatchID: w.id, Reason: watchEndCancelled})
		return nil
	})
}

func (c *Center) ownWatchLocked(cl Client, id WatchID) (*watch, error) {
	if !cl.Identity().HasRole(auth.RoleSupervisor) {
		return nil, refuse(ErrForbiddenRole, "only supervisors monitor conversations")
	}
	w := c.watches[id]
	if w == nil || w.client != cl {
		return nil, ErrWatchNotFound
	}
	return w, nil
}

// Watches lists the caller's pending watches, oldest first.
func (c *Center) Watches(cl Client) ([]WatchView, error) {
	if !cl.Identity().HasRole(auth.RoleSupervisor) {
		return nil, refuse(ErrForbiddenRole, "only supervisors monitor conversations")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	out := []WatchView{}
	for _, w := range c.sortedWatchesLocked(func(w *watch) bool { return w.client == cl }) {
		out = append(out, w.view())
	}
	return out, nil
}

func (c *Center) sortedWatchesLocked(keep func(*watch) bool) []*watch {
	var out []*watch
	for _, w := range c.watches {
		if keep(w) {
			out = append(out, w)
		}
	}
	slices.SortFunc(out, func(a, b *watch) int {
		if d := a.createdAt.Compare(b.createdAt); d != 0 {
			return d
		}
		return strings.Compare(string(a.id), string(b.id))
	})
	return out
}

// fireWatchesLocked starts the watches on the agent of conv, which just
// became active: each watching supervisor joins in Listen if every check of
// monitor.start passes, or is told why not. Called at the end of the
// operation that made conv active, before its views are published, so the
// customer's frames are the same whether anyone watches or not.
func (c *Center) fireWatchesLocked(ob *outbox, conv *Conversation) {
	ag := conv.agent()
	if ag == nil || conv.state != ConvActive {
		return
	}
	for _, w := range c.sortedWatchesLocked(func(w *watch) bool { return w.agent == ag.user }) {
		c.fireWatchLocked(ob, conv, w)
		if w.scope == WatchNext {
			delete(c.watches, w.id)
			ob.push(w.client, EventMonitorWatchEnded, watchEnded{WatchID: w.id, Reason: watchEndUsed})
			ob.journal(audit(c.watchEventLocked(w, conv, AuditMonitorWatchEnd, map[string]any{"watch_id": w.id, "reason": watchEndUsed})))
		}
	}
}

func (c *Center) fireWatchLocked(ob *outbox, conv *Conversation, w *watch) {
	ident := w.client.Identity()
	err := func() error {
		if keyOf(ident) != w.sup {
			return ErrForbiddenRole // the session now belongs to someone else
		}
		_, err := c.checkMonitorLocked(ident, conv.id)
		return err
	}()
	now := c.now()
	var sup *participant
	if err == nil {
		sup = &participant{
			id: PartyID(uuid.NewString()), user: keyOf(ident), name: ident.Name, teams: slices.Clone(ident.Teams),
			role: PartySupervisor, mode: ModeListen, reason: w.reason, client: w.client, joinedAt: now, modeSince: now,
		}
		err = c.changeLocked(ob, conv, func() { conv.parties = append(conv.parties, sup) })
	}
	if err != nil {
		code, msg := "internal", err.Error()
		if e, ok := err.(*Error); ok {
			code, msg = e.Code, e.Message
		}
		ob.push(w.client, EventMonitorWatchRefused, watchRefused{WatchID: w.id, ConversationID: conv.id, Code: code, Message: msg})
		ob.journal(audit(c.watchEventLocked(w, conv, AuditMonitorWatchRefused, map[string]any{"watch_id": w.id, "code": code})))
		c.log.Info("watch refused", "conversation", conv.id, "supervisor", w.sup.user, "code", code)
		return
	}
	ob.journal(audit(c.partyEventLocked(conv, sup, AuditMonitorStart, map[string]any{
		"reason": w.reason, "channel": conv.channel.String(), "mode": ModeListen.String(), "watch_id": w.id,
	})))
	voice := conv.channel == ChannelVoice
	if voice {
		cid, pid := conv.id, sup.id
		sup.connectTimer = time.AfterFunc(c.policy.WatchConnectTimeout, func() { c.connectExpired(cid, pid) })
	}
	ob.push(w.client, EventMonitorWatchStarted, watchStarted{
		WatchID: w.id, Conversation: SupervisorView{FloorConversation: conv.floorView(), Mode: sup.mode}, Connect: voice,
	})
	c.log.Info("monitor started by watch", "conversation", conv.id, "supervisor", w.sup.user, "watch", w.id)
}

// watchEventLocked is the audit event of something that happened to w.
func (c *Center) watchEventLocked(w *watch, conv *Conversation, action AuditAction, details map[string]any) store.AuditEvent {
	return c.eventLocked(auditFact{
		actor: w.sup, name: w.supName, role: PartySupervisor.String(), conv: conv, agent: w.agent.user,
		action: action, details: details,
	})
}

// endWatchesLocked ends the watches of session cl that keep says to end.
// told is false when the session is gone and cannot be told.
func (c *Center) endWatchesLocked(ob *outbox, cl Client, reason string, told bool, end func(*watch) bool) {
	for _, w := range c.sortedWatchesLocked(func(w *watch) bool { return w.client == cl && end(w) }) {
		delete(c.watches, w.id)
		if told {
			ob.push(w.client, EventMonitorWatchEnded, watchEnded{WatchID: w.id, Reason: reason})
		}
		ob.journal(audit(c.watchEventLocked(w, nil, AuditMonitorWatchEnd, map[string]any{"watch_id": w.id, "reason": reason})))
	}
}

// recheckWatchesLocked ends the watches of a session whose identity
// changed and no longer allows them (F16).
func (c *Center) recheckWatchesLocked(ob *outbox, cl Client, updated auth.Identity) {
	c.endWatchesLocked(ob, cl, watchEndRevoked, true, func(w *watch) bool {
		if !updated.HasRole(auth.RoleSupervisor) || keyOf(updated) != w.sup {
			return true
		}
		a := c.agents[w.agent]
		return a == nil || !sharesTeam(a.teams, updated.Teams)
	})
}

// ConnectParams attaches the voice leg of a monitoring session a watch
// started.
type ConnectParams struct {
	ConversationID ConversationID
	Offer          string
}

// ConnectMonitor negotiates the voice leg of the caller's monitoring session
// that a watch started without one, and routes it by the hear-matrix.
func (c *Center) ConnectMonitor(ctx context.Context, cl Client, p ConnectParams) (string, error) {
	c.mu.Lock()
	conv, sup, err := c.connectCheckLocked(cl, p)
	var g MediaGroup
	if err == nil {
		g = conv.group
	}
	c.mu.Unlock()
	if err != nil {
		return "", err
	}
	leg, err := c.addLeg(ctx, conv.id, g, media.LegID(sup.id), p.Offer)
	if err != nil {
		return "", err
	}
	err = c.do(func(ob *outbox) error {
		conv2, sup2, err := c.connectCheckLocked(cl, p)
		if err != nil {
			return err
		}
		if conv2 != conv || sup2 != sup {
			return ErrNotMonitoring
		}
		if conv.group != g {
			return refuse(ErrBadState, "the conversation's media moved while negotiating: connect again")
		}
		if legDead(leg) {
			return ErrMediaFailed
		}
		sup.leg = leg
		if err := c.syncMediaLocked(conv); err != nil {
			sup.leg = nil
			return err
		}
		sup.stopConnectTimer()
		return nil
	})
	if err != nil {
		_ = g.RemoveLeg(leg.ID())
		return "", err
	}
	return answerOf(leg), nil
}

func (c *Center) connectCheckLocked(cl Client, p ConnectParams) (*Conversation, *participant, error) {
	conv, sup, err := c.monitorPartyLocked(cl, p.ConversationID)
	if err != nil {
		return nil, nil, err
	}
	if conv.channel != ChannelVoice {
		return nil, nil, refuse(ErrBadState, "a chat has no voice leg to connect")
	}
	if sup.leg != nil {
		return nil, nil, refuse(ErrBadState, "your voice leg is already connected")
	}
	if p.Offer == "" {
		return nil, nil, ErrOfferRequired
	}
	return conv, sup, nil
}

// connectExpired ends a watch-started voice monitoring session whose
// supervisor did not connect a leg in time: it would hold the
// silent-monitor place without anyone listening.
func (c *Center) connectExpired(cid ConversationID, pid PartyID) {
	_ = c.do(func(ob *outbox) error {
		conv := c.conversations[cid]
		if conv == nil {
			return nil
		}
		p := conv.party(pid)
		if p == nil || p.role != PartySupervisor || p.leg != nil {
			return nil
		}
		c.monitorEndLocked(ob, conv, p, EndNotConnected)
		return nil
	})
}

func (p *participant) stopConnectTimer() {
	if p.connectTimer != nil {
		p.connectTimer.Stop()
		p.connectTimer = nil
	}
}
