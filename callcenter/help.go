package callcenter

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/store"
)

// HelpRequestID identifies a help request (a random UUID; every lookup is
// checked against the caller's tenant and teams).
type HelpRequestID string

// Bounds of a help request's free text.
const (
	maxHelpReasonBytes  = 200
	maxHelpCommentBytes = 1000
)

// Why a help request ended (HelpRequestView.EndReason).
const (
	helpEndAgent             = "agent"
	helpEndTransferred       = "transferred"
	helpEndConversationEnded = "conversation_ended"
	helpEndAborted           = "aborted"
)

// helpRequest is an agent's request for help on one conversation. Guarded
// by Center.mu.
type helpRequest struct {
	id         HelpRequestID
	conv       *Conversation
	agent      userKey
	agentName  string
	agentTeams []auth.TeamID
	reason     string
	comment    string
	status     HelpStatus

	providedBy     userKey
	providedByName string
	providerClient Client
	raisedAt       time.Time
	acceptedAt     time.Time
	closedAt       time.Time
	cancelledAt    time.Time
	endReason      string
	notified       map[string]Client // supervisor sessions shown the request
}

// helpDesk is the Center's help-request state. Guarded by Center.mu.
type helpDesk struct {
	active map[HelpRequestID]*helpRequest // open or in progress
	muted  map[userKey]bool               // supervisors who muted help alerts
	// waits are the times from raise to accept, for metrics.
	waits Histogram
}

// RaiseHelpParams is an agent's request for help.
type RaiseHelpParams struct {
	ConversationID ConversationID
	// Reason is required: why the agent needs help.
	Reason string
	// Comment is optional detail.
	Comment string
}

// RaiseHelp raises a help request on the agent's live conversation. The
// supervisors of the agent's teams who have not muted help alerts are
// notified, one event each. An agent has at most one open request per
// conversation.
func (c *Center) RaiseHelp(cl Client, p RaiseHelpParams) (HelpRequestView, error) {
	reason, comment := strings.TrimSpace(p.Reason), strings.TrimSpace(p.Comment)
	if reason == "" || len(reason) > maxHelpReasonBytes || !utf8.ValidString(reason) {
		return HelpRequestView{}, refuse(ErrBadRequest, "a reason of 1 to %d bytes of UTF-8 text is required", maxHelpReasonBytes)
	}
	if len(comment) > maxHelpCommentBytes || !utf8.ValidString(comment) {
		return HelpRequestView{}, refuse(ErrBadRequest, "the comment is at most %d bytes of UTF-8 text", maxHelpCommentBytes)
	}
	if hasNUL(reason) || hasNUL(comment) {
		return HelpRequestView{}, refuse(ErrBadRequest, "the reason and comment cannot contain NUL characters")
	}
	var (
		h    *helpRequest
		view HelpRequestView
	)
	err := c.audited(p.ConversationID, func() (store.Batch, error) {
		conv, ag, err := c.raiseCheckLocked(cl, p.ConversationID)
		if err != nil {
			return store.Batch{}, err
		}
		h = &helpRequest{
			id: HelpRequestID(uuid.NewString()), conv: conv, agent: ag.user, agentName: ag.name, agentTeams: slices.Clone(ag.teams),
			reason: reason, comment: comment, status: HelpOpen, raisedAt: c.helpNow(), notified: map[string]Client{},
		}
		ev := c.eventLocked(auditFact{actor: ag.user, name: ag.name, role: PartyAgent.String(), conv: conv, action: AuditHelpRaise,
			details: map[string]any{"help_request_id": h.id, "reason": reason}})
		return store.Batch{Audit: []store.AuditEvent{ev}, HelpRequests: []store.HelpRequest{h.record()}}, nil
	}, func(ob *outbox) (err error) {
		defer func() {
			if err != nil { // the open row was committed: end it
				h.status, h.cancelledAt, h.endReason = HelpCancelled, c.helpNow(), helpEndAborted
				ob.journal(store.Batch{HelpRequests: []store.HelpRequest{h.record()}})
			}
		}()
		conv, _, err := c.raiseCheckLocked(cl, p.ConversationID)
		if err != nil {
			return err
		}
		if conv != h.conv {
			return ErrConversationNotFound
		}
		conv.help = h
		c.help.add(h)
		c.notifySupervisorsLocked(ob, h)
		c.publishLocked(ob, conv)
		view = h.view()
		return nil
	})
	return view, err
}

func (c *Center) raiseCheckLocked(cl Client, id ConversationID) (*Conversation, *participant, error) {
	if c.closed {
		return nil, nil, ErrShuttingDown
	}
	conv, ag, err := c.agentPartyLocked(cl, id)
	if err != nil {
		return nil, nil, err
	}
	if conv.state != ConvActive {
		return nil, nil, refuse(ErrBadState, "help can be asked for on a live conversation only")
	}
	if h := conv.help; h != nil && h.status.active() {
		return nil, nil, refuse(ErrHelpAlreadyOpen, "help request %s is still %s", h.id, h.status)
	}
	return conv, ag, nil
}

