package callcenter

import (
	"context"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/earshot/earshot/auth"
)

// EventConversationIncoming rings a customer for an outbound conversation.
const EventConversationIncoming = "conversation.incoming"

// Reasons an outbound conversation ends before it is answered.
const (
	reasonNoAnswer         = "no_answer"
	reasonCustomerDeclined = "customer_declined"
)

// dialed is the customer an outbound conversation rings. Guarded by Center.mu.
type dialed struct {
	key    userKey
	client Client
}

// DialParams is an agent's outbound conversation to a connected customer.
type DialParams struct {
	Customer auth.UserID
	Channel  Channel
	// Offer is the agent's SDP offer; required for voice.
	Offer string
}

// Dial starts an outbound conversation: the agent joins at once and the
// customer is rung (conversation.incoming) until it answers, declines, or
// the offer timeout passes. The agent is Busy meanwhile.
func (c *Center) Dial(ctx context.Context, cl Client, p DialParams) (AcceptResult, error) {
	id := cl.Identity()
	if p.Channel != ChannelVoice && p.Channel != ChannelChat {
		return AcceptResult{}, ErrBadChannel
	}
	if p.Channel == ChannelVoice && p.Offer == "" {
		return AcceptResult{}, ErrOfferRequired
	}
	ck := userKey{tenant: id.Tenant, user: p.Customer}
	var a *agentRec
	check := func() error {
		var err error
		if a, err = c.agentOfLocked(cl); err != nil {
			return err
		}
		if c.closed {
			return ErrShuttingDown
		}
		if a.conv != nil {
			return ErrAlreadyInConversation
		}
		if c.customerClients[ck] == nil {
			return refuse(ErrCustomerUnavailable, "the customer is not connected")
		}
		if c.customers[ck] != nil {
			return refuse(ErrCustomerUnavailable, "the customer is in another conversation")
		}
		return nil
	}
	c.mu.Lock()
	err := check()
	c.mu.Unlock()
	if err != nil {
		return AcceptResult{}, err
	}

	q := QueueConfig{Tenant: id.Tenant, Name: "outbound"}
	if len(id.Teams) > 0 {
		q.Team = id.Teams[0]
	}
	now := c.now()
	conv := &Conversation{
		id: ConversationID(uuid.NewString()), tenant: id.Tenant, channel: p.Channel, queue: q,
		outbound: true, state: ConvOffered, createdAt: now,
	}
	ag := &participant{
		id: PartyID(uuid.NewString()), user: keyOf(id), name: id.Name, teams: slices.Clone(id.Teams),
		role: PartyAgent, client: cl, joinedAt: now,
	}
	leg, err := c.openFirstLeg(ctx, conv, ag, p.Offer)
	if err != nil {
		return AcceptResult{}, err
	}
	var res AcceptResult
	err = c.do(func(ob *outbox) error {
		if err := check(); err != nil {
			return err
		}
		if legDead(leg) {
			return ErrMediaFailed
		}
		conv.parties = []*participant{ag}
		conv.dialed = &dialed{key: ck, client: c.customerClients[ck]}
		c.conversations[conv.id] = conv
		c.customers[ck] = conv
		a.conv = conv
		conv.offerSeq++
		if t := c.policy.OfferTimeout; t > 0 {
			seq := conv.offerSeq
			conv.offerTimer = time.AfterFunc(t, func() { c.dialExpired(conv.id, seq) })
		}
		ob.push(conv.dialed.client, EventConversationIncoming, conv.customerView())
		c.agentChangedLocked(ob, a)
		c.publishLocked(ob, conv)
		c.log.Info("outbound conversation ringing", "conversation", conv.id, "agent", a.key.user)
		res.View = conv.agentView(c.policy)
		return nil
	})
	if err != nil {
		if conv.group != nil {
			conv.group.Close()
		}
		return AcceptResult{}, err
	}
	res.Answer = answerOf(leg)
	return res, nil
}

