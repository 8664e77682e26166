package callcenter

import (
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/media"
	"github.com/earshot/earshot/store"
)

// A cluster node that takes over a tenant whose node was lost rebuilds the
// tenant's live conversations from their last snapshots (the Mirror's
// records) and the tenant's sessions (adopted by signaling). Everything a
// snapshot holds comes back as it was — parties, roles, each supervisor's
// mode (a Listen supervisor comes back silent), hold, mute, talk-back, the
// PCI pause. A voice conversation whose media group still runs on a
// surviving node keeps it (MediaAdopter): its audio never stopped, and only
// a party without a live leg there re-offers; one whose group died with the
// lost node gets a new group, and every party re-offers when its session
// resumes (Adopted). Agents come back with their Ready choice at their
// desks (AgentSnapshot), chats with their stored transcripts. What no
// record holds is lost and said so in docs/cluster.md: help requests,
// pending watches, and the recording (a new one starts if the policy
// records the call).

// reasonHomeNodeLost is why a conversation was restored / re-offered.
const reasonHomeNodeLost = "home_node_lost"

// RestoreResult says what Restore did.
type RestoreResult struct {
	// Restored are the conversations rebuilt; Dropped those that could not
	// be (their customer's session was not adopted).
	Restored, Dropped int
	// MediaKept counts the voice legs taken over with their media group:
	// their audio never stopped.
	MediaKept int
}

// RestoreParams is what a lost node recorded of a tenant.
type RestoreParams struct {
	// Snapshots are the tenant's live conversations; Agents its agents'
	// states and desks (AgentMirror).
	Snapshots []ConversationSnapshot
	Agents    []AgentSnapshot
	// Transcripts are the conversations' chat messages as stored.
	Transcripts map[ConversationID][]store.MessageRecord
	// From names the lost node (for the audit trail).
	From string
	// Session gives the adopted session of an id, nil if it was not
	// adopted.
	Session func(id string) Client
}

// Restore rebuilds conversations and agents from what a lost node
// recorded. A conversation already live here is left alone.
func (c *Center) Restore(p RestoreParams) RestoreResult {
	var res RestoreResult
	snaps, from, session := slices.Clone(p.Snapshots), p.From, p.Session
	sort.Slice(snaps, func(i, j int) bool { return snaps[i].CreatedAt.Before(snaps[j].CreatedAt) })
	adopted := c.adoptGroups(snaps) // over the network: before the lock
	_ = c.do(func(ob *outbox) error {
		for _, s := range snaps {
			if c.closed || c.conversations[s.ID] != nil || s.State == ConvEnded {
				continue
			}
			if c.restoreLocked(ob, s, from, session, adopted[s.ID], p.Transcripts[s.ID]) {
				res.Restored++
				if a := adopted[s.ID]; a != nil {
					res.MediaKept += len(a.taken)
				}
			} else {
				res.Dropped++
			}
		}
		// Groups of conversations not restored, and legs of parties that
		// did not come back, are closed.
		for _, a := range adopted {
			if a == nil {
				continue
			}
			if !a.used {
				ob.after(a.g.Close)
				continue
			}
			for id := range a.legs {
				if !a.taken[id] {
					g, lid := a.g, id
					ob.after(func() { _ = g.RemoveLeg(lid) })
				}
			}
		}
		for _, a := range p.Agents {
			c.restoreAgentLocked(ob, a, session)
		}
		c.dispatchLocked(ob)
		return nil
	})
	return res
}

// restoreAgentLocked brings an agent back as it was — its Ready choice, at
// its desk — if that desk's session was adopted.
func (c *Center) restoreAgentLocked(ob *outbox, s AgentSnapshot, session func(string) Client) {
	cl := session(s.Desk)
	if cl == nil {
		return // offline, or its session is gone: it will sign in again
	}
	k := userKey{tenant: s.Tenant, user: s.UserID}
	a := c.agents[k]
	if a == nil {
		a = &agentRec{key: k}
		c.agents[k] = a
	}
	a.client, a.name, a.teams, a.available = cl, s.Name, slices.Clone(s.Teams), s.Available
	if a.conv == nil {
		a.since, a.idleSince = s.Since, s.IdleSince
	}
	c.agentChangedLocked(ob, a)
}

