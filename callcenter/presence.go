package callcenter

import (
	"slices"
	"time"

	"github.com/earshot/earshot/auth"
)

// agentRec is an agent as routing sees it. Guarded by Center.mu.
type agentRec struct {
	key       userKey
	name      string
	teams     []auth.TeamID
	client    Client // nil while offline
	available bool   // the agent chose Ready
	since     time.Time
	idleSince time.Time
	conv      *Conversation // offered or active
	lastSent  string        // JSON of the last AgentInfo pushed
	mirrored  string        // JSON of the last AgentSnapshot mirrored
}

func (a *agentRec) state() AgentState {
	switch {
	case a.client == nil:
		return AgentOffline
	case a.conv != nil:
		return AgentBusy
	case a.available:
		return AgentReady
	}
	return AgentNotReady
}

func (a *agentRec) info() AgentInfo {
	v := AgentInfo{UserID: a.key.user, Name: a.name, State: a.state(), Teams: a.teams, Since: a.since}
	if a.conv != nil {
		v.ConversationID = a.conv.id
	}
	return v
}

// routable reports whether the agent can be offered a conversation of team.
func (a *agentRec) routable(team auth.TeamID) bool {
	return a.client != nil && a.available && a.conv == nil && slices.Contains(a.teams, team)
}

// Connect registers a new session. Agents appear on the floor as Not Ready;
// supervisors start receiving the floor feed.
func (c *Center) Connect(cl Client) error {
	id := cl.Identity()
	return c.do(func(ob *outbox) error {
		if c.closed {
			return ErrShuttingDown
		}
		c.registerLocked(ob, cl, id)
		return nil
	})
}

// registerLocked makes a session known by its roles: an agent's desk, a
// supervisor's floor feed, a customer's reachability for outbound calls.
func (c *Center) registerLocked(ob *outbox, cl Client, id auth.Identity) {
	if id.HasRole(auth.RoleAgent) {
		c.attachAgentLocked(ob, cl, id)
	}
	if id.HasRole(auth.RoleSupervisor) {
		c.supervisors[cl.ID()] = cl
	}
	if id.HasRole(auth.RoleCustomer) {
		c.customerClients[keyOf(id)] = cl
	}
}

func (c *Center) attachAgentLocked(ob *outbox, cl Client, id auth.Identity) {
	k := keyOf(id)
	a := c.agents[k]
	now := c.now()
	if a == nil {
		a = &agentRec{key: k, since: now, idleSince: now}
		c.agents[k] = a
	}
	// A newer session of the same agent takes over the desk, and is told
	// its state even if nothing else changed. The older session is told it
	// was signed in elsewhere and ends, rather than lingering as a desk that
	// silently no longer works (and a tab that would fight back by
	// reconnecting).
	if old := a.client; old != nil && old != cl {
		if s, ok := old.(Supersedable); ok {
			ob.after(s.Superseded)
		}
		c.log.Info("agent signed in elsewhere", "agent", k.user, "old_session", old.ID(), "session", cl.ID())
	}
	a.client, a.name, a.teams, a.lastSent = cl, id.Name, teamsOf(id), ""
	if a.conv != nil {
		if p := a.conv.partyOfUser(k); p != nil {
			p.client = cl
		}
	}
	c.agentChangedLocked(ob, a)
}

// Disconnect is called when a session has ended for good: clean when the
// client closed it (logout), otherwise its resume grace expired. Whatever
// the session took part in ends.
func (c *Center) Disconnect(cl Client, clean bool) {
	_ = c.do(func(ob *outbox) error {
		delete(c.supervisors, cl.ID())
		c.endWatchesLocked(ob, cl, watchEndSessionEnd, false, func(*watch) bool { return true })
		if k := keyOf(cl.Identity()); c.customerClients[k] == cl {
			delete(c.customerClients, k)
		}
		for _, conv := range c.conversations {
			if d := conv.dialed; d != nil && d.client == cl {
				c.endDialLocked(ob, conv, reasonCustomerDeclined)
				continue
			}
			for _, p := range slices.Clone(conv.parties) {
				if p.client == cl {
					reason := droppedReason(p.role)
					if clean {
						reason = leftReason(p.role)
					}
					c.partyGoneLocked(ob, conv, p, reason)
				}
			}
			if conv.offeredTo != nil && conv.offeredTo.client == cl {
				c.requeueLocked(ob, conv)
			}
		}
		k := keyOf(cl.Identity())
		if a := c.agents[k]; a != nil && a.client == cl {
			a.client, a.available, a.since = nil, false, c.now()
			c.agentChangedLocked(ob, a)
		}
		c.dispatchLocked(ob)
		return nil
	})
}

