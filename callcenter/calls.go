package callcenter

import (
	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/store"
)

// partyGoneLocked handles a party that is gone for good (its leg dropped or
// its session ended): a customer ends the conversation, an agent leaving
// sends the customer back to the queue, a supervisor just stops monitoring.
func (c *Center) partyGoneLocked(ob *outbox, conv *Conversation, p *participant, reason EndReason) {
	switch p.role {
	case PartyCustomer:
		c.endLocked(ob, conv, reason)
	case PartyAgent:
		c.agentLeftLocked(ob, conv, p, reason)
		// An agent whose media or session died is not offered the next
		// call (it would be the same broken desk): Not Ready until it says so.
		if a := c.agents[p.user]; a != nil && a.available {
			a.available = false
			a.since = c.now()
			c.agentChangedLocked(ob, a)
		}
		if conv.state != ConvEnded {
			c.requeueLocked(ob, conv)
		}
	default:
		c.monitorEndLocked(ob, conv, p, reason)
	}
}

// agentLeftLocked removes the conversation's agent. Monitoring ends with the
// primary agent (BRIEF.md); the caller decides what happens to the customer.
func (c *Center) agentLeftLocked(ob *outbox, conv *Conversation, ag *participant, reason EndReason) {
	c.releaseAgentLocked(ob, conv, ag, reason)
	for _, s := range conv.supervisors() {
		c.monitorEndLocked(ob, conv, s, reason)
	}
	conv.held = false
	if err := c.syncMediaLocked(conv); err != nil {
		c.log.Error("sync after agent left", "conversation", conv.id, "err", err)
	}
}

// releaseAgentLocked takes the agent out of the conversation and tells it
// and the customer; routes are the caller's to re-sync.
func (c *Center) releaseAgentLocked(ob *outbox, conv *Conversation, ag *participant, reason EndReason) {
	c.partyLeftLocked(ob, conv, ag, reason)
	c.removeLegLocked(ob, conv, ag)
	conv.removeParty(ag.id)
	ob.push(ag.client, EventConversationEnded, endedEvent{ConversationID: conv.id, Reason: reason.String()})
	c.freeAgentLocked(ob, conv, ag.user)
	if cust := conv.customer(); cust != nil {
		ob.push(cust.client, EventParticipantLeft, PersonView{Name: ag.name, Role: PartyAgent})
	}
}

// freeAgentLocked makes the agent of user available for routing again.
func (c *Center) freeAgentLocked(ob *outbox, conv *Conversation, user userKey) {
	if a := c.agents[user]; a != nil && a.conv == conv {
		a.conv = nil
		a.idleSince = c.now()
		a.since = a.idleSince
		c.agentChangedLocked(ob, a)
	}
}

// endLocked ends a conversation for everyone and releases all its resources.
func (c *Center) endLocked(ob *outbox, conv *Conversation, reason EndReason) {
	if conv.state == ConvEnded {
		return
	}
	conv.state = ConvEnded
	c.publishLocked(ob, conv) // flushLocked tells the Mirror it ended
	c.conversationEndedLocked(ob, conv, reason)
	conv.stopOfferTimer()
	conv.stopPCITimer()
	if a := conv.offeredTo; a != nil {
		conv.offeredTo = nil
		a.conv = nil
		a.idleSince = c.now()
		ob.push(a.client, EventConversationEnded, endedEvent{ConversationID: conv.id, Reason: reasonOfferWithdrawn})
		c.agentChangedLocked(ob, a)
	}
	for _, p := range conv.parties {
		if p.role == PartySupervisor {
			ob.push(p.client, EventMonitorEnded, endedEvent{ConversationID: conv.id, Reason: EndConversationEnded.String()})
		} else {
			ob.push(p.client, EventConversationEnded, endedEvent{ConversationID: conv.id, Reason: reason.String()})
		}
		if p.role == PartyAgent {
			c.freeAgentLocked(ob, conv, p.user)
		}
		p.leg = nil
	}
	c.stopRecordingLocked(ob, conv, "conversation_ended") // before the group closes
	if g := conv.group; g != nil {
		ob.after(g.Close)
	}
	delete(c.conversations, conv.id)
	if cust := conv.customer(); cust != nil && c.customers[cust.user] == conv {
		delete(c.customers, cust.user)
	}
	if d := conv.dialed; d != nil {
		if c.customers[d.key] == conv {
			delete(c.customers, d.key)
		}
		conv.dialed = nil
	}
	for sid := range conv.floorSent {
		if s := c.supervisors[sid]; s != nil {
			ob.push(s, EventFloorConversationRemoved, endedEvent{ConversationID: conv.id, Reason: reason.String()})
		}
	}
	c.log.Info("conversation ended", "conversation", conv.id, "reason", reason)
	c.dispatchLocked(ob)
}