// restoredMessages rebuilds a transcript from the store's records, and the
// threads' last numbers.
func restoredMessages(conv *Conversation, recs []store.MessageRecord) {
	sort.Slice(recs, func(i, j int) bool { return recs[i].At.Before(recs[j].At) })
	for _, r := range recs {
		kind, err := ParseMessageKind(r.Kind)
		if err != nil {
			continue
		}
		var role PartyRole
		_ = role.UnmarshalText([]byte(r.FromRole))
		m := ChatMessage{
			ID: r.ID, ConversationID: conv.id, Seq: uint64(r.Seq), Kind: kind.String(),
			From: PersonView{Name: r.FromName, Role: role}, Text: r.Text, At: r.At, kind: kind,
		}
		conv.messages = append(conv.messages, m)
		if m.Seq > conv.threadSeq[kind] {
			conv.threadSeq[kind] = m.Seq
		}
	}
}

// adoptedGroup is a conversation's media group taken over from a lost
// node's domain, with its live legs.
type adoptedGroup struct {
	g     MediaGroup
	legs  map[media.LegID]MediaLeg
	taken map[media.LegID]bool // legs given back to their parties
	used  bool
}

// adoptGroups takes over, where the media plane can (a cluster's), the
// media groups the snapshots name: their calls go on forwarding, and only
// parties without a live leg there re-offer. A group that cannot be
// adopted (its node is gone too) is replaced by a new one in restoreLocked.
func (c *Center) adoptGroups(snaps []ConversationSnapshot) map[ConversationID]*adoptedGroup {
	out := map[ConversationID]*adoptedGroup{}
	ad, ok := c.media.(MediaAdopter)
	if !ok {
		return out
	}
	for _, s := range snaps {
		if s.Channel != ChannelVoice || s.MediaNode == "" || s.State == ConvEnded || c.Live(s.ID) {
			continue
		}
		cid := s.ID
		g, legs, err := ad.AdoptGroup(string(cid), s.MediaNode, func() { c.groupLost(cid, 1) },
			func(id media.LegID, _ error) { c.legClosed(cid, id) }, func(id media.LegID, d rune) { c.legDigit(cid, id, d) })
		if err != nil {
			c.log.Info("restore: media not adopted; the parties re-offer", "conversation", cid, "node", s.MediaNode, "err", err)
			continue
		}
		out[cid] = &adoptedGroup{g: g, legs: legs, taken: map[media.LegID]bool{}}
	}
	return out
}

// legSeqOf is the sequence number in a re-negotiated leg's id ("<party>~n"),
// 0 for a party's first leg.
func legSeqOf(id media.LegID) int {
	_, n, ok := strings.Cut(string(id), "~")
	if !ok {
		return 0
	}
	v, err := strconv.Atoi(n)
	if err != nil {
		return 0
	}
	return v
}

// restoreLocked rebuilds one conversation; false if it cannot be.
func (c *Center) restoreLocked(ob *outbox, s ConversationSnapshot, from string, session func(string) Client, adopted *adoptedGroup, transcript []store.MessageRecord) bool {
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
		if adopted != nil {
			conv.group, conv.groupGen = adopted.g, 1 // the generation adoptGroups' onLost names
			adopted.used = true
			for _, p := range conv.parties {
				if l := adopted.legs[snapLeg(s, p.id)]; l != nil && !legDead(l) {
					p.leg, p.legSeq = l, legSeqOf(l.ID())
					adopted.taken[l.ID()] = true
				}
			}
			if err := c.syncMediaLocked(conv); err != nil {
				c.log.Error("restore: routes of the adopted media", "conversation", conv.id, "err", err)
			}
		} else if err := c.newGroup(conv); err != nil {
			c.log.Error("restore: no media group", "conversation", conv.id, "err", err)
			return false
		}
	}
	restoredMessages(conv, transcript)
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
		c.registerLocked(ob, cl, id)
		supervisor := id.HasRole(auth.RoleSupervisor)
		// Only what this session needs: a whole tenant's sessions resume at
		// once after a takeover, and republishing every conversation for
		// each of them would cost sessions × conversations views.
		for _, conv := range c.conversations {
			mine := false
			for _, p := range conv.parties {
				if p.client != cl {
					continue
				}
				mine = true
				p.lastView = "" // sent again in full
				if conv.channel == ChannelVoice && p.leg == nil {
					ob.push(cl, EventMediaReoffer, reofferEvent{ConversationID: conv.id, Reason: reasonHomeNodeLost})
				}
			}
			if mine {
				ob.touch(conv)
			}
			if supervisor && conv.state != ConvEnded && c.floorVisible(id, conv) {
				row := conv.floorView()
				if conv.floorSent == nil {
					conv.floorSent = make(map[string]string)
				}
				conv.floorSent[cl.ID()] = viewKey(row)
				ob.push(cl, EventFloorConversation, row)
			}
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

// snapLeg is the leg the snapshot names for party id.
func snapLeg(s ConversationSnapshot, id PartyID) media.LegID {
	for _, ps := range s.Parties {
		if ps.PartyID == id {
			return ps.Leg
		}
	}
	return ""
}
