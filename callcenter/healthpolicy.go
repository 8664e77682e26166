package callcenter

import (
	"fmt"
	"time"
)

// HealthPolicy configures live call health (docs/call-health.md): how
// talking is told from the audio levels the clients send (RFC 6464), and
// the rules that alert supervisors. A rule whose threshold is zero is off.
type HealthPolicy struct {
	// Enabled computes call health at all. Off, the floor shows none and
	// the media plane does not count levels.
	Enabled bool `yaml:"enabled"`
	// TalkStart is how long a party's packets must be speech before the
	// party counts as talking; TalkHangover how long they must not be
	// before it stops (hysteresis: a breath between words is not silence).
	TalkStart    time.Duration `yaml:"talk_start"`
	TalkHangover time.Duration `yaml:"talk_hangover"`
	// LongSilence alerts when nobody in the call has talked for this long
	// (held and muted time does not count).
	LongSilence time.Duration `yaml:"long_silence"`
	// OverTalkShare alerts when customer and agent talked at the same time
	// for more than this share (0..1) of the time anyone talked.
	OverTalkShare float64 `yaml:"over_talk_share"`
	// AgentTalkShare alerts when the agent's share of customer + agent talk
	// time is above this (0..1).
	AgentTalkShare float64 `yaml:"agent_talk_share"`
	// MinTalk is how much talk (anyone) a call needs before the two share
	// rules apply: the first sentences of a call say nothing.
	MinTalk time.Duration `yaml:"min_talk"`
	// RaisedLevel (dBov, -127..-1) and RaisedFor alert when the customer's
	// speech has been at least that loud for that long (a raised voice).
	// RaisedLevel 0 turns the rule off.
	RaisedLevel int           `yaml:"raised_level_dbov"`
	RaisedFor   time.Duration `yaml:"raised_for"`
}

// DefaultHealthPolicy is health on with the documented defaults.
func DefaultHealthPolicy() HealthPolicy {
	return HealthPolicy{
		Enabled:        true,
		TalkStart:      200 * time.Millisecond,
		TalkHangover:   800 * time.Millisecond,
		LongSilence:    20 * time.Second,
		OverTalkShare:  0.25,
		AgentTalkShare: 0.8,
		MinTalk:        30 * time.Second,
		RaisedLevel:    -10,
		RaisedFor:      5 * time.Second,
	}
}

// Validate checks the policy's ranges.
func (p HealthPolicy) Validate() error {
	switch {
	case p.TalkStart < 0 || p.TalkHangover < 0 || p.LongSilence < 0 || p.MinTalk < 0 || p.RaisedFor < 0:
		return fmt.Errorf("health: durations cannot be negative")
	case p.OverTalkShare < 0 || p.OverTalkShare > 1 || p.AgentTalkShare < 0 || p.AgentTalkShare > 1:
		return fmt.Errorf("health: over_talk_share and agent_talk_share are between 0 and 1")
	case p.RaisedLevel < -127 || p.RaisedLevel > 0:
		return fmt.Errorf("health: raised_level_dbov is between -127 and -1 (0 = off)")
	}
	return nil
}

// HealthRule names an alert rule of call health.
type HealthRule int

// Health rules.
const (
	HealthRuleUnknown HealthRule = iota
	// HealthLongSilence: nobody talked for HealthPolicy.LongSilence.
	HealthLongSilence
	// HealthOverTalk: the over-talk share is above OverTalkShare.
	HealthOverTalk
	// HealthAgentTalkRatio: the agent's talk share is above AgentTalkShare.
	HealthAgentTalkRatio
	// HealthRaisedVoice: the customer's speech was at least RaisedLevel
	// loud for RaisedFor.
	HealthRaisedVoice
)

var healthRuleNames = [...]string{
	HealthRuleUnknown:    "unknown",
	HealthLongSilence:    "long_silence",
	HealthOverTalk:       "over_talk",
	HealthAgentTalkRatio: "agent_talk_ratio",
	HealthRaisedVoice:    "raised_voice",
}

// HealthRules lists every rule, in display order.
func HealthRules() []HealthRule {
	return []HealthRule{HealthLongSilence, HealthOverTalk, HealthAgentTalkRatio, HealthRaisedVoice}
}

// String returns the wire name of the rule.
func (r HealthRule) String() string {
	if r < 0 || int(r) >= len(healthRuleNames) {
		return healthRuleNames[HealthRuleUnknown]
	}
	return healthRuleNames[r]
}

// MarshalText makes rules appear by name in JSON.
func (r HealthRule) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText parses a rule's wire name (for Go clients of the feed).
func (r *HealthRule) UnmarshalText(b []byte) error {
	for i, name := range healthRuleNames {
		if i != int(HealthRuleUnknown) && name == string(b) {
			*r = HealthRule(i)
			return nil
		}
	}
	return fmt.Errorf("health rule %q: %w", b, errUnknownHealthName)
}
