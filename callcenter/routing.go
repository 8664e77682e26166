package callcenter

import (
	"context"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/earshot/earshot/auth"
)

// StartParams is a customer's request to be connected.
type StartParams struct {
	Queue   string
	Channel Channel
	// Offer is the customer's SDP offer; required for voice.
	Offer string
}

// StartResult is what the customer gets back.
type StartResult struct {
	View   CustomerView
	Answer string // SDP answer for voice
}

// StartConversation puts a customer's new conversation into a queue and
// routes it to the longest-idle Ready agent of the queue's team, if any.
func (c *Center) StartConversation(ctx context.Context, cl Client, p StartParams) (StartResult, error) {
	id := cl.Identity()
	if !id.HasRole(auth.RoleCustomer) {
		return StartResult{}, refuse(ErrForbiddenRole, "only customers start conversations")
	}
	if p.Channel != ChannelVoice && p.Channel != ChannelChat {
		return StartResult{}, ErrBadChannel
	}
	if p.Channel == ChannelVoice && p.Offer == "" {
		return StartResult{}, ErrOfferRequired
	}
	q, ok := c.queueFor(id.Tenant, p.Queue)
	if !ok {
		return StartResult{}, refuse(ErrQueueNotFound, "no queue named %q", p.Queue)
	}
	k := keyOf(id)
	check := func() error {
		if c.closed {
			return ErrShuttingDown
		}
		if c.customers[k] != nil {
			return ErrAlreadyInConversation
		}
		return nil
	}
	c.mu.Lock()
	err := check()
	c.mu.Unlock()
	if err != nil {
		return StartResult{}, err
	}

	conv := &Conversation{
		id: ConversationID(uuid.NewString()), tenant: id.Tenant, channel: p.Channel, queue: q,
		state: ConvQueued, createdAt: c.now(),
	}
	cust := &participant{
		id: PartyID(uuid.NewString()), user: k, name: id.Name, teams: slices.Clone(id.Teams),
		role: PartyCustomer, client: cl, joinedAt: conv.createdAt,
	}
	leg, err := c.openFirstLeg(ctx, conv, cust, p.Offer)
	if err != nil {
		return StartResult{}, err
	}
	var res StartResult
	err = c.do(func(ob *outbox) error {
		if err := check(); err != nil {
			return err
		}
		if legDead(leg) {
			return ErrMediaFailed
		}
		c.enqueueSeq++
		conv.enqueuedSeq = c.enqueueSeq
		conv.parties = []*participant{cust}
		c.conversations[conv.id] = conv
		c.customers[k] = conv
		c.log.Info("conversation queued", "conversation", conv.id, "channel", conv.channel, "queue", q.Name)
		c.publishLocked(ob, conv)
		c.dispatchLocked(ob)
		res.View = conv.customerView() // after routing: it may be offered already
		return nil
	})
	if err != nil {
		if conv.group != nil {
			conv.group.Close()
		}
		return StartResult{}, err
	}
	res.Answer = answerOf(leg)
	return res, nil
}

// dispatchLocked asks for routing once the operation's state changes are
// complete (see flushLocked), so an agent about to go offline is never
// offered a conversation halfway through an operation.
func (c *Center) dispatchLocked(ob *outbox) { ob.dispatch = true }

// dispatchNowLocked offers queued conversations, oldest first, to the
// longest-idle Ready agent of each conversation's team.
func (c *Center) dispatchNowLocked(ob *outbox) {
	if c.closed {
		return
	}
	var queued []*Conversation
	for _, conv := range c.conversations {
		if conv.state == ConvQueued {
			queued = append(queued, conv)
		}
	}
	slices.SortFunc(queued, func(a, b *Conversation) int {
		if a.enqueuedSeq < b.enqueuedSeq {
			return -1
		}
		return 1
	})
	for _, conv := range queued {
		var best *agentRec
		for _, a := range c.agents {
			if a.key.tenant != conv.tenant || !a.routable(conv.queue.Team) {
				continue
			}
			if best == nil || a.idleSince.Before(best.idleSince) ||
				(a.idleSince.Equal(best.idleSince) && a.key.user < best.key.user) {
				best = a
			}
		}
		if best != nil {
			c.offerLocked(ob, conv, best)
		}
	}
}

func (c *Center) offerLocked(ob *outbox, conv *Conversation, a *agentRec) {
	conv.state = ConvOffered
	conv.offeredTo = a
	conv.offerSeq++
	seq, id := conv.offerSeq, conv.id
	if c.policy.OfferTimeout > 0 {
		conv.offerTimer = time.AfterFunc(c.policy.OfferTimeout, func() { c.offerExpired(id, seq) })
	}
	a.conv = conv
	ob.push(a.client, EventConversationOffered, conv.agentView(c.policy))
	c.agentChangedLocked(ob, a)
	c.publishLocked(ob, conv)
}

// offerExpired re-queues a conversation its agent did not accept in time and
// sets the agent Not Ready, so that the next customer is not offered to an
// absent desk.
func (c *Center) offerExpired(id ConversationID, seq uint64) {
	_ = c.do(func(ob *outbox) error {
		conv := c.conversations[id]
		if conv == nil || conv.state != ConvOffered || conv.offerSeq != seq {
			return nil
		}
		a := conv.offeredTo
		c.requeueLocked(ob, conv)
		if a != nil {
			a.available = false
			a.since = c.now()
			c.agentChangedLocked(ob, a)
		}
		c.dispatchLocked(ob)
		return nil
	})
}

