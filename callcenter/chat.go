package callcenter

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
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
	err := c.do(func(ob *outbox) error {
		conv, me, err := c.partyLocked(cl, p.ConversationID)
		if err != nil {
			return err
		}
		text := strings.TrimSpace(p.Text)
		if text == "" || len(text) > c.policy.MaxChatMessageBytes || !utf8.ValidString(text) {
			return refuse(ErrMessageInvalid, "a message is 1 to %d bytes of UTF-8 text", c.policy.MaxChatMessageBytes)
		}
		if p.Kind != MessagePublic && p.Kind != MessageWhisper {
			return refuse(ErrBadRequest, "kind must be public or whisper")
		}
		hs := conv.hearState()
		if !CanPost(hs, me.id, p.Kind) {
			switch {
			case me.role == PartySupervisor:
				return refuse(ErrNotAllowedInMode, "a supervisor must barge in to write to the customer")
			case me.role == PartyCustomer:
				return refuse(ErrForbiddenRole, "customers cannot whisper")
			}
			return refuse(ErrForbiddenRole, "you cannot post this message")
		}
		conv.threadSeq[p.Kind]++
		msg = ChatMessage{
			ID: uuid.NewString(), ConversationID: conv.id, Seq: conv.threadSeq[p.Kind], Kind: p.Kind.String(),
			From: PersonView{Name: me.name, Role: me.role}, Text: text,
			At: c.now().Truncate(time.Millisecond), kind: p.Kind,
		}
		conv.messages = append(conv.messages, msg)
		for _, id := range ChatAudience(hs, me.id, p.Kind) {
			if to := conv.party(id); to != nil {
				ob.push(to.client, EventChatMessage, msg)
			}
		}
		return nil
	})
	return msg, err
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
