package callcenter

import (
	"time"

	"github.com/earshot/earshot/store"
)

// pciPause is a conversation's PCI pause (F7): while a payment is taken, no
// supervisor hears the customer (HearState.PCIPaused). Guarded by Center.mu.
type pciPause struct {
	by    userKey
	name  string
	role  PartyRole
	since time.Time
	// until is when the server resumes by itself; zero without a maximum.
	until time.Time
	// seq identifies this pause, so that the timer of an earlier pause that
	// fires late does nothing.
	seq   uint64
	timer *time.Timer
}

// PCIPauseView is a PCI pause as the agent and the supervisors see it. The
// customer never sees it: the pause changes nothing the customer hears.
type PCIPauseView struct {
	Since time.Time  `json:"since"`
	By    PersonView `json:"by"`
	// ResumesAt is when the server resumes by itself (policy.pci_pause_max).
	ResumesAt *time.Time `json:"resumes_at,omitempty"`
}

func (conv *Conversation) pciView() *PCIPauseView {
	pp := conv.pci
	if pp == nil {
		return nil
	}
	v := &PCIPauseView{Since: pp.since, By: PersonView{Name: pp.name, Role: pp.role}}
	if !pp.until.IsZero() {
		t := pp.until
		v.ResumesAt = &t
	}
	return v
}

// stopPCITimer cancels the automatic resume, if any.
func (conv *Conversation) stopPCITimer() {
	if conv.pci != nil && conv.pci.timer != nil {
		conv.pci.timer.Stop()
		conv.pci.timer = nil
	}
}

// PCIPause pauses (on) or resumes the monitor path of a voice conversation
// while a payment is taken. The conversation's agent may, and a supervisor
// in Barge (who then speaks with the customer as a participant). It returns
// the caller's own view once the media plane routes by the new state, so
// the acknowledgement means no customer packet reaches a supervisor any
// more. Asking for the current state changes nothing and is not audited.
func (c *Center) PCIPause(cl Client, id ConversationID, on bool) (any, error) {
	var view any
	err := c.audited(id, func() (store.Batch, error) {
		conv, p, err := c.pciCheckLocked(cl, id)
		if err != nil || (conv.pci != nil) == on {
			return store.Batch{}, err
		}
		if on {
			d := map[string]any{}
			if max := c.policy.PCIPauseMax; max > 0 {
				d["max_seconds"] = max.Seconds()
			}
			return audit(c.partyEventLocked(conv, p, AuditPCIPause, d)), nil
		}
		return audit(c.partyEventLocked(conv, p, AuditPCIResume, c.pciDetailsLocked(conv))), nil
	}, func(ob *outbox) error {
		conv, p, err := c.pciCheckLocked(cl, id)
		if err != nil {
			return err
		}
		if (conv.pci != nil) != on {
			if on {
				err = c.pausePCILocked(ob, conv, p)
			} else {
				err = c.resumePCILocked(ob, conv)
			}
			if err != nil {
				return err
			}
		}
		view = conv.viewFor(p, c.policy)
		return nil
	})
	return view, err
}

// pciCheckLocked finds the caller's party and checks that it may pause or
// resume. The role is checked before anything about the conversation, so a
// customer's refusal says nothing about a pause.
func (c *Center) pciCheckLocked(cl Client, id ConversationID) (*Conversation, *participant, error) {
	conv, p, err := c.partyLocked(cl, id)
	if err != nil {
		return nil, nil, err
	}
	switch p.role {
	case PartyAgent:
	case PartySupervisor:
		if p.mode != ModeBarge {
			return nil, nil, refuse(ErrNotAllowedInMode, "a supervisor must barge in to pause or resume for a payment")
		}
	default:
		return nil, nil, refuse(ErrForbiddenRole, "only the agent or a barged-in supervisor can pause for a payment")
	}
	if conv.channel != ChannelVoice {
		return nil, nil, refuse(ErrBadState, "a PCI pause applies to voice conversations")
	}
	if conv.state != ConvActive {
		return nil, nil, refuse(ErrBadState, "only an answered conversation can be paused")
	}
	return conv, p, nil
}

// pciDetailsLocked describes the current pause for the audit event of its end.
func (c *Center) pciDetailsLocked(conv *Conversation) map[string]any {
	pp := conv.pci
	if pp == nil {
		return map[string]any{}
	}
	return map[string]any{
		"paused_by": pp.by.user, "paused_by_role": pp.role.String(), "paused_since": pp.since,
		"paused_ms": c.now().Sub(pp.since).Milliseconds(),
	}
}

// pausePCILocked starts a pause by party p and arms the automatic resume.
func (c *Center) pausePCILocked(ob *outbox, conv *Conversation, p *participant) error {
	conv.pciSeq++
	now := c.now()
	pp := &pciPause{by: p.user, name: p.name, role: p.role, since: now, seq: conv.pciSeq}
	if max := c.policy.PCIPauseMax; max > 0 {
		pp.until = now.Add(max)
	}
	// Nor is the customer recorded while paused (card digits read aloud):
	// excluded first, so that a pause that could not keep the customer out
	// of a recording is refused rather than acknowledged.
	if err := c.SetCustomerRecordingExcludedLocked(conv, true); err != nil {
		c.log.Error("pci pause: recording exclusion", "conversation", conv.id, "err", err)
		return ErrMediaFailed
	}
	if err := c.changeLocked(ob, conv, func() { conv.pci = pp }); err != nil {
		if xerr := c.SetCustomerRecordingExcludedLocked(conv, false); xerr != nil {
			c.log.Error("pci pause refused: recording exclusion kept", "conversation", conv.id, "err", xerr)
		}
		return err
	}
	if max := c.policy.PCIPauseMax; max > 0 {
		cid, seq := conv.id, pp.seq
		pp.timer = time.AfterFunc(max, func() { c.pciExpired(cid, seq) })
	}
	c.log.Info("pci pause", "conversation", conv.id, "by", p.user.user, "role", p.role)
	return nil
}

// resumePCILocked ends the pause; supervisors hear the customer again.
func (c *Center) resumePCILocked(ob *outbox, conv *Conversation) error {
	pp := conv.pci
	if err := c.changeLocked(ob, conv, func() { conv.pci = nil }); err != nil {
		return err
	}
	if err := c.SetCustomerRecordingExcludedLocked(conv, false); err != nil {
		// The safe way to fail: the customer stays out of the recording.
		c.log.Error("pci resume: the customer stays out of the recording", "conversation", conv.id, "err", err)
	}
	if pp != nil && pp.timer != nil {
		pp.timer.Stop()
	}
	c.log.Info("pci resume", "conversation", conv.id)
	return nil
}

// pciExpired resumes a pause that reached policy.pci_pause_max, so that a
// forgotten pause does not blind monitoring for the rest of the call.
func (c *Center) pciExpired(id ConversationID, seq uint64) {
	_ = c.do(func(ob *outbox) error {
		conv := c.conversations[id]
		if conv == nil || conv.pci == nil || conv.pci.seq != seq {
			return nil
		}
		ev := c.systemEventLocked(conv.tenant, conv, "", AuditPCIAutoResume, c.pciDetailsLocked(conv))
		if err := c.resumePCILocked(ob, conv); err != nil {
			// Staying paused fails closed; the next request may resume.
			c.log.Error("pci automatic resume", "conversation", id, "err", err)
			return nil
		}
		ob.journal(audit(ev))
		return nil
	})
}
