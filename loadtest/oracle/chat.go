package oracle

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// chatPrefix starts every chat text the load tester sends.
const chatPrefix = "lt"

// Chat is one web chat: the messages its parties posted and who got them.
type Chat struct {
	o   *Oracle
	idx int

	mu       sync.Mutex
	nextSeq  uint64
	messages map[uint64]*chatMsg // by seq
	seen     map[chatReceipt]bool
	joined   [numRoles]bool
	failed   bool
	latency  []int64 // ns

	sent, received, dups, leaks, whisperLeaks atomic.Uint64
}

type chatMsg struct {
	sender  Role
	whisper bool
	sent    int64
	refused bool
	got     [numRoles]bool
}

type chatReceipt struct {
	listener Role
	seq      uint64
}

// NewChat registers chat idx.
func (o *Oracle) NewChat(idx int) *Chat {
	c := &Chat{o: o, idx: idx, messages: map[uint64]*chatMsg{}, seen: map[chatReceipt]bool{}}
	o.mu.Lock()
	o.chats[idx] = c
	o.mu.Unlock()
	return c
}

// Joined records that a party's session is in the chat (it receives from
// now on).
func (c *Chat) Joined(r Role) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.joined[r] = true
}

// Fail excludes the chat from loss accounting (a party could not join).
func (c *Chat) Fail() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failed = true
}

// Post registers a message about to be sent and returns its text and seq.
func (c *Chat) Post(sender Role, whisper bool, at time.Time) (string, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.nextSeq++
	seq := c.nextSeq
	sent := c.o.ns(at)
	c.messages[seq] = &chatMsg{sender: sender, whisper: whisper, sent: sent}
	c.sent.Add(1)
	tag := Tag{Kind: KindChat, Role: sender, Conv: c.idx}
	return fmt.Sprintf("%s %s %d %d", chatPrefix, tag, seq, sent), seq
}

// Refused records that the server refused message seq: it is not expected
// anywhere.
func (c *Chat) Refused(seq uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if m := c.messages[seq]; m != nil {
		m.refused = true
	}
}

// Received judges a chat.message event of kind ("public" or "whisper")
// with text that reached the party in role listener at time at.
func (c *Chat) Received(listener Role, kind, text string, at time.Time) Verdict {
	c.received.Add(1)
	eventWhisper := kind != "public"
	tag, seq, ok := parseChatText(text)
	if !ok || tag.Kind != KindChat || tag.Conv != c.idx {
		return c.leak(listener, eventWhisper)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.messages[seq]
	if m == nil || m.sender != tag.Role {
		return c.leak(listener, eventWhisper)
	}
	whisper := m.whisper || eventWhisper
	if !ChatAudience(listener, whisper) {
		return c.leak(listener, whisper)
	}
	r := chatReceipt{listener: listener, seq: seq}
	if c.seen[r] {
		c.dups.Add(1)
		return VerdictOK
	}
	c.seen[r] = true
	m.got[listener] = true
	c.latency = append(c.latency, c.o.ns(at)-m.sent)
	return VerdictOK
}

func (c *Chat) leak(listener Role, whisper bool) Verdict {
	c.leaks.Add(1)
	if whisper && listener == RoleCustomer {
		c.whisperLeaks.Add(1)
	}
	return VerdictLeak
}

// parseChatText reads "lt <tag> <seq> <ns>".
func parseChatText(text string) (Tag, uint64, bool) {
	f := strings.Fields(text)
	if len(f) != 4 || f[0] != chatPrefix {
		return Tag{}, 0, false
	}
	tag, err := ParseTag(f[1])
	if err != nil {
		return Tag{}, 0, false
	}
	seq, err := strconv.ParseUint(f[2], 10, 64)
	if err != nil {
		return Tag{}, 0, false
	}
	return tag, seq, true
}