// HelpAcceptResult is what the accepting supervisor gets: the request, the
// conversation, and the monitoring controls now offered for it.
type HelpAcceptResult struct {
	Request      HelpRequestView   `json:"help_request"`
	Conversation FloorConversation `json:"conversation"`
	// Monitoring is whether the supervisor already monitors it.
	Monitoring bool `json:"monitoring"`
	// Controls are the modes the supervisor can use on the conversation now
	// (monitor.start starts in listen); empty when monitoring is not
	// possible, with MonitorRefusal giving the refusal code.
	Controls       []Mode `json:"controls"`
	MonitorRefusal string `json:"monitor_refusal,omitempty"`
}

// AcceptHelp makes the supervisor the provider of an open help request
// (status In Progress, HelpProvidedBy): the agent and the other notified
// supervisors see it taken, and the supervisor is offered monitor, coach and
// barge for the conversation.
func (c *Center) AcceptHelp(cl Client, id HelpRequestID) (HelpAcceptResult, error) {
	var (
		res HelpAcceptResult
		at  time.Time
	)
	ident := cl.Identity()
	err := c.audited(c.helpConversation(id), func() (store.Batch, error) {
		h, err := c.acceptCheckLocked(ident, id)
		if err != nil {
			return store.Batch{}, err
		}
		at = c.helpNow()
		row := h.record()
		row.Status, row.ProvidedBy, row.ProvidedByName, row.AcceptedAt = HelpInProgress.String(), ident.Subject, ident.Name, at
		ev := c.eventLocked(auditFact{actor: keyOf(ident), name: ident.Name, role: auth.RoleSupervisor.String(), conv: h.conv,
			agent: h.agent.user, action: AuditHelpAccept,
			details: map[string]any{"help_request_id": h.id, "waited_ms": at.Sub(h.raisedAt).Milliseconds()}})
		return store.Batch{Audit: []store.AuditEvent{ev}, HelpRequests: []store.HelpRequest{row}}, nil
	}, func(ob *outbox) (err error) {
		h, err := c.acceptCheckLocked(ident, id)
		if err != nil {
			if h = c.help.active[id]; h != nil { // the in-progress row was committed: restore
				ob.journal(store.Batch{HelpRequests: []store.HelpRequest{h.record()}})
			}
			return err
		}
		h.status, h.providedBy, h.providedByName, h.providerClient, h.acceptedAt = HelpInProgress, keyOf(ident), ident.Name, cl, at
		c.help.waits.observe(at.Sub(h.raisedAt).Seconds())
		c.tellHelpLocked(ob, h, c.helpAgentClient(h))
		c.publishLocked(ob, h.conv)
		res = HelpAcceptResult{Request: h.view(), Conversation: h.conv.floorView(), Controls: []Mode{}}
		if p := h.conv.partyOfUser(keyOf(ident)); p != nil && p.role == PartySupervisor {
			res.Monitoring, res.Controls = true, []Mode{ModeListen, ModeWhisper, ModeBarge}
		} else if _, err := c.checkMonitorLocked(ident, h.conv.id); err != nil {
			res.MonitorRefusal = errorCode(err)
		} else {
			res.Controls = []Mode{ModeListen, ModeWhisper, ModeBarge}
		}
		return nil
	})
	return res, err
}

func (c *Center) acceptCheckLocked(id auth.Identity, hid HelpRequestID) (*helpRequest, error) {
	if c.closed {
		return nil, ErrShuttingDown
	}
	if !id.HasRole(auth.RoleSupervisor) {
		return nil, refuse(ErrForbiddenRole, "only supervisors accept help requests")
	}
	h := c.help.active[hid]
	if h == nil || h.agent.tenant != id.Tenant {
		return nil, ErrHelpNotFound
	}
	if h.agent == keyOf(id) {
		return nil, refuse(ErrForbiddenRole, "you cannot accept your own help request")
	}
	if !sharesTeam(h.agentTeams, id.Teams) {
		return nil, refuse(ErrOtherTeam, "%s is not in one of your teams", h.agentName)
	}
	if h.status != HelpOpen {
		return nil, refuse(ErrHelpTaken, "%s is already helping", h.providedByName)
	}
	return h, nil
}

// CancelHelp withdraws the agent's open request before anyone accepted it;
// the notified supervisors are told.
func (c *Center) CancelHelp(cl Client, id HelpRequestID) (HelpRequestView, error) {
	return c.finishHelp(cl, id, HelpCancelled)
}

// CloseHelp closes the agent's request in progress; the agent may raise a
// new one afterwards.
func (c *Center) CloseHelp(cl Client, id HelpRequestID) (HelpRequestView, error) {
	return c.finishHelp(cl, id, HelpClosed)
}

