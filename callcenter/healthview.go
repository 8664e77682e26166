package callcenter

import (
	"strings"
	"time"
)

// HealthView is a voice conversation's live health as supervisors see it
// in the floor feed (FloorConversation.Health). Times are whole seconds;
// it changes at most once a second. docs/call-health.md says exactly what
// each number is.
type HealthView struct {
	// Parties are the audible parties: customer, agent, barged-in
	// supervisors, in the order they joined.
	Parties []PartyHealth `json:"parties"`
	// CustomerTalkS and AgentTalkS are talk times since the call was
	// answered (all agents of a transferred call together).
	CustomerTalkS int `json:"customer_talk_s"`
	AgentTalkS    int `json:"agent_talk_s"`
	// SilenceS is the silence now (nobody talking, not held, nobody
	// muted); LongestSilenceS the longest of the call.
	SilenceS        int `json:"silence_s"`
	LongestSilenceS int `json:"longest_silence_s"`
	// OverTalkS is how long customer and agent side talked at once,
	// OverTalkCount how many times that began.
	OverTalkS     int `json:"over_talk_s"`
	OverTalkCount int `json:"over_talk_count"`
	// Alerts are the rules currently raised.
	Alerts []HealthRule `json:"alerts"`
}

// PartyHealth is one party's part of a HealthView.
type PartyHealth struct {
	Role  PartyRole        `json:"role"`
	Name  string           `json:"name"`
	State PartyHealthState `json:"state"`
	TalkS int              `json:"talk_s"`
	// LevelDBov is the mean RFC 6464 level of the party's packets over
	// the last second, -127 (silence or nothing) to 0.
	LevelDBov int `json:"level_dbov"`
}

// PartyTimeline is who spoke when over the last minute, for the monitoring
// panel (SupervisorView.Timeline).
type PartyTimeline struct {
	Role PartyRole `json:"role"`
	Name string    `json:"name"`
	// Talked has one character per second of the last 60, oldest first:
	// '1' if the party talked during that second, '0' if not.
	Talked string `json:"talked"`
}

// timelineSeconds is the length of PartyTimeline.Talked.
const timelineSeconds = 60

// HealthAlert is the EventHealthAlert payload: a rule raised or cleared
// on a conversation.
type HealthAlert struct {
	ConversationID ConversationID `json:"conversation_id"`
	Rule           HealthRule     `json:"rule"`
	// Active is true when the rule is raised, false when it cleared.
	Active bool      `json:"active"`
	At     time.Time `json:"at"`
	// Value is the measurement behind the rule when it changed: seconds
	// of silence, over-talk share (0..1), agent talk share (0..1), or
	// the customer's level in dBov.
	Value    float64  `json:"value"`
	Queue    string   `json:"queue"`
	Agent    *UserRef `json:"agent,omitempty"`
	Customer *UserRef `json:"customer,omitempty"`
}

// HealthSettings is what health.settings returns: the caller's mute and
// the rules in force, so a console can say what its badges mean.
type HealthSettings struct {
	Enabled bool `json:"enabled"`
	// Muted is whether the caller muted health alerts.
	Muted          bool    `json:"muted"`
	LongSilenceS   float64 `json:"long_silence_s"`
	OverTalkShare  float64 `json:"over_talk_share"`
	AgentTalkShare float64 `json:"agent_talk_share"`
	MinTalkS       float64 `json:"min_talk_s"`
	RaisedLevel    int     `json:"raised_level_dbov"`
	RaisedForS     float64 `json:"raised_for_s"`
}

// secs rounds a duration down to whole seconds.
func secs(d time.Duration) int { return int(d / time.Second) }

// view summarises the tracker for the floor.
func (h *healthTracker) view() *HealthView {
	v := &HealthView{
		Parties:       make([]PartyHealth, 0, len(h.order)),
		CustomerTalkS: secs(h.customerTalk), AgentTalkS: secs(h.agentTalk),
		SilenceS: secs(h.silence), LongestSilenceS: secs(h.longestSilence),
		OverTalkS: secs(h.overTalk), OverTalkCount: h.overTalkCount,
		Alerts: []HealthRule{},
	}
	for _, id := range h.order {
		t := h.parties[id]
		v.Parties = append(v.Parties, PartyHealth{Role: t.role, Name: t.name, State: t.state, TalkS: secs(t.talk), LevelDBov: t.level})
	}
	for _, r := range HealthRules() {
		if h.active[r] {
			v.Alerts = append(v.Alerts, r)
		}
	}
	return v
}

// timeline is the last minute of who talked, per party.
func (h *healthTracker) timeline() []PartyTimeline {
	out := make([]PartyTimeline, 0, len(h.order))
	for _, id := range h.order {
		t := h.parties[id]
		var b strings.Builder
		b.Grow(timelineSeconds)
		for i := timelineSeconds - 1; i >= 0; i-- {
			if t.bits&(1<<i) != 0 {
				b.WriteByte('1')
			} else {
				b.WriteByte('0')
			}
		}
		out = append(out, PartyTimeline{Role: t.role, Name: t.name, Talked: b.String()})
	}
	return out
}
