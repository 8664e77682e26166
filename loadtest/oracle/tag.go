package oracle

import (
	"fmt"
	"strconv"
)

// Kind tells voice calls from chats in tags and indexes.
type Kind int

// Kinds of conversation.
const (
	KindUnknown Kind = iota
	KindVoice
	KindChat
)

var kindNames = [...]string{KindUnknown: "unknown", KindVoice: "voice", KindChat: "chat"}

// String returns the kind's name.
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return kindNames[KindUnknown]
	}
	return kindNames[k]
}

// ParseKind parses a kind's name.
func ParseKind(raw string) (Kind, error) {
	for i, n := range kindNames {
		if i != int(KindUnknown) && raw == n {
			return Kind(i), nil
		}
	}
	return KindUnknown, fmt.Errorf("kind %q: %w", raw, ErrBadTag)
}

// Tag names a party of the run compactly: "c17" is the customer of voice
// call 17, "s17" its supervisor; chats use an 'h' prefix ("ha3" is the
// agent of chat 3). Tags travel inside RTP payloads (at most 32 bytes) and
// chat texts.
type Tag struct {
	Kind Kind
	Role Role
	Conv int // index of the call or chat
}

// String formats the tag.
func (t Tag) String() string {
	prefix := ""
	if t.Kind == KindChat {
		prefix = "h"
	}
	r := t.Role
	if !r.valid() {
		r = RoleUnknown
	}
	return prefix + string(roleLetters[r]) + strconv.Itoa(t.Conv)
}

// ParseTag parses what String produced.
func ParseTag(s string) (Tag, error) {
	t := Tag{Kind: KindVoice}
	if len(s) > 0 && s[0] == 'h' {
		t.Kind, s = KindChat, s[1:]
	}
	if len(s) < 2 {
		return Tag{}, fmt.Errorf("%q: %w", s, ErrBadTag)
	}
	for r, l := range roleLetters {
		if Role(r).valid() && l == s[0] {
			t.Role = Role(r)
		}
	}
	n, err := strconv.Atoi(s[1:])
	if t.Role == RoleUnknown || err != nil || n < 0 {
		return Tag{}, fmt.Errorf("%q: %w", s, ErrBadTag)
	}
	t.Conv = n
	return t, nil
}
