package callcenter

import (
	"slices"
	"sort"

	"github.com/earshot/earshot/auth"
)

// A cluster node that takes over a tenant whose node was lost rebuilds the
// tenant's live conversations from their last snapshots (the Mirror's
// records) and the tenant's sessions (adopted by signaling). Everything a
// snapshot holds comes back as it was — parties, roles, each supervisor's
// mode (a Listen supervisor comes back silent), hold, mute, talk-back, the
// PCI pause — and each voice conversation gets a new media group: every
// party is asked to re-offer when its session resumes (Adopted). What no
// snapshot holds is lost and said so in docs/cluster.md: help requests,
// pending watches, agents' Ready choice (they come back Not Ready) and the
// recording (a new one starts if the policy records the call).

// reasonHomeNodeLost is why a conversation was restored / re-offered.
const reasonHomeNodeLost = "home_node_lost"

// RestoreResult says what Restore did.
type RestoreResult struct {
	// Restored are the conversations rebuilt; Dropped those that could not
	// be (their customer's session was not adopted).
	Restored, Dropped int
}

// Restore rebuilds conversations from snapshots of a lost node. session
// gives the adopted session of an id (nil if it was not adopted). A
// conversation already live here is left alone.
func (c *Center) Restore(snaps []ConversationSnapshot, from string, session func(id string) Client) RestoreResult {
	var res RestoreResult
	sort.Slice(snaps, func(i, j int) bool { return snaps[i].CreatedAt.Before(snaps[j].CreatedAt) })
	_ = c.do(func(ob *outbox) error {
		for _, s := range snaps {
			if c.closed || c.conversations[s.ID] != nil || s.State == ConvEnded {
				continue
			}
			if c.restoreLocked(ob, s, from, session) {
				res.Restored++
			} else {
				res.Dropped++
			}
		}
		c.dispatchLocked(ob)
		return nil
	})
	return res
}

// restoreLocked rebuilds one conversation; false if it cannot be.
func (c *Center) restoreLocked(ob *outbox, s ConversationSnapshot, from string, session func(string) Client) bool {
	q, ok := c.queueFor(s.Tenant, s.Queue)
	if !ok {
		q = QueueConfig{Name: s.Queue, Team: s.Team, Tenant: s.Tenant}
	}
	conv := &Conversation{
		id: s.ID, tenant: s.Tenant, channel: s.Channel, queue: q, outbound: s.Outbound,
		transferred: s.Transferred, state: s.State, held: s.Held, createdAt: s.CreatedAt,
	}
	if s.AnsweredAt != nil {
		conv.answeredAt = *s.AnsweredAt
	}
	var cust, agent *participant
	for _, ps := range s.Parties {
		cl := session(ps.Session)
		if cl == nil {
			continue // its session is gone: so is the party
		}
		p := &participant{
			id: ps.PartyID, user: userKey{tenant: s.Tenant, user: ps.UserID}, name: ps.Name,
			teams: slices.Clone(ps.Teams), role: ps.Role, muted: ps.Muted, talkBack: ps.TalkBack,
			reason: ps.Reason, client: cl, joinedAt: ps.JoinedAt,
		}
		if ps.Role == PartySupervisor {
			p.mode = ps.Mode
			if ps.ModeSince != nil {
				p.modeSince = *ps.ModeSince
			}
		}
		switch ps.Role {
		case PartyCustomer:
			cust = p
		case PartyAgent:
			agent = p
		}
		conv.parties = append(conv.parties, p)
	}
	if cust == nil {
		return false // nobody to talk to: the conversation is over
	}
	if agent == nil {
		// Without its agent (offered, or the agent's session is gone) the
		// conversation waits in the queue again; supervisors leave.
		conv.parties = []*participant{cust}
		if conv.state != ConvQueued {
			conv.state = ConvQueued
		}
	}
	if s.PCIPaused && agent != nil {
		conv.pciSeq++
		conv.pci = &pciPause{since: c.now(), seq: conv.pciSeq, role: PartyAgent, by: agent.user, name: agent.name}
	}
	if conv.channel == ChannelVoice {
		if err := c.newGroup(conv); err != nil {
			c.log.Error("restore: no media group", "conversation", conv.id, "err", err)
			return false
		}
	}
	c.conversations[conv.id] = conv
	c.customers[cust.user] = conv
	c.customerClients[cust.user] = cust.client
	if conv.state == ConvQueued {
		c.enqueueSeq++
		conv.enqueuedSeq = c.enqueueSeq
	}
	if agent != nil {
		a := c.agents[agent.user]
		if a == nil {
			now := c.now()
			a = &agentRec{key: agent.user, since: now, idleSince: now}
			c.agents[agent.user] = a
		}
		a.client, a.name, a.teams, a.conv, a.available = agent.client, agent.name, slices.Clone(agent.teams), conv, false
		c.agentChangedLocked(ob, a)
	}
	c.autoRecordLocked(ob, conv)
	roles := make([]string, 0, len(conv.parties))
	for _, p := range conv.parties {
		roles = append(roles, p.role.String())
	}
	ob.journal(audit(c.systemEventLocked(conv.tenant, conv, "", AuditConversationRestored, map[string]any{
		"reason": reasonHomeNodeLost, "from_node": from, "parties": roles,
	})))
	c.publishLocked(ob, conv)
	c.log.Warn("conversation restored", "conversation", conv.id, "from", from, "parties", len(conv.parties))
	return true
}

// Adopted brings a session adopted from a lost node back into the domain
// once its client resumed: it is registered as at its first connection,
// and pushed what it needs to carry on — its own view of every conversation
// it takes part in, a media.reoffer for each voice leg it had, and (for a
// supervisor) the whole floor.
func (c *Center) Adopted(cl Client) {
	id := cl.Identity()
	_ = c.do(func(ob *outbox) error {
		if c.closed {
			return nil
		}
		if id.HasRole(auth.RoleAgent) {
			c.attachAgentLocked(ob, cl, id)
		}
		if id.HasRole(auth.RoleSupervisor) {
			c.supervisors[cl.ID()] = cl
		}
		if id.HasRole(auth.RoleCustomer) {
			c.customerClients[keyOf(id)] = cl
		}
		for _, conv := range c.conversations {
			delete(conv.floorSent, cl.ID())
			for _, p := range conv.parties {
				if p.client != cl {
					continue
				}
				p.lastView = "" // sent again in full
				if conv.channel == ChannelVoice && p.leg == nil {
					ob.push(cl, EventMediaReoffer, reofferEvent{ConversationID: conv.id, Reason: reasonHomeNodeLost})
				}
			}
			ob.touch(conv)
		}
		return nil
	})
}

// Live reports whether a conversation is live here (a takeover deletes the
// records of those it could not restore).
func (c *Center) Live(id ConversationID) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.conversations[id] != nil
}
