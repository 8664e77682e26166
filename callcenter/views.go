package callcenter

import (
	"encoding/json"
	"time"

	"github.com/earshot/earshot/auth"
)

// The views below are what each role may see of a conversation. They are
// computed from the state every time and compared with what the party was
// last sent, so a change a party may not see (a supervisor starting to
// listen, say) produces no event at all for that party.

// PersonView is someone as another party sees them.
type PersonView struct {
	Name string    `json:"name"`
	Role PartyRole `json:"role"`
}

// CustomerView is a conversation as its customer sees it: the agent and
// barged-in supervisors, nothing about silent monitors or whispers.
type CustomerView struct {
	ConversationID ConversationID `json:"conversation_id"`
	Channel        Channel        `json:"channel"`
	State          ConvState      `json:"state"`
	Held           bool           `json:"held"`
	Muted          bool           `json:"muted"`
	Queue          string         `json:"queue"`
	Participants   []PersonView   `json:"participants"`
}

// AgentView is a conversation as its agent sees it.
type AgentView struct {
	ConversationID ConversationID `json:"conversation_id"`
	Channel        Channel        `json:"channel"`
	State          ConvState      `json:"state"`
	Held           bool           `json:"held"`
	Muted          bool           `json:"muted"`
	TalkBack       bool           `json:"talk_back"`
	Queue          string         `json:"queue"`
	Outbound       bool           `json:"outbound"`
	Transferred    bool           `json:"transferred"`
	Customer       *PersonView    `json:"customer,omitempty"`
	Participants   []PersonView   `json:"participants"`
	// Monitoring is "", "monitored" or "coached"; set only when the policy
	// notifies agents.
	Monitoring string `json:"monitoring,omitempty"`
	// Supervisors names the monitoring supervisors when the policy allows.
	Supervisors []string `json:"supervisors,omitempty"`
	// Recording is set while the conversation is recorded, when the
	// recording policy tells agents.
	Recording bool `json:"recording,omitempty"`
	// PCIPause is set while supervisors do not hear the customer because a
	// payment is taken (F7).
	PCIPause   *PCIPauseView `json:"pci_pause,omitempty"`
	CreatedAt  time.Time     `json:"created_at"`
	AnsweredAt *time.Time    `json:"answered_at,omitempty"`
}

// UserRef names a user.
type UserRef struct {
	UserID auth.UserID `json:"user_id"`
	Name   string      `json:"name"`
}

// MonitorView is one supervisor monitoring a conversation.
type MonitorView struct {
	UserID auth.UserID `json:"user_id"`
	Name   string      `json:"name"`
	Mode   Mode        `json:"mode"`
	Since  time.Time   `json:"since"`
	Reason string      `json:"reason,omitempty"`
}

// FloorConversation is one row of the supervisors' ongoing-conversations feed.
type FloorConversation struct {
	ConversationID ConversationID `json:"conversation_id"`
	Channel        Channel        `json:"channel"`
	State          ConvState      `json:"state"`
	Queue          string         `json:"queue"`
	Team           auth.TeamID    `json:"team"`
	Outbound       bool           `json:"outbound"`
	Transferred    bool           `json:"transferred"`
	Held           bool           `json:"held"`
	Agent          *UserRef       `json:"agent,omitempty"`
	Customer       *UserRef       `json:"customer,omitempty"`
	CreatedAt      time.Time      `json:"created_at"`
	AnsweredAt     *time.Time     `json:"answered_at,omitempty"`
	Monitors       []MonitorView  `json:"monitors"`
	// Help is the agent's active help request, if any (the floor's badge).
	Help *HelpBadge `json:"help,omitempty"`
	// Recording is set while the conversation is recorded.
	Recording bool `json:"recording,omitempty"`
	// PCIPause is set while no supervisor hears the customer ("paused
	// (PCI)" on the console).
	PCIPause *PCIPauseView `json:"pci_pause,omitempty"`
	// Health is the call's live health from audio levels (voice calls
	// once answered, when health is enabled; docs/call-health.md).
	Health *HealthView `json:"health,omitempty"`
}

// SupervisorView is a monitored conversation as one of its supervisors sees
// it: the floor row plus the supervisor's own mode.
type SupervisorView struct {
	FloorConversation
	Mode Mode `json:"mode"`
	// Timeline is the last minute of who talked (with Health).
	Timeline []PartyTimeline `json:"timeline,omitempty"`
}

