package callcenter

import (
	"context"
	"slices"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/store"
)

// maxReasonBytes bounds the free-text reason given for monitoring.
const maxReasonBytes = 500

// MonitorParams starts a supervisor's monitoring session.
type MonitorParams struct {
	ConversationID ConversationID
	// Reason is why the supervisor monitors; kept for the audit trail.
	Reason string
	// Offer is the supervisor's SDP offer; required for voice.
	Offer string
}

// MonitorResult is what the supervisor gets back.
type MonitorResult struct {
	View   SupervisorView
	Answer string
}

// Monitor starts silent monitoring (Listen) of a conversation, after every
// policy check. A refusal changes nothing.
func (c *Center) Monitor(ctx context.Context, cl Client, p MonitorParams) (MonitorResult, error) {
	id := cl.Identity()
	if len(p.Reason) > maxReasonBytes || !utf8.ValidString(p.Reason) {
		return MonitorResult{}, refuse(ErrBadRequest, "the reason must be valid UTF-8 of at most %d bytes", maxReasonBytes)
	}
	c.mu.Lock()
	conv, err := c.checkMonitorLocked(id, p.ConversationID)
	if err == nil && conv.channel == ChannelVoice && p.Offer == "" {
		err = ErrOfferRequired
	}
	c.mu.Unlock()
	if err != nil {
		return MonitorResult{}, err
	}
	now := c.now()
	sup := &participant{
		id: PartyID(uuid.NewString()), user: keyOf(id), name: id.Name, teams: slices.Clone(id.Teams),
		role: PartySupervisor, mode: ModeListen, reason: p.Reason, client: cl, joinedAt: now, modeSince: now,
	}
	leg, err := c.joinLeg(ctx, conv, sup, p.Offer)
	if err != nil {
		return MonitorResult{}, err
	}
	var res MonitorResult
	err = c.audited(p.ConversationID, func() (store.Batch, error) {
		// The world may have moved while the leg was negotiated: check again.
		if _, err := c.checkMonitorLocked(id, p.ConversationID); err != nil {
			return store.Batch{}, err
		}
		if legDead(leg) {
			return store.Batch{}, ErrMediaFailed
		}
		return audit(c.partyEventLocked(conv, sup, AuditMonitorStart, map[string]any{
			"reason": p.Reason, "channel": conv.channel.String(), "mode": ModeListen.String(),
		})), nil
	}, func(ob *outbox) error {
		if _, err := c.checkMonitorLocked(id, p.ConversationID); err != nil {
			return err
		}
		if legDead(leg) {
			return ErrMediaFailed
		}
		if err := c.changeLocked(ob, conv, func() { conv.parties = append(conv.parties, sup) }); err != nil {
			return err
		}
		c.log.Info("monitor started", "conversation", conv.id, "supervisor", id.Subject)
		res.View = SupervisorView{FloorConversation: conv.floorView(), Mode: sup.mode}
		return nil
	})
	if err != nil {
		discardLeg(conv, leg)
		return MonitorResult{}, err
	}
	res.Answer = answerOf(leg)
	return res, nil
}

// checkMonitorLocked applies every monitoring policy to a supervisor about to
// join conversation cid.
func (c *Center) checkMonitorLocked(id auth.Identity, cid ConversationID) (*Conversation, error) {
	if c.closed {
		return nil, ErrShuttingDown
	}
	if !id.HasRole(auth.RoleSupervisor) {
		return nil, refuse(ErrForbiddenRole, "only supervisors monitor conversations")
	}
	conv, err := c.conversationForLocked(id, cid)
	if err != nil {
		return nil, err
	}
	if p := conv.partyOfUser(keyOf(id)); p != nil {
		if p.role == PartySupervisor {
			return nil, ErrAlreadyMonitoring
		}
		return nil, ErrSelfMonitoring
	}
	ag := conv.agent()
	if conv.state != ConvActive || ag == nil {
		return nil, ErrConversationInactive
	}
	if !sharesTeam(ag.teams, id.Teams) {
		return nil, refuse(ErrOtherTeam, "%s is not in one of your teams", ag.name)
	}
	if conv.outbound && !c.policy.MonitorOutbound {
		return nil, refuse(ErrPolicyForbidden, "monitoring outbound conversations is disabled")
	}
	if conv.transferred && !c.policy.MonitorTransferred {
		return nil, refuse(ErrPolicyForbidden, "monitoring transferred conversations is disabled")
	}
	if max := c.policy.MaxSilentVoiceMonitors; conv.channel == ChannelVoice && max > 0 && conv.countMode(ModeListen) >= max {
		return nil, refuse(ErrMonitorLimit, "at most %d silent monitor(s) per voice conversation", max)
	}
	if max := c.policy.MaxBargeParticipants; max > 0 && conv.countMode(ModeBarge) > 0 && len(conv.parties)+1 > max {
		return nil, refuse(ErrBargeLimit, "a barged conversation holds at most %d participants", max)
	}
	return conv, nil
}

