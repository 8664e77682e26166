package callcenter

import (
	"sync"
	"time"

	"github.com/earshot/earshot/auth"
)

// ConversationID identifies a conversation. It is a random UUID: knowing one
// grants nothing, every lookup is checked against the caller's tenant.
type ConversationID string

// Conversation is one customer contact, voice or chat. Guarded by Center.mu.
type Conversation struct {
	id          ConversationID
	tenant      auth.TenantID
	channel     Channel
	queue       QueueConfig
	outbound    bool
	transferred bool
	state       ConvState
	held        bool
	createdAt   time.Time
	answeredAt  time.Time
	enqueuedSeq uint64 // FIFO order among queued conversations

	parties []*participant
	group   MediaGroup // voice only
	// groupGen counts the media groups the conversation has had: a group
	// lost with its node is replaced (failover.go).
	groupGen int

	offeredTo  *agentRec
	dialed     *dialed // outbound: the customer being rung
	offerTimer *time.Timer
	offerSeq   uint64 // invalidates timers of earlier offers

	messages  []ChatMessage
	threadSeq [MessageWhisper + 1]uint64 // last Seq per thread

	// floorSent is the JSON of the floor row last sent to each supervisor
	// session, so the feed carries changes only.
	floorSent map[string]string

	// pci is the PCI pause in force, if any (pci.go); pciSeq numbers the
	// pauses so a late timer of an earlier one is ignored.
	pci    *pciPause
	pciSeq uint64

	// health is the call's live health (voice, once answered); healthView
	// and healthTimeline its last per-second summary, shown on the floor
	// and to monitoring supervisors.
	health         *healthTracker
	healthView     *HealthView
	healthTimeline []PartyTimeline

	help *helpRequest // the agent's active help request, if any
	// recording is the recording in progress (voice), nil if none;
	// customerUnrecorded is set while the customer is left out of
	// recordings (SetCustomerRecordingExcludedLocked: the PCI pause).
	recording          *convRecording
	customerUnrecorded bool
	journal            convJournal // what the history last recorded
	// mirrored is the JSON of the snapshot last handed to the Mirror ("" if
	// none), so it is told of changes only.
	mirrored string
	// ops serializes the audited actions on this conversation (see
	// Center.audited); taken before Center.mu, never while holding it.
	ops sync.Mutex
}

// participant is one party of a conversation.
type participant struct {
	id        PartyID
	user      userKey
	name      string
	teams     []auth.TeamID
	role      PartyRole
	mode      Mode // supervisors
	muted     bool
	talkBack  bool
	reason    string // why a supervisor monitors
	client    Client
	leg       MediaLeg // voice only
	legSeq    int      // legs negotiated for the party so far (Reoffer names them)
	joinedAt  time.Time
	modeSince time.Time
	// connectTimer ends a watch-started voice monitoring session whose
	// supervisor never connects a leg (watch.go).
	connectTimer *time.Timer
	// dialed is what a supervisor dialled so far on its leg (dtmf.go),
	// dialedAt when its last digit came.
	dialed   string
	dialedAt time.Time

	// lastView is the JSON of the last conversation view pushed to this party,
	// so that it is told only of changes it may see.
	lastView string
	// lastSlots is the JSON of the last slot map pushed (supervisors).
	lastSlots string
}

// stopOfferTimer cancels the pending offer (or ringing) timeout, if any.
func (conv *Conversation) stopOfferTimer() {
	if conv.offerTimer != nil {
		conv.offerTimer.Stop()
		conv.offerTimer = nil
	}
}

func (conv *Conversation) party(id PartyID) *participant {
	for _, p := range conv.parties {
		if p.id == id {
			return p
		}
	}
	return nil
}

func (conv *Conversation) partyOfUser(u userKey) *participant {
	for _, p := range conv.parties {
		if p.user == u {
			return p
		}
	}
	return nil
}

func (conv *Conversation) byRole(r PartyRole) *participant {
	for _, p := range conv.parties {
		if p.role == r {
			return p
		}
	}
	return nil
}

