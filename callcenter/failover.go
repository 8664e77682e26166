package callcenter

import (
	"context"
	"fmt"
	"strings"

	"github.com/earshot/earshot/media"
)

// EventMediaReoffer asks a party to negotiate its voice leg again (a new
// offer through Reoffer): the node that carried the conversation's media is
// gone. Its data names the conversation and why.
const EventMediaReoffer = "media.reoffer"

// reofferEvent is the data of EventMediaReoffer.
type reofferEvent struct {
	ConversationID ConversationID `json:"conversation_id"`
	Reason         string         `json:"reason"`
}

// reasonMediaNodeLost is why a party is asked to re-offer after a failover.
const reasonMediaNodeLost = "media_node_lost"

// newGroup gives conv a media group from the media plane. conv is not
// published yet, or the state lock is held.
func (c *Center) newGroup(conv *Conversation) error {
	conv.groupGen++
	cid, gen := conv.id, conv.groupGen
	g, err := c.media.NewGroup(string(cid), func() { c.groupLost(cid, gen) })
	if err != nil {
		c.log.Warn("media group failed", "conversation", cid, "err", err)
		return ErrMediaFailed
	}
	conv.group = g
	return nil
}

// groupLost is the media plane's report that the node carrying a
// conversation's media is gone. The conversation itself is intact here (its
// parties, modes, hold, monitors): it gets a new group, each party with a
// leg is asked to re-offer, and the routes follow the hear-matrix as the legs
// come back — a leg is silent and deaf until routed, so a Listen supervisor
// can never come back audible. The failover is audited.
func (c *Center) groupLost(cid ConversationID, gen int) {
	_ = c.do(func(ob *outbox) error {
		conv := c.conversations[cid]
		if conv == nil || conv.groupGen != gen || conv.state == ConvEnded {
			return nil
		}
		var asked []string
		for _, p := range conv.parties {
			if p.leg != nil {
				p.leg = nil // gone with its node; nothing to close
				asked = append(asked, p.role.String())
				ob.push(p.client, EventMediaReoffer, reofferEvent{ConversationID: cid, Reason: reasonMediaNodeLost})
			}
		}
		// A recording ends with its media node (what was written stays on
		// the node's storage, described as far as it can be) and a new one
		// starts on the new group, as the policy or the request had it.
		recording := conv.recording != nil
		c.stopRecordingLocked(ob, conv, reasonMediaNodeLost)
		excluded := conv.customerUnrecorded
		if err := c.newGroup(conv); err != nil {
			c.log.Error("media failover: no new group", "conversation", cid, "err", err)
			c.endLocked(ob, conv, EndMediaLost)
			return nil
		}
		if recording {
			b, err := c.startRecordingLocked(conv, nil)
			if err != nil {
				c.log.Error("media failover: recording not restarted", "conversation", cid, "err", err)
			}
			ob.journal(b)
			conv.customerUnrecorded = excluded // applied to the customer's new leg as it joins
		}
		ob.journal(audit(c.systemEventLocked(conv.tenant, conv, "", AuditMediaFailover, map[string]any{
			"reason": reasonMediaNodeLost, "legs": asked,
		})))
		c.log.Warn("media failover", "conversation", cid, "legs", len(asked))
		ob.touch(conv)
		return nil
	})
}

// partyOfLeg is the party a leg belongs to: a party's first leg is named
// after it, a leg negotiated again is "<party>~<n>" (Reoffer).
func partyOfLeg(id media.LegID) PartyID {
	party, _, _ := strings.Cut(string(id), "~")
	return PartyID(party)
}

// ReofferResult is the answer to a re-negotiated leg.
type ReofferResult struct {
	Answer string `json:"answer"`
}

// Reoffer negotiates the caller's voice leg in a conversation again: after
// a media failover (EventMediaReoffer), or when the client's network
// changed. The new leg replaces the old one (if any) once it is negotiated;
// its routes are the hear-matrix's, exactly as before.
func (c *Center) Reoffer(ctx context.Context, cl Client, id ConversationID, offer string) (ReofferResult, error) {
	if offer == "" {
		return ReofferResult{}, ErrOfferRequired
	}
	c.mu.Lock()
	conv, p, err := c.partyLocked(cl, id)
	var g MediaGroup
	var legID media.LegID
	if err == nil {
		if conv.channel != ChannelVoice || conv.group == nil {
			err = refuse(ErrBadState, "this conversation has no voice")
		} else {
			g = conv.group
			p.legSeq++
			legID = media.LegID(fmt.Sprintf("%s~%d", p.id, p.legSeq))
		}
	}
	c.mu.Unlock()
	if err != nil {
		return ReofferResult{}, err
	}
	leg, err := c.addLeg(ctx, conv.id, g, legID, offer)
	if err != nil {
		return ReofferResult{}, err
	}
	err = c.do(func(ob *outbox) error {
		if c.conversations[id] != conv || conv.party(p.id) != p {
			return refuse(ErrNotParticipant, "you are no longer in this conversation")
		}
		if conv.group != g {
			return refuse(ErrBadState, "the conversation's media moved while negotiating: offer again")
		}
		if legDead(leg) {
			return ErrMediaFailed
		}
		old := p.leg
		p.leg = leg
		if err := c.syncMediaLocked(conv); err != nil {
			p.leg = old
			return err
		}
		if p.role == PartyCustomer && conv.customerUnrecorded {
			// Left out of the recording (a PCI pause) on its new leg too.
			if err := g.ExcludeFromRecording(leg.ID(), true); err != nil {
				c.log.Error("re-offer: exclude from recording", "conversation", id, "err", err)
			}
		}
		if old != nil {
			oldID := old.ID()
			ob.after(func() { _ = g.RemoveLeg(oldID) })
		}
		c.log.Info("leg re-negotiated", "conversation", id, "party", p.id, "role", p.role)
		return nil
	})
	if err != nil {
		_ = g.RemoveLeg(leg.ID())
		return ReofferResult{}, err
	}
	return ReofferResult{Answer: leg.Answer()}, nil
}
