package callcenter

import (
	"slices"
	"time"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/store"
)

// HelpRequestView is a help request as its agent and the supervisors of the
// agent's teams see it. Customers never learn of help requests.
type HelpRequestView struct {
	ID             HelpRequestID  `json:"id"`
	ConversationID ConversationID `json:"conversation_id"`
	Channel        Channel        `json:"channel"`
	Queue          string         `json:"queue"`
	Agent          UserRef        `json:"agent"`
	Reason         string         `json:"reason"`
	Comment        string         `json:"comment,omitempty"`
	Status         HelpStatus     `json:"status"`
	// ProvidedBy is the supervisor who accepted (HelpProvidedBy).
	ProvidedBy  *UserRef   `json:"provided_by,omitempty"`
	RaisedAt    time.Time  `json:"raised_at"`
	AcceptedAt  *time.Time `json:"accepted_at,omitempty"`
	ClosedAt    *time.Time `json:"closed_at,omitempty"`
	CancelledAt *time.Time `json:"cancelled_at,omitempty"`
	// EndReason says why it was closed or cancelled: agent, transferred,
	// conversation_ended, or the agent's end reason (agent_dropped, ...).
	EndReason string `json:"end_reason,omitempty"`
}

// HelpBadge is a conversation's help request on the supervisors' floor.
type HelpBadge struct {
	ID         HelpRequestID `json:"id"`
	Status     HelpStatus    `json:"status"`
	ProvidedBy *UserRef      `json:"provided_by,omitempty"`
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (h *helpRequest) view() HelpRequestView {
	v := HelpRequestView{
		ID: h.id, ConversationID: h.conv.id, Channel: h.conv.channel, Queue: h.conv.queue.Name,
		Agent: UserRef{UserID: h.agent.user, Name: h.agentName}, Reason: h.reason, Comment: h.comment, Status: h.status,
		RaisedAt: h.raisedAt, AcceptedAt: optTime(h.acceptedAt), ClosedAt: optTime(h.closedAt), CancelledAt: optTime(h.cancelledAt),
		EndReason: h.endReason,
	}
	if h.providedBy.user != "" {
		v.ProvidedBy = &UserRef{UserID: h.providedBy.user, Name: h.providedByName}
	}
	return v
}

// helpBadge is conv's active help request for the floor, nil if none.
func (conv *Conversation) helpBadge() *HelpBadge {
	h := conv.help
	if h == nil || !h.status.active() {
		return nil
	}
	b := &HelpBadge{ID: h.id, Status: h.status}
	if h.providedBy.user != "" {
		b.ProvidedBy = &UserRef{UserID: h.providedBy.user, Name: h.providedByName}
	}
	return b
}

// helpAudienceLocked reports whether supervisor session s is one h's alert
// goes to: same tenant, a shared team, not the agent itself, not muted.
func (c *Center) helpAudienceLocked(s Client, h *helpRequest) bool {
	id := s.Identity()
	return id.Tenant == h.agent.tenant && id.HasRole(auth.RoleSupervisor) && sharesTeam(h.agentTeams, id.Teams) &&
		keyOf(id) != h.agent && !c.help.muted[keyOf(id)]
}

// notifySupervisorsLocked sends a new request's alert, once, to each
// supervisor session it is for.
func (c *Center) notifySupervisorsLocked(ob *outbox, h *helpRequest) {
	v := h.view()
	for sid, s := range c.supervisors {
		if c.helpAudienceLocked(s, h) {
			h.notified[sid] = s
			ob.push(s, EventHelpRequested, v)
		}
	}
}

// tellHelpLocked sends h's new state to its agent, the provider and every
// supervisor session that was shown it (so the others see it taken) and may
// still see it: a session whose role or teams were revoked since is not told.
func (c *Center) tellHelpLocked(ob *outbox, h *helpRequest, agentClient Client) {
	v := h.view()
	sent := map[string]bool{}
	send := func(cl Client) {
		if cl == nil || sent[cl.ID()] {
			return
		}
		sent[cl.ID()] = true
		ob.push(cl, EventHelpUpdated, v)
	}
	send(agentClient)
	send(h.providerClient)
	ids := make([]string, 0, len(h.notified))
	for sid := range h.notified {
		ids = append(ids, sid)
	}
	slices.Sort(ids)
	for _, sid := range ids {
		s := h.notified[sid]
		if id := s.Identity(); id.Tenant != h.agent.tenant || !id.HasRole(auth.RoleSupervisor) || !sharesTeam(h.agentTeams, id.Teams) {
			delete(h.notified, sid)
			continue
		}
		send(s)
	}
}

// HelpList is what help.list returns.
type HelpList struct {
	Requests []HelpRequestView `json:"help_requests"`
	// Muted is whether the caller muted help alerts (supervisors).
	Muted bool `json:"muted"`
}

// HelpRequests lists the active help requests the caller may see: a
// supervisor those of its teams' agents (and from now on receives their
// updates), an agent its own.
func (c *Center) HelpRequests(cl Client) (HelpList, error) {
	id := cl.Identity()
	isSup, isAgent := id.HasRole(auth.RoleSupervisor), id.HasRole(auth.RoleAgent)
	if !isSup && !isAgent {
		return HelpList{}, refuse(ErrForbiddenRole, "only agents and supervisors see help requests")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	out := HelpList{Requests: []HelpRequestView{}, Muted: c.help.muted[keyOf(id)]}
	for _, h := range c.help.active {
		switch {
		case h.agent == keyOf(id):
			out.Requests = append(out.Requests, h.view())
		case isSup && h.agent.tenant == id.Tenant && sharesTeam(h.agentTeams, id.Teams):
			h.notified[cl.ID()] = cl
			out.Requests = append(out.Requests, h.view())
		}
	}
	slices.SortFunc(out.Requests, func(a, b HelpRequestView) int { return a.RaisedAt.Compare(b.RaisedAt) })
	return out, nil
}

// MuteHelp mutes (on) or unmutes a supervisor's help alerts. It is the
// supervisor's own setting, for all its sessions, committed to the store with
// its audit event (so it survives a restart: Params.HelpMutes).
func (c *Center) MuteHelp(cl Client, on bool) (bool, error) {
	id := cl.Identity()
	err := c.audited("", func() (store.Batch, error) {
		if !id.HasRole(auth.RoleSupervisor) {
			return store.Batch{}, refuse(ErrForbiddenRole, "only supervisors receive help alerts")
		}
		if c.help.muted[keyOf(id)] == on {
			return store.Batch{}, nil
		}
		b := audit(c.eventLocked(auditFact{actor: keyOf(id), name: id.Name, role: auth.RoleSupervisor.String(),
			action: AuditHelpMute, details: map[string]any{"on": on}}))
		b.HelpMutes = []store.HelpMute{{Tenant: id.Tenant, User: id.Subject, Muted: on, At: c.now()}}
		return b, nil
	}, func(*outbox) error {
		if c.help.muted == nil {
			c.help.muted = map[userKey]bool{}
		}
		c.help.muted[keyOf(id)] = on
		return nil
	})
	return on, err
}