// AgentInfo is one row of the supervisors' agents list.
type AgentInfo struct {
	UserID         auth.UserID    `json:"user_id"`
	Name           string         `json:"name"`
	State          AgentState     `json:"state"`
	Teams          []auth.TeamID  `json:"teams"`
	ConversationID ConversationID `json:"conversation_id,omitempty"`
	Since          time.Time      `json:"since"`
}

func (conv *Conversation) customerView() CustomerView {
	v := CustomerView{ConversationID: conv.id, Channel: conv.channel, State: conv.state, Held: conv.held, Queue: conv.queue.Name, Participants: []PersonView{}}
	if c := conv.customer(); c != nil {
		v.Muted = c.muted
	}
	for _, p := range conv.parties {
		if p.role == PartyAgent || (p.role == PartySupervisor && p.mode == ModeBarge) {
			v.Participants = append(v.Participants, PersonView{Name: p.name, Role: p.role})
		}
	}
	return v
}

func (conv *Conversation) agentView(pol Policy) AgentView {
	v := AgentView{
		ConversationID: conv.id, Channel: conv.channel, State: conv.state, Held: conv.held,
		Queue: conv.queue.Name, Outbound: conv.outbound, Transferred: conv.transferred,
		CreatedAt: conv.createdAt, Participants: []PersonView{},
	}
	if !conv.answeredAt.IsZero() {
		t := conv.answeredAt
		v.AnsweredAt = &t
	}
	if a := conv.agent(); a != nil {
		v.Muted, v.TalkBack = a.muted, a.talkBack
	}
	v.Recording = conv.recording != nil && pol.Recording.agentTold()
	v.PCIPause = conv.pciView()
	if c := conv.customer(); c != nil {
		v.Customer = &PersonView{Name: c.name, Role: PartyCustomer}
	}
	for _, p := range conv.parties {
		if p.role != PartySupervisor {
			continue
		}
		if p.mode == ModeBarge {
			v.Participants = append(v.Participants, PersonView{Name: p.name, Role: p.role})
			continue
		}
		// A whisper is heard by the agent, so "coached" reveals nothing the
		// agent's ears do not (and the talk-back key needs it); a silent
		// listener is revealed only when the policy notifies agents.
		if p.mode == ModeWhisper {
			v.Monitoring = "coached"
			if pol.NotifyAgent && pol.NotifyAgentNames {
				v.Supervisors = append(v.Supervisors, p.name)
			}
		} else if pol.NotifyAgent {
			if v.Monitoring == "" {
				v.Monitoring = "monitored"
			}
			if pol.NotifyAgentNames {
				v.Supervisors = append(v.Supervisors, p.name)
			}
		}
	}
	return v
}

func (conv *Conversation) floorView() FloorConversation {
	v := FloorConversation{
		ConversationID: conv.id, Channel: conv.channel, State: conv.state, Queue: conv.queue.Name,
		Team: conv.queue.Team, Outbound: conv.outbound, Transferred: conv.transferred, Held: conv.held,
		CreatedAt: conv.createdAt, Monitors: []MonitorView{}, Help: conv.helpBadge(), Recording: conv.recording != nil,
		PCIPause: conv.pciView(), Health: conv.healthView,
	}
	if !conv.answeredAt.IsZero() {
		t := conv.answeredAt
		v.AnsweredAt = &t
	}
	if a := conv.agent(); a != nil {
		v.Agent = &UserRef{UserID: a.user.user, Name: a.name}
	} else if conv.offeredTo != nil {
		v.Agent = &UserRef{UserID: conv.offeredTo.key.user, Name: conv.offeredTo.name}
	}
	if c := conv.customer(); c != nil {
		v.Customer = &UserRef{UserID: c.user.user, Name: c.name}
	}
	for _, p := range conv.supervisors() {
		v.Monitors = append(v.Monitors, MonitorView{UserID: p.user.user, Name: p.name, Mode: p.mode, Since: p.modeSince, Reason: p.reason})
	}
	return v
}

// viewFor returns the view party p may see.
func (conv *Conversation) viewFor(p *participant, pol Policy) any {
	switch p.role {
	case PartyCustomer:
		return conv.customerView()
	case PartyAgent:
		return conv.agentView(pol)
	case PartySupervisor:
		return SupervisorView{FloorConversation: conv.floorView(), Mode: p.mode, Timeline: conv.healthTimeline}
	}
	return nil
}

func viewKey(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}