// SetMode switches a supervisor between Listen, Whisper and Barge. It returns
// once the media plane routes by the new mode, so the acknowledgement means
// the next audio frame already follows it.
func (c *Center) SetMode(cl Client, id ConversationID, mode Mode) (SupervisorView, error) {
	var view SupervisorView
	err := c.audited(id, func() (store.Batch, error) {
		conv, p, err := c.monitorPartyLocked(cl, id)
		if err != nil {
			return store.Batch{}, err
		}
		return c.modeEventLocked(conv, p, mode)
	}, func(ob *outbox) error {
		conv, p, err := c.monitorPartyLocked(cl, id)
		if err != nil {
			return err
		}
		if err := c.setModeLocked(ob, conv, p, mode); err != nil {
			return err
		}
		view = SupervisorView{FloorConversation: conv.floorView(), Mode: p.mode}
		return nil
	})
	return view, err
}

func (c *Center) monitorPartyLocked(cl Client, id ConversationID) (*Conversation, *participant, error) {
	if !cl.Identity().HasRole(auth.RoleSupervisor) {
		return nil, nil, refuse(ErrForbiddenRole, "only supervisors monitor conversations")
	}
	conv, p, err := c.partyLocked(cl, id)
	if err != nil {
		if err == ErrNotParticipant {
			return nil, nil, ErrNotMonitoring
		}
		return nil, nil, err
	}
	if p.role != PartySupervisor {
		return nil, nil, ErrNotMonitoring
	}
	return conv, p, nil
}

// modeCheckLocked applies the policy to supervisor p switching to mode.
func (c *Center) modeCheckLocked(conv *Conversation, p *participant, mode Mode) error {
	if mode != ModeListen && mode != ModeWhisper && mode != ModeBarge {
		return ErrBadMode
	}
	if mode == p.mode {
		return nil
	}
	if max := c.policy.MaxSilentVoiceMonitors; mode == ModeListen && conv.channel == ChannelVoice && max > 0 && conv.countMode(ModeListen) >= max {
		return refuse(ErrMonitorLimit, "at most %d silent monitor(s) per voice conversation", max)
	}
	if max := c.policy.MaxBargeParticipants; mode == ModeBarge && max > 0 && len(conv.parties) > max {
		return refuse(ErrBargeLimit, "a barged conversation holds at most %d participants", max)
	}
	return nil
}

// modeEventLocked checks a mode switch and returns its audit event (none
// when the mode does not change).
func (c *Center) modeEventLocked(conv *Conversation, p *participant, mode Mode) (store.Batch, error) {
	if err := c.modeCheckLocked(conv, p, mode); err != nil || mode == p.mode {
		return store.Batch{}, err
	}
	return audit(c.partyEventLocked(conv, p, modeAction(mode), map[string]any{"from": p.mode.String()})), nil
}

func (c *Center) setModeLocked(ob *outbox, conv *Conversation, p *participant, mode Mode) error {
	if err := c.modeCheckLocked(conv, p, mode); err != nil || mode == p.mode {
		return err
	}
	old := p.mode
	if err := c.changeLocked(ob, conv, func() {
		p.mode = mode
		p.modeSince = c.now()
	}); err != nil {
		return err
	}
	c.log.Info("monitor mode", "conversation", conv.id, "supervisor", p.user.user, "from", old, "to", mode)
	switch {
	case mode == ModeBarge:
		c.tellAudibleLocked(ob, conv, EventParticipantJoined, p)
	case old == ModeBarge:
		c.tellAudibleLocked(ob, conv, EventParticipantLeft, p)
	}
	return nil
}

// tellAudibleLocked tells customer and agent that supervisor p joined or
// left audibly. Only barging is ever announced to a customer.
func (c *Center) tellAudibleLocked(ob *outbox, conv *Conversation, event string, p *participant) {
	pv := PersonView{Name: p.name, Role: PartySupervisor}
	for _, q := range conv.parties {
		if q.role == PartyCustomer || q.role == PartyAgent {
			ob.push(q.client, event, pv)
		}
	}
}

// Leave ends the supervisor's own monitoring session; the conversation goes on.
func (c *Center) Leave(cl Client, id ConversationID) error {
	return c.audited(id, func() (store.Batch, error) {
		conv, p, err := c.monitorPartyLocked(cl, id)
		if err != nil {
			return store.Batch{}, err
		}
		return audit(c.partyEventLocked(conv, p, AuditMonitorLeave, map[string]any{"mode": p.mode.String(), "mode_since": p.modeSince})), nil
	}, func(ob *outbox) error {
		conv, p, err := c.monitorPartyLocked(cl, id)
		if err != nil {
			return err
		}
		conv.journal.quietEnd = p.id // audited as monitor.leave
		c.monitorEndLocked(ob, conv, p, EndLeft)
		return nil
	})
}