// dialExpired ends an outbound conversation nobody answered.
func (c *Center) dialExpired(id ConversationID, seq uint64) {
	_ = c.do(func(ob *outbox) error {
		conv := c.conversations[id]
		if conv == nil || conv.dialed == nil || conv.state != ConvOffered || conv.offerSeq != seq {
			return nil
		}
		c.endDialLocked(ob, conv, reasonNoAnswer)
		return nil
	})
}

// AnswerParams is a customer's answer to an outbound conversation.
type AnswerParams struct {
	ConversationID ConversationID
	Offer          string // the customer's SDP offer; required for voice
}

// Answer connects the rung customer to its outbound conversation.
func (c *Center) Answer(ctx context.Context, cl Client, p AnswerParams) (StartResult, error) {
	id := cl.Identity()
	var (
		conv *Conversation
		seq  uint64
	)
	c.mu.Lock()
	conv, err := c.dialedLocked(cl, p.ConversationID)
	if err == nil && conv.channel == ChannelVoice && p.Offer == "" {
		err = ErrOfferRequired
	}
	if err == nil {
		seq = conv.offerSeq
	}
	c.mu.Unlock()
	if err != nil {
		return StartResult{}, err
	}
	cust := &participant{
		id: PartyID(uuid.NewString()), user: keyOf(id), name: id.Name, teams: slices.Clone(id.Teams),
		role: PartyCustomer, client: cl, joinedAt: c.now(),
	}
	leg, err := c.joinLeg(ctx, conv, cust, p.Offer)
	if err != nil {
		return StartResult{}, err
	}
	var res StartResult
	err = c.do(func(ob *outbox) error {
		if _, err := c.dialedLocked(cl, p.ConversationID); err != nil || conv.offerSeq != seq {
			return ErrNotOffered
		}
		if legDead(leg) {
			return ErrMediaFailed
		}
		conv.stopOfferTimer()
		conv.dialed = nil
		conv.parties = append(conv.parties, cust)
		conv.state = ConvActive
		conv.answeredAt = cust.joinedAt
		if err := c.syncMediaLocked(conv); err != nil {
			conv.removeParty(cust.id)
			conv.state, conv.dialed = ConvOffered, &dialed{key: cust.user, client: cl}
			return err
		}
		c.autoRecordLocked(ob, conv)
		if ag := conv.agent(); ag != nil {
			ob.push(ag.client, EventParticipantJoined, PersonView{Name: cust.name, Role: PartyCustomer})
		}
		c.publishLocked(ob, conv)
		c.fireWatchesLocked(ob, conv)
		res.View = conv.customerView()
		return nil
	})
	if err != nil {
		discardLeg(conv, leg)
		return StartResult{}, err
	}
	res.Answer = answerOf(leg)
	return res, nil
}

// dialedLocked finds the outbound conversation ringing the caller.
func (c *Center) dialedLocked(cl Client, cid ConversationID) (*Conversation, error) {
	id := cl.Identity()
	if !id.HasRole(auth.RoleCustomer) {
		return nil, refuse(ErrForbiddenRole, "only the customer answers an outbound conversation")
	}
	conv, err := c.conversationForLocked(id, cid)
	if err != nil {
		return nil, err
	}
	if conv.dialed == nil || conv.dialed.key != keyOf(id) || conv.state != ConvOffered {
		return nil, ErrNotOffered
	}
	return conv, nil
}

// declineDialLocked is a customer declining an outbound conversation.
func (c *Center) declineDialLocked(ob *outbox, cl Client, cid ConversationID) error {
	conv, err := c.dialedLocked(cl, cid)
	if err != nil {
		return err
	}
	c.endDialLocked(ob, conv, reasonCustomerDeclined)
	return nil
}

// endDialLocked ends an outbound conversation that was never answered.
func (c *Center) endDialLocked(ob *outbox, conv *Conversation, reason string) {
	if d := conv.dialed; d != nil {
		ob.push(d.client, EventConversationEnded, endedEvent{ConversationID: conv.id, Reason: reason})
	}
	c.endLocked(ob, conv, EndNotAnswered)
}