// leftReason is why a party's part ended when it left on purpose.
func leftReason(r PartyRole) EndReason {
	switch r {
	case PartyCustomer:
		return EndCustomerHungUp
	case PartyAgent:
		return EndAgentLeft
	}
	return EndLeft
}

func droppedReason(r PartyRole) EndReason {
	switch r {
	case PartyCustomer:
		return EndCustomerDropped
	case PartyAgent:
		return EndAgentDropped
	}
	return EndSupervisorDropped
}

// SetAgentState sets an agent's chosen availability. While in a conversation
// the agent stays Busy; the choice applies when the conversation ends.
func (c *Center) SetAgentState(cl Client, s AgentState) (AgentInfo, error) {
	var info AgentInfo
	err := c.do(func(ob *outbox) error {
		a, err := c.agentOfLocked(cl)
		if err != nil {
			return err
		}
		if s != AgentReady && s != AgentNotReady {
			return ErrBadAgentState
		}
		if want := s == AgentReady; want != a.available {
			a.available = want
			a.since = c.now()
			if want && a.conv == nil {
				a.idleSince = a.since
			}
			c.agentChangedLocked(ob, a)
			c.dispatchLocked(ob)
		}
		info = a.info()
		return nil
	})
	return info, err
}

func (c *Center) agentOfLocked(cl Client) (*agentRec, error) {
	id := cl.Identity()
	if !id.HasRole(auth.RoleAgent) {
		return nil, refuse(ErrForbiddenRole, "only agents can do this")
	}
	a := c.agents[keyOf(id)]
	if a == nil || a.client != cl {
		return nil, refuse(ErrForbiddenRole, "this session is not the agent's active desk")
	}
	return a, nil
}

// Agents lists the agents a supervisor may see: those sharing a team.
func (c *Center) Agents(cl Client) ([]AgentInfo, error) {
	id := cl.Identity()
	if !id.HasRole(auth.RoleSupervisor) {
		return nil, refuse(ErrForbiddenRole, "only supervisors see the agents list")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	out := []AgentInfo{}
	for _, a := range c.agents {
		if a.key.tenant == id.Tenant && sharesTeam(a.teams, id.Teams) {
			out = append(out, a.info())
		}
	}
	slices.SortFunc(out, func(x, y AgentInfo) int {
		if x.Name != y.Name {
			if x.Name < y.Name {
				return -1
			}
			return 1
		}
		if x.UserID < y.UserID {
			return -1
		}
		return 1
	})
	return out, nil
}

// agentChangedLocked marks the agent changed; see flushLocked.
func (c *Center) agentChangedLocked(ob *outbox, a *agentRec) { ob.touchAgent(a) }

// agentNowLocked tells the agent and the supervisors who may see it, if its
// state changed since they were last told.
func (c *Center) agentNowLocked(ob *outbox, a *agentRec) {
	info := a.info()
	k := viewKey(info)
	if k == a.lastSent {
		return
	}
	a.lastSent = k
	ob.push(a.client, EventAgentState, info)
	for _, s := range c.supervisors {
		id := s.Identity()
		if id.Tenant == a.key.tenant && sharesTeam(a.teams, id.Teams) {
			ob.push(s, EventFloorAgent, info)
		}
	}
}

func sharesTeam(a, b []auth.TeamID) bool {
	for _, t := range a {
		if slices.Contains(b, t) {
			return true
		}
	}
	return false
}

// teamsOf copies an identity's teams, never nil (lists serialise as []).
func teamsOf(id auth.Identity) []auth.TeamID {
	return append([]auth.TeamID{}, id.Teams...)
}
