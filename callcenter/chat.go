package callcenter

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/earshot/earshot/store"
)

// ChatMessage is one message of a conversation's transcript.
type ChatMessage struct {
	ID             string         `json:"id"`
	ConversationID ConversationID `json:"conversation_id"`
	// Seq orders the messages of one thread (public or whisper) of a
	// conversation: 1, 2, 3, ... Each thread counts on its own, so the
	// customer's numbering has no gaps that would betray whispers.
	Seq  uint64     `json:"seq"`
	Kind string     `json:"kind"` // "public" or "whisper"
	From PersonView `json:"from"`
	Text string     `json:"text"`
	At   time.Time  `json:"at"`

	kind MessageKind
}

// SendParams is a chat message to post.
type SendParams struct {
	ConversationID ConversationID
	Kind           MessageKind
	Text           string
}

// SendMessage posts a chat message. Who may post which kind, and who receives
// it, is decided by CanPost and ChatAudience: a whisper never reaches a
// customer, and only a barged-in supervisor may write to the customer.
func (c *Center) SendMessage(cl Client, p SendParams) (ChatMessage, error) {
	var msg ChatMessage
	msgID := uuid.NewString()
	err := c.audited(p.ConversationID, func() (store.Batch, error) {
		conv, me, text, err := c.postCheckLocked(cl, p)
		if err != nil || me.role != PartySupervisor || p.Kind != MessageWhisper {
			return store.Batch{}, err // only a supervisor's whisper is audited
		}
		return audit(c.partyEventLocked(conv, me, AuditChatWhisper, map[string]any{"message_id": msgID, "bytes": len(text)})), nil
	}, func(ob *outbox) error {
		conv, me, text, err := c.postCheckLocked(cl, p)
		if err != nil {
			return err
		}
		hs := conv.hearState()
		conv.threadSeq[p.Kind]++
		msg = ChatMessage{
			ID: msgID, ConversationID: conv.id, Seq: conv.threadSeq[p.Kind], Kind: p.Kind.String(),
			From: PersonView{Name: me.name, Role: me.role}, Text: text,
			At: c.now().Truncate(time.Millisecond), kind: p.Kind,
		}
		conv.messages = append(conv.messages, msg)
		ob.journal(store.Batch{Messages: []store.MessageRecord{{
			ID: msg.ID, ConversationID: string(conv.id), Tenant: conv.tenant, Seq: int64(msg.Seq), Kind: msg.Kind,
			Whisper: p.Kind == MessageWhisper, From: me.user.user, FromName: me.name, FromRole: me.role.String(), Text: text, At: msg.At,
		}}})
		for _, id := range ChatAudience(hs, me.id, p.Kind) {
			if to := conv.party(id); to != nil {
				ob.push(to.client, EventChatMessage, msg)
			}
		}
		return nil
	})
	return msg, err
}

// postCheckLocked validates a chat message: who may post which kind is
// decided by CanPost.
func (c *Center) postCheckLocked(cl Client, p SendParams) (*Conversation, *participant, string, error) {
	conv, me, err := c.partyLocked(cl, p.ConversationID)
	if err != nil {
		return nil, nil, "", err
	}
	text := strings.TrimSpace(p.Text)
	if text == "" || len(text) > c.policy.MaxChatMessageBytes || !utf8.ValidString(text) {
		return nil, nil, "", refuse(ErrMessageInvalid, "a message is 1 to %d bytes of UTF-8 text", c.policy.MaxChatMessageBytes)
	}
	if hasNUL(text) {
		return nil, nil, "", refuse(ErrMessageInvalid, "a message cannot contain NUL characters")
	}
	if p.Kind != MessagePublic && p.Kind != MessageWhisper {
		return nil, nil, "", refuse(ErrBadRequest, "kind must be public or whisper")
	}
	if !CanPost(conv.hearState(), me.id, p.Kind) {
		switch {
		case me.role == PartySupervisor:
			return nil, nil, "", refuse(ErrNotAllowedInMode, "a supervisor must barge in to write to the customer")
		case me.role == PartyCustomer:
			return nil, nil, "", refuse(ErrForbiddenRole, "customers cannot whisper")
		}
		return nil, nil, "", refuse(ErrForbiddenRole, "you cannot post this message")
	}
	return conv, me, text, nil
}

// Transcript returns the messages of a conversation the caller may see: a
// customer only the public thread, agents and supervisors everything.
func (c *Center) Transcript(cl Client, id ConversationID) ([]ChatMessage, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	conv, me, err := c.partyLocked(cl, id)
	if err != nil {
		return nil, err
	}
	out := []ChatMessage{}
	for _, m := range conv.messages {
		if me.role == PartyCustomer && m.kind != MessagePublic {
			continue
		}
		out = append(out, m)
	}
	return out, nil
}
