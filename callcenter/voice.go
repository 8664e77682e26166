package callcenter

import (
	"context"
	"errors"
	"strings"

	"github.com/pion/webrtc/v4"

	"github.com/earshot/earshot/media"
)

// addLeg negotiates a voice leg of party id in group g. It is called without
// the state lock: ICE gathering takes milliseconds that other conversations
// must not wait for. A party's first leg is named after the party; a leg
// negotiated again (Reoffer) gets a new name, so that the end of the leg it
// replaces is never taken for the end of the new one.
func (c *Center) addLeg(ctx context.Context, cid ConversationID, g MediaGroup, legID media.LegID, offer string) (MediaLeg, error) {
	leg, err := g.AddLeg(ctx, media.LegParams{
		ID:       legID,
		Offer:    offer,
		OnClosed: func(id media.LegID, _ error) { c.legClosed(cid, id) },
	})
	if err != nil {
		if errors.Is(err, media.ErrBadOffer) {
			// Keep media's precise reason, not its internal leg id.
			msg := err.Error()
			if i := strings.Index(msg, media.ErrBadOffer.Error()); i >= 0 {
				msg = msg[i:]
			}
			return nil, refuse(ErrBadOffer, "%s", msg)
		}
		c.log.Warn("media leg failed", "conversation", cid, "leg", legID, "err", err)
		return nil, ErrMediaFailed
	}
	return leg, nil
}

// openFirstLeg gives a new voice conversation its media group and the leg of
// the party that opens it. The leg is returned for use after unlocking: once
// the party is published, p.leg belongs to the lock. Chat needs neither.
func (c *Center) openFirstLeg(ctx context.Context, conv *Conversation, p *participant, offer string) (MediaLeg, error) {
	if conv.channel != ChannelVoice {
		return nil, nil
	}
	if err := c.newGroup(conv); err != nil {
		return nil, err
	}
	leg, err := c.joinLeg(ctx, conv, p, offer)
	if err != nil {
		conv.group.Close()
	}
	return leg, err
}

// joinLeg negotiates the leg of party p joining a voice conversation, without
// the state lock; chat needs none. Like openFirstLeg it returns the leg for
// use after unlocking (see answerOf and discardLeg).
func (c *Center) joinLeg(ctx context.Context, conv *Conversation, p *participant, offer string) (MediaLeg, error) {
	if conv.channel != ChannelVoice {
		return nil, nil
	}
	leg, err := c.addLeg(ctx, conv.id, conv.group, media.LegID(p.id), offer)
	if err != nil {
		return nil, err
	}
	p.leg = leg
	return leg, nil
}

// discardLeg closes a leg negotiated for a join the domain then refused.
func discardLeg(conv *Conversation, leg MediaLeg) {
	if leg != nil {
		_ = conv.group.RemoveLeg(leg.ID())
	}
}

// answerOf is the SDP answer to return for a leg; "" for chat.
func answerOf(leg MediaLeg) string {
	if leg == nil {
		return ""
	}
	return leg.Answer()
}

// legDead reports whether a leg negotiated outside the lock has already
// ended: its OnClosed found no party to remove, so the caller must refuse.
func legDead(leg MediaLeg) bool {
	if leg == nil {
		return false
	}
	select {
	case <-leg.Done():
		return true
	default:
		return false
	}
}

// syncMediaLocked makes the media plane route exactly what the hear-matrix
// allows. It is the only place routes are set. On error nothing changed in
// the media plane and the caller rolls its state change back.
func (c *Center) syncMediaLocked(conv *Conversation) error {
	if conv.group == nil {
		return nil
	}
	pairs := HearMatrix(conv.hearState())
	routes := make([]media.Route, 0, len(pairs))
	for _, pr := range pairs {
		l, s := conv.party(pr.Listener), conv.party(pr.Speaker)
		if l == nil || s == nil || l.leg == nil || s.leg == nil {
			continue
		}
		routes = append(routes, media.Route{Listener: l.leg.ID(), Speaker: s.leg.ID()})
	}
	if err := conv.group.SetRoutes(routes); err != nil {
		if errors.Is(err, media.ErrTooManySpeakers) {
			return ErrConferenceFull
		}
		c.log.Error("set routes", "conversation", conv.id, "err", err)
		return ErrMediaFailed
	}
	c.noteRecordingLocked(conv)
	return nil
}

// legClosed is media's report that a leg ended (ICE failure, the browser
// closing, a connect timeout). Its party is gone; legs the domain closed or
// replaced itself are no longer any party's and are ignored.
func (c *Center) legClosed(cid ConversationID, id media.LegID) {
	_ = c.do(func(ob *outbox) error {
		conv := c.conversations[cid]
		if conv == nil {
			return nil
		}
		var p *participant
		for _, q := range conv.parties {
			if q.leg != nil && q.leg.ID() == id {
				p = q
			}
		}
		if p == nil {
			return nil
		}
		c.log.Info("leg dropped", "conversation", cid, "leg", id, "role", p.role)
		p.leg = nil // already closed by media
		c.partyGoneLocked(ob, conv, p, droppedReason(p.role))
		c.dispatchLocked(ob)
		return nil
	})
}

// removeLegLocked detaches a party's leg, if it has one, and closes it once
// the state lock is released (closing a PeerConnection waits on its
// goroutines). The caller re-syncs routes, which no longer name the leg.
func (c *Center) removeLegLocked(ob *outbox, conv *Conversation, p *participant) {
	if p.leg == nil || conv.group == nil {
		return
	}
	g, id, cid := conv.group, p.leg.ID(), conv.id
	p.leg = nil
	ob.after(func() {
		if err := g.RemoveLeg(id); err != nil {
			c.log.Debug("remove leg", "conversation", cid, "leg", id, "err", err)
		}
	})
}

// ICECandidate is a trickled ICE candidate from a client, as in the browser's
// RTCIceCandidateInit.
type ICECandidate struct {
	Candidate        string  `json:"candidate"`
	SDPMid           *string `json:"sdpMid,omitempty"`
	SDPMLineIndex    *uint16 `json:"sdpMLineIndex,omitempty"`
	UsernameFragment *string `json:"usernameFragment,omitempty"`
}

// AddICECandidate adds a candidate the caller's browser trickled for its leg
// in a conversation. (The server's own answer carries all its candidates.)
func (c *Center) AddICECandidate(cl Client, id ConversationID, cand ICECandidate) error {
	c.mu.Lock()
	_, p, err := c.partyLocked(cl, id)
	var leg MediaLeg
	if err == nil {
		leg = p.leg
	}
	c.mu.Unlock()
	if err != nil {
		return err
	}
	if leg == nil {
		return refuse(ErrBadState, "you have no voice leg in this conversation")
	}
	if err := leg.AddICECandidate(webrtc.ICECandidateInit{Candidate: cand.Candidate, SDPMid: cand.SDPMid, SDPMLineIndex: cand.SDPMLineIndex, UsernameFragment: cand.UsernameFragment}); err != nil {
		return refuse(ErrBadRequest, "bad ICE candidate")
	}
	return nil
}
