package callcenter

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/store"
)

// auditTimeout bounds how long an action waits for its audit row before it
// is refused.
const auditTimeout = 10 * time.Second

// audited runs an action whose acknowledgement must follow its committed
// audit row (F19), in three steps, so that the domain lock is never held
// while the database commits:
//
//  1. check, under the lock, validates the action and builds the rows that
//     record it, changing nothing;
//  2. the rows are committed outside the lock — concurrent actions on other
//     conversations share one transaction (group commit) — and if that
//     fails the action is refused with ErrAuditUnavailable: nothing changed;
//  3. apply, under the lock, checks again and makes the change.
//
// Audited actions on one conversation are serialized by its ops lock, so
// between steps 1 and 3 only unaudited events (a hang-up, a dropped leg, a
// hold) can change it. If one of those makes step 3 refuse, an
// action.aborted event naming the committed one is written after it: the
// trail never claims an action that did not take effect.
func (c *Center) audited(cid ConversationID, check func() (store.Batch, error), apply func(ob *outbox) error) error {
	if cid != "" {
		c.mu.Lock()
		conv := c.conversations[cid]
		c.mu.Unlock()
		if conv != nil {
			conv.ops.Lock()
			defer conv.ops.Unlock()
		}
	}
	c.mu.Lock()
	b, err := check()
	c.mu.Unlock()
	if err != nil {
		return err
	}
	if !b.Empty() {
		ctx, cancel := context.WithTimeout(c.ctx, auditTimeout)
		err := c.auditor.Commit(ctx, b)
		cancel()
		if err != nil {
			c.log.Error("audit write failed: action refused", "action", firstAction(b), "conversation", cid, "err", err)
			return ErrAuditUnavailable
		}
	}
	err = c.do(apply)
	if err != nil && len(b.Audit) > 0 {
		c.auditor.Enqueue(abortedBatch(b.Audit, err))
	}
	return err
}

func firstAction(b store.Batch) string {
	if len(b.Audit) == 0 {
		return ""
	}
	return b.Audit[0].Action
}

// abortedBatch records that the actions of evs did not take effect.
func abortedBatch(evs []store.AuditEvent, cause error) store.Batch {
	code := "internal"
	var e *Error
	if errors.As(cause, &e) {
		code = e.Code
	}
	var b store.Batch
	for _, ev := range evs {
		details, _ := json.Marshal(map[string]string{"aborted_id": ev.ID, "action": ev.Action, "code": code})
		b.Audit = append(b.Audit, store.AuditEvent{
			ID: uuid.NewString(), Tenant: ev.Tenant, Actor: ev.Actor, ActorName: ev.ActorName, Role: ev.Role,
			ConversationID: ev.ConversationID, Agent: ev.Agent, Action: AuditActionAborted.String(), Details: store.RawJSON(details),
		})
	}
	return b
}

// auditFact is one audit event about to be built.
type auditFact struct {
	actor   userKey
	name    string
	role    string
	conv    *Conversation // nil for actions on no conversation
	agent   auth.UserID   // default: conv's agent
	action  AuditAction
	details map[string]any
}

// eventLocked builds the audit event of f. Supervisor actions taken while
// providing help on the conversation name the help request, so a search
// shows what was done for it.
func (c *Center) eventLocked(f auditFact) store.AuditEvent {
	if f.details == nil {
		f.details = map[string]any{}
	}
	e := store.AuditEvent{
		ID: uuid.NewString(), Tenant: f.actor.tenant, Actor: f.actor.user, ActorName: f.name, Role: f.role,
		Agent: f.agent, Action: f.action.String(),
	}
	if conv := f.conv; conv != nil {
		e.ConversationID = string(conv.id)
		if e.Agent == "" {
			if a := conv.agent(); a != nil {
				e.Agent = a.user.user
			}
		}
		if h := conv.help; h != nil && h.status == HelpInProgress && h.providedBy == f.actor && f.details["help_request_id"] == nil {
			f.details["help_request_id"] = h.id
		}
	}
	raw, err := json.Marshal(f.details)
	if err != nil {
		raw = []byte(`{}`)
	}
	e.Details = store.RawJSON(raw)
	return e
}

// partyEventLocked is the event of an action by party p of conv.
func (c *Center) partyEventLocked(conv *Conversation, p *participant, action AuditAction, details map[string]any) store.AuditEvent {
	return c.eventLocked(auditFact{actor: p.user, name: p.name, role: p.role.String(), conv: conv, action: action, details: details})
}

// systemEventLocked is the event of something nobody asked for directly.
func (c *Center) systemEventLocked(tenant auth.TenantID, conv *Conversation, agent auth.UserID, action AuditAction, details map[string]any) store.AuditEvent {
	return c.eventLocked(auditFact{
		actor: userKey{tenant: tenant, user: store.SystemActor}, name: "earshot", role: store.SystemRole,
		conv: conv, agent: agent, action: action, details: details,
	})
}

// audit is a batch of audit events.
func audit(evs ...store.AuditEvent) store.Batch { return store.Batch{Audit: evs} }
