package callcenter

import (
	"time"

	"github.com/earshot/earshot/auth"
)

// Mirror is told the routing-relevant state of every live conversation after
// each operation that changed it, and when it ends. A cluster keeps these
// records where other nodes can read them (cluster/), so that a node can
// route to a conversation it does not host and, later, rebuild one whose
// node died. The domain only defines what it hands over: it never imports
// the infrastructure that stores it.
//
// Calls come in operation order, outside the state lock, once per operation
// and only when the record changed. They must not block and must not call
// back into the Center.
type Mirror interface {
	// ConversationChanged gives the conversation's state as it stands.
	ConversationChanged(ConversationSnapshot)
	// ConversationEnded says the conversation is over.
	ConversationEnded(ConversationID)
}

// ConversationSnapshot is what another node needs of a live conversation:
// who takes part in which role, each supervisor's mode, hold and mute. It is
// enough to rebuild the conversation with the same parties and supervisors
// in the same mode (a Listen supervisor must never come back audible).
// Chat transcripts are not in it: they are in the shared store.
type ConversationSnapshot struct {
	ID          ConversationID `json:"id"`
	Tenant      auth.TenantID  `json:"tenant"`
	Channel     Channel        `json:"channel"`
	State       ConvState      `json:"state"`
	Queue       string         `json:"queue"`
	Team        auth.TeamID    `json:"team"`
	Outbound    bool           `json:"outbound"`
	Transferred bool           `json:"transferred"`
	Held        bool           `json:"held"`
	// PCIPaused: no supervisor may hear the customer (a payment is taken).
	PCIPaused  bool       `json:"pci_paused,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	AnsweredAt *time.Time `json:"answered_at,omitempty"`
	// OfferedTo is the agent the conversation is being offered to (state
	// offered).
	OfferedTo auth.UserID `json:"offered_to,omitempty"`
	// Parties are the customer, the agent and the monitoring supervisors,
	// in the order they joined.
	Parties []PartySnapshot `json:"parties"`
}

// PartySnapshot is one party of a ConversationSnapshot.
type PartySnapshot struct {
	PartyID PartyID       `json:"party_id"`
	UserID  auth.UserID   `json:"user_id"`
	Name    string        `json:"name"`
	Teams   []auth.TeamID `json:"teams"`
	Role    PartyRole     `json:"role"`
	// Session is the signaling session the party's events go to.
	Session  string    `json:"session,omitempty"`
	Muted    bool      `json:"muted"`
	TalkBack bool      `json:"talk_back"`
	JoinedAt time.Time `json:"joined_at"`
	// Mode, ModeSince and Reason are set for supervisors only.
	Mode      Mode       `json:"mode,omitempty"`
	ModeSince *time.Time `json:"mode_since,omitempty"`
	Reason    string     `json:"reason,omitempty"`
}

// mirrorSnapshot is conv as a Mirror gets it.
func (conv *Conversation) mirrorSnapshot() ConversationSnapshot {
	s := ConversationSnapshot{
		ID: conv.id, Tenant: conv.tenant, Channel: conv.channel, State: conv.state, Queue: conv.queue.Name,
		Team: conv.queue.Team, Outbound: conv.outbound, Transferred: conv.transferred, Held: conv.held,
		PCIPaused: conv.pci != nil, CreatedAt: conv.createdAt, Parties: make([]PartySnapshot, 0, len(conv.parties)),
	}
	if !conv.answeredAt.IsZero() {
		t := conv.answeredAt
		s.AnsweredAt = &t
	}
	if conv.offeredTo != nil {
		s.OfferedTo = conv.offeredTo.key.user
	}
	for _, p := range conv.parties {
		ps := PartySnapshot{
			PartyID: p.id, UserID: p.user.user, Name: p.name, Teams: append([]auth.TeamID{}, p.teams...),
			Role: p.role, Muted: p.muted, TalkBack: p.talkBack, JoinedAt: p.joinedAt,
		}
		if p.client != nil {
			ps.Session = p.client.ID()
		}
		if p.role == PartySupervisor {
			since := p.modeSince
			ps.Mode, ps.ModeSince, ps.Reason = p.mode, &since, p.reason
		}
		s.Parties = append(s.Parties, ps)
	}
	return s
}

// mirrorUpdate is one call to the Mirror, queued in the outbox.
type mirrorUpdate struct {
	changed *ConversationSnapshot // nil: ended
	ended   ConversationID
}

// mirrorLocked queues for the Mirror each touched conversation whose
// snapshot changed since it was last handed over, and the end of each
// touched conversation that ended. It runs with flushLocked.
func (c *Center) mirrorLocked(ob *outbox) {
	if c.mirror == nil {
		return
	}
	for _, conv := range ob.convs {
		if conv.state == ConvEnded {
			if conv.mirrored != "" {
				conv.mirrored = ""
				ob.mirror = append(ob.mirror, mirrorUpdate{ended: conv.id})
			}
			continue
		}
		s := conv.mirrorSnapshot()
		if k := viewKey(s); k != conv.mirrored {
			conv.mirrored = k
			ob.mirror = append(ob.mirror, mirrorUpdate{changed: &s})
		}
	}
}

// deliverMirror hands the queued updates to the Mirror. The caller holds
// outMu, so updates arrive in operation order.
func (c *Center) deliverMirror(ob *outbox) {
	for _, u := range ob.mirror {
		if u.changed != nil {
			c.mirror.ConversationChanged(*u.changed)
		} else {
			c.mirror.ConversationEnded(u.ended)
		}
	}
}