// End ends the conversation; customers and agents may do it.
func (c *Center) End(cl Client, id ConversationID) error {
	return c.do(func(ob *outbox) error {
		conv, p, err := c.partyLocked(cl, id)
		if err != nil {
			return err
		}
		switch p.role {
		case PartyCustomer:
			c.endLocked(ob, conv, EndCustomerHungUp)
		case PartyAgent:
			c.endLocked(ob, conv, EndAgentHungUp)
		default:
			return refuse(ErrForbiddenRole, "supervisors leave a conversation; they do not end it")
		}
		return nil
	})
}

// partyLocked finds the caller's party in a conversation of its tenant.
func (c *Center) partyLocked(cl Client, id ConversationID) (*Conversation, *participant, error) {
	ident := cl.Identity()
	conv, err := c.conversationForLocked(ident, id)
	if err != nil {
		return nil, nil, err
	}
	p := conv.partyOfUser(keyOf(ident))
	if p == nil || p.client != cl {
		return nil, nil, ErrNotParticipant
	}
	return conv, p, nil
}

// agentPartyLocked is partyLocked for operations only the conversation's
// agent may do.
func (c *Center) agentPartyLocked(cl Client, id ConversationID) (*Conversation, *participant, error) {
	conv, p, err := c.partyLocked(cl, id)
	if err != nil {
		return nil, nil, err
	}
	if p.role != PartyAgent {
		return nil, nil, refuse(ErrForbiddenRole, "only the conversation's agent can do this")
	}
	return conv, p, nil
}

// changeLocked applies a change to what the hear-matrix sees, re-routes the
// media, and rolls the change back if the media plane refuses it.
func (c *Center) changeLocked(ob *outbox, conv *Conversation, mutate func()) error {
	snap := conv.snapshot()
	mutate()
	if conv.countMode(ModeWhisper) == 0 {
		if a := conv.agent(); a != nil {
			a.talkBack = false // nobody left to talk back to
		}
	}
	if err := c.syncMediaLocked(conv); err != nil {
		conv.restore(snap)
		return err
	}
	c.publishLocked(ob, conv)
	return nil
}

// Hold puts the customer on hold (on=true) or resumes. A held customer hears
// nobody and is heard by nobody, supervisors included.
func (c *Center) Hold(cl Client, id ConversationID, on bool) error {
	return c.do(func(ob *outbox) error {
		conv, _, err := c.agentPartyLocked(cl, id)
		if err != nil {
			return err
		}
		if conv.held == on {
			return nil
		}
		return c.changeLocked(ob, conv, func() { conv.held = on })
	})
}

// Mute mutes the caller's own audio. For a supervisor it is the Listen (mute)
// and Barge (unmute) shortcut of the seed vendors.
func (c *Center) Mute(cl Client, id ConversationID, on bool) (any, error) {
	var view any
	err := c.audited(id, func() (store.Batch, error) {
		conv, p, err := c.partyLocked(cl, id)
		if err != nil || p.role != PartySupervisor {
			return store.Batch{}, err // only a supervisor's mute is a mode switch
		}
		mode := ModeBarge
		if on {
			mode = ModeListen
		}
		return c.modeEventLocked(conv, p, mode)
	}, func(ob *outbox) error {
		conv, p, err := c.partyLocked(cl, id)
		if err != nil {
			return err
		}
		if p.role == PartySupervisor {
			mode := ModeBarge
			if on {
				mode = ModeListen
			}
			if err := c.setModeLocked(ob, conv, p, mode); err != nil {
				return err
			}
		} else if p.muted != on {
			if err := c.changeLocked(ob, conv, func() { p.muted = on }); err != nil {
				return err
			}
		}
		view = conv.viewFor(p, c.policy)
		return nil
	})
	return view, err
}