// requeueLocked puts a conversation back at its old place in the queue.
func (c *Center) requeueLocked(ob *outbox, conv *Conversation) {
	conv.stopOfferTimer()
	if a := conv.offeredTo; a != nil {
		conv.offeredTo = nil
		a.conv = nil
		a.idleSince = c.now()
		ob.push(a.client, EventConversationEnded, endedEvent{ConversationID: conv.id, Reason: reasonOfferWithdrawn})
		c.agentChangedLocked(ob, a)
	}
	conv.state = ConvQueued
	c.publishLocked(ob, conv)
}

// endedEvent is the payload of conversation.ended and monitor.ended.
type endedEvent struct {
	ConversationID ConversationID `json:"conversation_id"`
	Reason         string         `json:"reason"`
}

// reasonOfferWithdrawn ends an offer that was not (or no longer) accepted.
const reasonOfferWithdrawn = "offer_withdrawn"

// AcceptParams is an agent's acceptance of an offered conversation.
type AcceptParams struct {
	ConversationID ConversationID
	Offer          string // the agent's SDP offer; required for voice
}

// AcceptResult is what the agent gets back.
type AcceptResult struct {
	View   AgentView
	Answer string
}

// Accept connects the agent to the conversation offered to it.
func (c *Center) Accept(ctx context.Context, cl Client, p AcceptParams) (AcceptResult, error) {
	var (
		conv *Conversation
		a    *agentRec
		seq  uint64
	)
	c.mu.Lock()
	err := func() error {
		var err error
		if a, err = c.agentOfLocked(cl); err != nil {
			return err
		}
		conv = c.conversations[p.ConversationID]
		if conv == nil || conv.tenant != a.key.tenant {
			return ErrConversationNotFound
		}
		if conv.state != ConvOffered || conv.offeredTo != a {
			return ErrNotOffered
		}
		if conv.channel == ChannelVoice && p.Offer == "" {
			return ErrOfferRequired
		}
		seq = conv.offerSeq
		return nil
	}()
	c.mu.Unlock()
	if err != nil {
		return AcceptResult{}, err
	}
	id := cl.Identity()
	ag := &participant{
		id: PartyID(uuid.NewString()), user: a.key, name: id.Name, teams: slices.Clone(id.Teams),
		role: PartyAgent, client: cl, joinedAt: c.now(),
	}
	leg, err := c.joinLeg(ctx, conv, ag, p.Offer)
	if err != nil {
		return AcceptResult{}, err
	}
	var res AcceptResult
	err = c.do(func(ob *outbox) error {
		if conv.state != ConvOffered || conv.offeredTo != a || conv.offerSeq != seq || c.closed {
			return ErrNotOffered
		}
		if legDead(leg) {
			return ErrMediaFailed
		}
		conv.stopOfferTimer()
		conv.offeredTo = nil
		conv.parties = append(conv.parties, ag)
		conv.state = ConvActive
		if conv.answeredAt.IsZero() {
			conv.answeredAt = ag.joinedAt
		}
		if err := c.syncMediaLocked(conv); err != nil {
			// Two parties always fit; this is a media fault, not a policy.
			conv.removeParty(ag.id)
			conv.state, conv.offeredTo = ConvOffered, a
			return err
		}
		c.autoRecordLocked(ob, conv)
		c.log.Info("conversation accepted", "conversation", conv.id, "agent", a.key.user)
		ob.push(conv.customer().client, EventParticipantJoined, PersonView{Name: ag.name, Role: PartyAgent})
		c.publishLocked(ob, conv)
		c.agentChangedLocked(ob, a)
		c.fireWatchesLocked(ob, conv)
		res.View = conv.agentView(c.policy)
		return nil
	})
	if err != nil {
		discardLeg(conv, leg)
		return AcceptResult{}, err
	}
	res.Answer = answerOf(leg)
	return res, nil
}

// Decline hands an offered conversation back to the queue; the agent becomes
// Not Ready so it is not offered the same conversation again at once.
//
// A customer declines an outbound conversation the same way; it ends.
func (c *Center) Decline(cl Client, id ConversationID) error {
	return c.do(func(ob *outbox) error {
		if ident := cl.Identity(); ident.HasRole(auth.RoleCustomer) && !ident.HasRole(auth.RoleAgent) {
			return c.declineDialLocked(ob, cl, id)
		}
		a, err := c.agentOfLocked(cl)
		if err != nil {
			return err
		}
		conv := c.conversations[id]
		if conv == nil || conv.tenant != a.key.tenant {
			return ErrConversationNotFound
		}
		if conv.state != ConvOffered || conv.offeredTo != a {
			return ErrNotOffered
		}
		c.requeueLocked(ob, conv)
		a.available = false
		a.since = c.now()
		c.agentChangedLocked(ob, a)
		c.dispatchLocked(ob)
		return nil
	})
}

// conversationForLocked finds a conversation the caller's tenant may see.
func (c *Center) conversationForLocked(id auth.Identity, cid ConversationID) (*Conversation, error) {
	conv := c.conversations[cid]
	if conv == nil || conv.tenant != id.Tenant {
		return nil, ErrConversationNotFound
	}
	return conv, nil
}
