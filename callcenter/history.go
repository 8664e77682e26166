package callcenter

import (
	"github.com/google/uuid"

	"github.com/earshot/earshot/store"
)

// convJournal is what the history last recorded of a conversation, so that
// only changes are written. Guarded by Center.mu.
type convJournal struct {
	recorded bool
	record   store.ConversationRecord
	parties  map[PartyID]store.ParticipantRecord
	// quietEnd is a supervisor whose leaving is audited by its own request
	// (monitor.leave), so its end is not audited twice.
	quietEnd PartyID
}

// historyRecord is conv as the history keeps it.
func (conv *Conversation) historyRecord() store.ConversationRecord {
	return store.ConversationRecord{
		ID: string(conv.id), Tenant: conv.tenant, Channel: conv.channel.String(), Queue: conv.queue.Name, Team: conv.queue.Team,
		Outbound: conv.outbound, Transferred: conv.transferred, CreatedAt: conv.createdAt, AnsweredAt: conv.answeredAt,
	}
}

func (conv *Conversation) participantRecord(p *participant) store.ParticipantRecord {
	return store.ParticipantRecord{
		PartyID: string(p.id), ConversationID: string(conv.id), Tenant: conv.tenant, User: p.user.user,
		Name: p.name, Role: p.role.String(), JoinedAt: p.joinedAt,
	}
}

func sameRecord(a, b store.ConversationRecord) bool {
	return a.ID == b.ID && a.Channel == b.Channel && a.Queue == b.Queue && a.Team == b.Team && a.Outbound == b.Outbound &&
		a.Transferred == b.Transferred && a.CreatedAt.Equal(b.CreatedAt) && a.AnsweredAt.Equal(b.AnsweredAt) &&
		a.EndedAt.Equal(b.EndedAt) && a.EndReason == b.EndReason
}

// recordLocked writes the history of what the operation changed: each
// touched conversation and its participants, if they changed since last
// written. It runs with flushLocked, once per operation.
func (c *Center) recordLocked(ob *outbox) {
	for _, conv := range ob.convs {
		if conv.state != ConvEnded {
			c.recordConversationLocked(ob, conv)
		}
	}
}

func (c *Center) recordConversationLocked(ob *outbox, conv *Conversation) {
	j := &conv.journal
	if rec := conv.historyRecord(); !j.recorded || !sameRecord(rec, j.record) {
		j.recorded, j.record = true, rec
		ob.journal(store.Batch{Conversations: []store.ConversationRecord{rec}})
	}
	for _, p := range conv.parties {
		rec := conv.participantRecord(p)
		if old, ok := j.parties[p.id]; ok && old.Role == rec.Role && old.Name == rec.Name {
			continue
		}
		if j.parties == nil {
			j.parties = map[PartyID]store.ParticipantRecord{}
		}
		j.parties[p.id] = rec
		ob.journal(store.Batch{Participants: []store.ParticipantRecord{rec}})
	}
}

// partyLeftLocked records that p's part in conv ended: its participant
// record, the end of a supervisor's monitoring (unless it asked to leave,
// which was audited already), and the end of an agent's help request.
func (c *Center) partyLeftLocked(ob *outbox, conv *Conversation, p *participant, reason EndReason) {
	now := c.now()
	rec := conv.participantRecord(p)
	rec.LeftAt, rec.LeftReason = now, reason.String()
	delete(conv.journal.parties, p.id)
	ob.journal(store.Batch{Participants: []store.ParticipantRecord{rec}})
	switch p.role {
	case PartySupervisor:
		if conv.journal.quietEnd == p.id {
			conv.journal.quietEnd = ""
			return
		}
		ob.journal(audit(c.partyEventLocked(conv, p, AuditMonitorEnd, map[string]any{
			"reason": reason.String(), "mode": p.mode.String(), "mode_since": p.modeSince,
		})))
	case PartyAgent:
		why := reason.String()
		if reason == EndTransferred {
			why = helpEndTransferred
		}
		c.helpEndLocked(ob, conv, p.client, why)
	}
}

// conversationEndedLocked records the end of conv: its help request ends,
// every party leaves, supervisors' monitoring ends, and the conversation's
// record gets its end. Called by endLocked before the parties are told.
func (c *Center) conversationEndedLocked(ob *outbox, conv *Conversation, reason EndReason) {
	var agentClient Client
	if a := conv.agent(); a != nil {
		agentClient = a.client
	}
	c.helpEndLocked(ob, conv, agentClient, helpEndConversationEnded)
	for _, p := range conv.parties {
		why := reason
		if p.role == PartySupervisor {
			why = EndConversationEnded
		}
		c.partyLeftLocked(ob, conv, p, why)
	}
	rec := conv.historyRecord()
	rec.EndedAt, rec.EndReason = c.now(), reason.String()
	conv.journal.recorded, conv.journal.record = true, rec
	ob.journal(store.Batch{Conversations: []store.ConversationRecord{rec}})
}

// journalTransferLocked records a transfer of conv from agent cur (nil if
// none was connected) to target, asked for by party by.
func (c *Center) journalTransferLocked(ob *outbox, conv *Conversation, by, cur *participant, target *agentRec) {
	rec := store.TransferRecord{
		ID: uuid.NewString(), ConversationID: string(conv.id), Tenant: conv.tenant, To: target.key.user,
		By: by.user.user, ByRole: by.role.String(), At: c.now(),
	}
	if cur != nil {
		rec.From = cur.user.user
	}
	ob.journal(store.Batch{Transfers: []store.TransferRecord{rec}})
}