// TalkBack lets a coached agent speak to the whispering supervisors only,
// while the key is held (on) — the customer stops hearing the agent.
func (c *Center) TalkBack(cl Client, id ConversationID, on bool) error {
	return c.do(func(ob *outbox) error {
		conv, p, err := c.agentPartyLocked(cl, id)
		if err != nil {
			return err
		}
		if on && conv.countMode(ModeWhisper) == 0 {
			return ErrNotCoached
		}
		if p.talkBack == on {
			return nil
		}
		return c.changeLocked(ob, conv, func() { p.talkBack = on })
	})
}

// TransferParams is a blind transfer to another agent.
type TransferParams struct {
	ConversationID ConversationID
	ToAgent        auth.UserID
}

// Transfer hands the conversation to another Ready agent of the tenant who
// shares a team with the transferring party (any team if
// Policy.TransferAnyTeam; see TransferTargets). The
// current agent is released at once (blind transfer); a barged-in supervisor
// may transfer too, and leaves with it.
func (c *Center) Transfer(cl Client, p TransferParams) error {
	return c.audited(p.ConversationID, func() (store.Batch, error) {
		conv, me, target, err := c.transferCheckLocked(cl, p)
		if err != nil {
			return store.Batch{}, err
		}
		var from auth.UserID
		if cur := conv.agent(); cur != nil {
			from = cur.user.user
		}
		return audit(c.partyEventLocked(conv, me, AuditConversationTransfer, map[string]any{"to_agent": target.key.user, "from_agent": from})), nil
	}, func(ob *outbox) error {
		conv, me, target, err := c.transferCheckLocked(cl, p)
		if err != nil {
			return err
		}
		cur := conv.agent()
		c.journalTransferLocked(ob, conv, me, cur, target)
		if cur != nil {
			c.agentLeftLocked(ob, conv, cur, EndTransferred)
		}
		conv.transferred = true
		c.log.Info("conversation transferred", "conversation", conv.id, "to", target.key.user)
		c.offerLocked(ob, conv, target)
		return nil
	})
}

// transferCheckLocked validates a transfer and finds its target.
func (c *Center) transferCheckLocked(cl Client, p TransferParams) (*Conversation, *participant, *agentRec, error) {
	conv, me, err := c.partyLocked(cl, p.ConversationID)
	if err != nil {
		return nil, nil, nil, err
	}
	switch {
	case me.role == PartySupervisor && me.mode != ModeBarge:
		return nil, nil, nil, refuse(ErrNotAllowedInMode, "a supervisor must barge in to transfer")
	case me.role == PartyCustomer:
		return nil, nil, nil, refuse(ErrForbiddenRole, "customers cannot transfer")
	}
	if conv.state != ConvActive {
		return nil, nil, nil, refuse(ErrBadState, "only an answered conversation can be transferred")
	}
	target := c.agents[userKey{tenant: conv.tenant, user: p.ToAgent}]
	if target == nil {
		return nil, nil, nil, ErrAgentNotFound
	}
	cur := conv.agent()
	if cur != nil && cur.user == target.key {
		return nil, nil, nil, refuse(ErrAgentUnavailable, "the conversation is already with that agent")
	}
	if !c.transferAllowedLocked(me, target) {
		return nil, nil, nil, refuse(ErrTransferOtherTeam, "%s is in none of your teams", target.name)
	}
	if target.client == nil || !target.available || target.conv != nil {
		return nil, nil, nil, refuse(ErrAgentUnavailable, "%s is %s", target.name, target.state())
	}
	return conv, me, target, nil
}