func (conv *Conversation) customer() *participant { return conv.byRole(PartyCustomer) }
func (conv *Conversation) agent() *participant    { return conv.byRole(PartyAgent) }

func (conv *Conversation) supervisors() []*participant {
	var out []*participant
	for _, p := range conv.parties {
		if p.role == PartySupervisor {
			out = append(out, p)
		}
	}
	return out
}

func (conv *Conversation) countMode(m Mode) int {
	n := 0
	for _, p := range conv.parties {
		if p.role == PartySupervisor && p.mode == m {
			n++
		}
	}
	return n
}

func (conv *Conversation) removeParty(id PartyID) {
	for i, p := range conv.parties {
		if p.id == id {
			conv.parties = append(conv.parties[:i], conv.parties[i+1:]...)
			return
		}
	}
}

// hearState is the hear-matrix input for the conversation as it stands.
func (conv *Conversation) hearState() HearState {
	s := HearState{CustomerHeld: conv.held, PCIPaused: conv.pci != nil, Parties: make([]Party, 0, len(conv.parties))}
	for _, p := range conv.parties {
		s.Parties = append(s.Parties, Party{ID: p.id, Role: p.role, Mode: p.mode, Muted: p.muted, TalkBack: p.talkBack})
	}
	return s
}

// hearSnapshot saves what the hear-matrix depends on, to roll back a change
// that the media plane refuses.
type hearSnapshot struct {
	held    bool
	pci     *pciPause
	parties []participant
	ptrs    []*participant
}

func (conv *Conversation) snapshot() hearSnapshot {
	s := hearSnapshot{held: conv.held, pci: conv.pci, ptrs: append([]*participant(nil), conv.parties...)}
	for _, p := range conv.parties {
		s.parties = append(s.parties, *p)
	}
	return s
}

func (conv *Conversation) restore(s hearSnapshot) {
	conv.held, conv.pci = s.held, s.pci
	conv.parties = s.ptrs
	for i, p := range s.ptrs {
		p.role, p.mode, p.muted, p.talkBack = s.parties[i].role, s.parties[i].mode, s.parties[i].muted, s.parties[i].talkBack
	}
}

// EndReason says why a conversation, or someone's part in it, ended.
type EndReason int

// End reasons.
const (
	EndUnknown EndReason = iota
	EndCustomerHungUp
	EndAgentHungUp
	EndCustomerDropped
	EndAgentDropped
	EndTransferred
	EndTakenOver
	EndLeft
	EndConversationEnded
	EndPrivilegesRevoked
	EndShutdown
	EndSupervisorDropped
	EndAgentLeft
	EndNotAnswered
	// EndMediaLost: the node carrying the media was lost and no node could
	// take the conversation's media over.
	EndMediaLost
	EndNotConnected
)

var endReasonNames = [...]string{
	EndUnknown:           "unknown",
	EndCustomerHungUp:    "customer_ended",
	EndAgentHungUp:       "agent_ended",
	EndCustomerDropped:   "customer_dropped",
	EndAgentDropped:      "agent_dropped",
	EndTransferred:       "transferred",
	EndTakenOver:         "taken_over",
	EndLeft:              "left",
	EndConversationEnded: "conversation_ended",
	EndPrivilegesRevoked: "privileges_revoked",
	EndShutdown:          "shutdown",
	EndSupervisorDropped: "supervisor_dropped",
	EndAgentLeft:         "agent_left",
	EndNotAnswered:       "not_answered",
	EndMediaLost:         "media_lost",
	EndNotConnected:      "not_connected",
}

// String returns the wire name of the reason.
func (r EndReason) String() string {
	if r < 0 || int(r) >= len(endReasonNames) {
		return endReasonNames[EndUnknown]
	}
	return endReasonNames[r]
}

// MarshalText makes reasons appear by name in JSON.
func (r EndReason) MarshalText() ([]byte, error) { return []byte(r.String()), nil }
