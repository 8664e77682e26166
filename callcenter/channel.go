package callcenter

import (
	"fmt"
	"strings"
)

// Channel is how the customer reaches the contact center.
type Channel int

// Channels.
const (
	ChannelUnknown Channel = iota
	ChannelVoice
	ChannelChat
)

var channelNames = [...]string{ChannelUnknown: "unknown", ChannelVoice: "voice", ChannelChat: "chat"}

// String returns the wire name of the channel.
func (c Channel) String() string {
	if c < 0 || int(c) >= len(channelNames) {
		return channelNames[ChannelUnknown]
	}
	return channelNames[c]
}

// ParseChannel turns a wire name into a Channel.
func ParseChannel(raw string) (Channel, error) {
	for c, name := range channelNames {
		if c != int(ChannelUnknown) && strings.EqualFold(raw, name) {
			return Channel(c), nil
		}
	}
	return ChannelUnknown, fmt.Errorf("channel %q: %w", raw, ErrBadChannel)
}

// MarshalText makes channels appear by name in JSON.
func (c Channel) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText parses a channel name.
func (c *Channel) UnmarshalText(b []byte) error {
	v, err := ParseChannel(string(b))
	*c = v
	return err
}