func (c *Center) finishHelp(cl Client, id HelpRequestID, to HelpStatus) (HelpRequestView, error) {
	var (
		view HelpRequestView
		at   time.Time
	)
	action := AuditHelpCancel
	if to == HelpClosed {
		action = AuditHelpClose
	}
	err := c.audited(c.helpConversation(id), func() (store.Batch, error) {
		h, ag, err := c.finishCheckLocked(cl, id, to)
		if err != nil {
			return store.Batch{}, err
		}
		at = c.helpNow()
		row := h.record()
		row.Status, row.EndReason = to.String(), helpEndAgent
		if to == HelpClosed {
			row.ClosedAt = at
		} else {
			row.CancelledAt = at
		}
		ev := c.partyEventLocked(h.conv, ag, action, map[string]any{"help_request_id": h.id})
		return store.Batch{Audit: []store.AuditEvent{ev}, HelpRequests: []store.HelpRequest{row}}, nil
	}, func(ob *outbox) error {
		h, _, err := c.finishCheckLocked(cl, id, to)
		if err != nil {
			if h = c.help.active[id]; h != nil {
				ob.journal(store.Batch{HelpRequests: []store.HelpRequest{h.record()}})
			}
			return err
		}
		c.endHelpLocked(ob, h, to, at, helpEndAgent, cl)
		view = h.view()
		return nil
	})
	return view, err
}

func (c *Center) finishCheckLocked(cl Client, hid HelpRequestID, to HelpStatus) (*helpRequest, *participant, error) {
	id := cl.Identity()
	h := c.help.active[hid]
	if h == nil || h.agent != keyOf(id) {
		return nil, nil, ErrHelpNotFound
	}
	ag := h.conv.agent()
	if ag == nil || ag.user != h.agent || ag.client != cl {
		return nil, nil, refuse(ErrForbiddenRole, "only the conversation's agent can do this")
	}
	switch {
	case to == HelpCancelled && h.status != HelpOpen:
		return nil, nil, refuse(ErrHelpWrongState, "the request is in progress: close it instead")
	case to == HelpClosed && h.status != HelpInProgress:
		return nil, nil, refuse(ErrHelpWrongState, "nobody accepted the request yet: cancel it instead")
	}
	return h, ag, nil
}

// helpEndLocked ends conv's help request, if any, because the conversation
// moved on (transferred, ended, the agent left): an open request is
// cancelled, one in progress closed.
func (c *Center) helpEndLocked(ob *outbox, conv *Conversation, agentClient Client, why string) {
	h := conv.help
	if h == nil || !h.status.active() {
		return
	}
	to, action := HelpCancelled, AuditHelpAutoCancel
	if h.status == HelpInProgress {
		to, action = HelpClosed, AuditHelpAutoClose
	}
	at := c.helpNow()
	ev := c.systemEventLocked(h.agent.tenant, conv, h.agent.user, action, map[string]any{"help_request_id": h.id, "reason": why})
	c.endHelpLocked(ob, h, to, at, why, agentClient)
	ob.journal(store.Batch{Audit: []store.AuditEvent{ev}, HelpRequests: []store.HelpRequest{h.record()}})
}

// endHelpLocked moves h to a final status and tells everyone who saw it.
func (c *Center) endHelpLocked(ob *outbox, h *helpRequest, to HelpStatus, at time.Time, why string, agentClient Client) {
	h.status, h.endReason = to, why
	if to == HelpClosed {
		h.closedAt = at
	} else {
		h.cancelledAt = at
	}
	delete(c.help.active, h.id)
	if h.conv.help == h {
		h.conv.help = nil
	}
	c.tellHelpLocked(ob, h, agentClient)
	c.publishLocked(ob, h.conv)
}

// helpConversation names the conversation of an active help request, for
// the ops lock ("" if there is none).
func (c *Center) helpConversation(id HelpRequestID) ConversationID {
	c.mu.Lock()
	defer c.mu.Unlock()
	if h := c.help.active[id]; h != nil {
		return h.conv.id
	}
	return ""
}

func (c *Center) helpAgentClient(h *helpRequest) Client {
	if a := h.conv.agent(); a != nil && a.user == h.agent {
		return a.client
	}
	return nil
}

func (d *helpDesk) add(h *helpRequest) {
	if d.active == nil {
		d.active = map[HelpRequestID]*helpRequest{}
	}
	d.active[h.id] = h
}

// record is h as the store keeps it.
func (h *helpRequest) record() store.HelpRequest {
	return store.HelpRequest{
		ID: string(h.id), Tenant: h.agent.tenant, ConversationID: string(h.conv.id), Agent: h.agent.user, AgentName: h.agentName,
		Reason: h.reason, Comment: h.comment, Status: h.status.String(), ProvidedBy: h.providedBy.user, ProvidedByName: h.providedByName,
		RaisedAt: h.raisedAt, AcceptedAt: h.acceptedAt, ClosedAt: h.closedAt, CancelledAt: h.cancelledAt, EndReason: h.endReason,
	}
}

// helpNow is the time of a help transition, in the milliseconds the store
// keeps, so that what clients are told and what is stored agree.
func (c *Center) helpNow() time.Time { return c.now().Truncate(time.Millisecond) }

// errorCode is the protocol code of a refusal.
func errorCode(err error) string {
	if e, ok := err.(*Error); ok {
		return e.Code
	}
	return "internal"
}