// monitorEndLocked removes a supervisor from a conversation.
func (c *Center) monitorEndLocked(ob *outbox, conv *Conversation, p *participant, reason EndReason) {
	p.stopConnectTimer()
	c.partyLeftLocked(ob, conv, p, reason)
	c.removeLegLocked(ob, conv, p)
	wasBarge := p.mode == ModeBarge
	conv.removeParty(p.id)
	if conv.countMode(ModeWhisper) == 0 {
		if a := conv.agent(); a != nil {
			a.talkBack = false
		}
	}
	if err := c.syncMediaLocked(conv); err != nil {
		// Removing a speaker can only shrink every listener's set.
		c.log.Error("sync after monitor end", "conversation", conv.id, "err", err)
	}
	if wasBarge {
		c.tellAudibleLocked(ob, conv, EventParticipantLeft, p)
	}
	ob.push(p.client, EventMonitorEnded, endedEvent{ConversationID: conv.id, Reason: reason.String()})
	c.log.Info("monitor ended", "conversation", conv.id, "supervisor", p.user.user, "reason", reason)
	c.publishLocked(ob, conv)
}

// TakeOver makes the supervisor the conversation's agent; the agent is
// released. Other monitors end with the primary agent (BRIEF.md). The new
// cast is routed first, so a media refusal changes nothing.
func (c *Center) TakeOver(cl Client, id ConversationID) (AgentView, error) {
	var view AgentView
	err := c.audited(id, func() (store.Batch, error) {
		conv, p, err := c.monitorPartyLocked(cl, id)
		if err != nil {
			return store.Batch{}, err
		}
		return audit(c.partyEventLocked(conv, p, AuditMonitorTakeOver, map[string]any{"mode": p.mode.String(), "mode_since": p.modeSince})), nil
	}, func(ob *outbox) error {
		conv, p, err := c.monitorPartyLocked(cl, id)
		if err != nil {
			return err
		}
		wasBarge := p.mode == ModeBarge
		old := conv.agent()
		var others []*participant
		for _, s := range conv.supervisors() {
			if s != p {
				others = append(others, s)
			}
		}
		snap := conv.snapshot()
		conv.parties = slices.DeleteFunc(slices.Clone(conv.parties), func(q *participant) bool {
			return q == old || slices.Contains(others, q)
		})
		p.role, p.mode, p.muted, p.talkBack = PartyAgent, ModeUnknown, false, false
		if err := c.syncMediaLocked(conv); err != nil {
			conv.restore(snap)
			return err
		}
		// Routed: now tell and release the ones who left.
		if old != nil {
			c.releaseAgentLocked(ob, conv, old, EndTakenOver)
		}
		for _, s := range others {
			c.monitorEndLocked(ob, conv, s, EndTakenOver)
		}
		if !wasBarge {
			if cust := conv.customer(); cust != nil {
				ob.push(cust.client, EventParticipantJoined, PersonView{Name: p.name, Role: PartyAgent})
			}
		}
		c.publishLocked(ob, conv)
		c.log.Info("conversation taken over", "conversation", conv.id, "supervisor", p.user.user)
		view = conv.agentView(c.policy)
		return nil
	})
	return view, err
}

// Refresh re-checks a session's privileges after its token was refreshed:
// monitoring the new identity may no longer do ends at once (F16).
func (c *Center) Refresh(cl Client, old, updated auth.Identity) error {
	return c.do(func(ob *outbox) error {
		isSup := updated.HasRole(auth.RoleSupervisor)
		if isSup {
			c.supervisors[cl.ID()] = cl
		} else {
			delete(c.supervisors, cl.ID())
		}
		for _, conv := range c.conversations {
			for _, p := range slices.Clone(conv.parties) {
				if p.client != cl {
					continue
				}
				p.name, p.teams = updated.Name, slices.Clone(updated.Teams)
				if p.role != PartySupervisor {
					continue
				}
				ag := conv.agent()
				if !isSup || ag == nil || !sharesTeam(ag.teams, updated.Teams) {
					c.monitorEndLocked(ob, conv, p, EndPrivilegesRevoked)
				}
			}
		}
		c.recheckWatchesLocked(ob, cl, updated)
		k := keyOf(updated)
		a := c.agents[k]
		switch {
		case updated.HasRole(auth.RoleAgent) && (a == nil || a.client != cl):
			c.attachAgentLocked(ob, cl, updated)
		case a != nil && a.client == cl:
			a.name, a.teams = updated.Name, teamsOf(updated)
			if !updated.HasRole(auth.RoleAgent) {
				a.available = false // no new conversations; the current one may finish
			}
			c.agentChangedLocked(ob, a)
		}
		c.dispatchLocked(ob)
		return nil
	})
}
