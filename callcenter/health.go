package callcenter

import (
	"fmt"
	"time"

	"github.com/earshot/earshot/media"
)

// Call health (F28, docs/call-health.md): from the RFC 6464 audio levels
// the media plane counts per leg, tell per party whether it is talking, and
// per conversation talk times, silences and over-talk. Everything here is a
// pure computation over level samples and the conversation's hold and mute
// state, stepped by healthloop.go; nothing here reads a clock.

// PartyHealthState is what a party's audio says at the moment.
type PartyHealthState int

// Party health states.
const (
	PartyHealthUnknown PartyHealthState = iota
	// PartyHealthTalking: the party's packets are speech (with hysteresis).
	PartyHealthTalking
	// PartyHealthQuiet: the party sends audio that is not speech.
	PartyHealthQuiet
	// PartyHealthHeld: the customer is on hold (nobody hears them).
	PartyHealthHeld
	// PartyHealthMuted: the party is muted in Earshot (nobody hears them).
	PartyHealthMuted
	// PartyHealthNoAudio: no packet with an audio level arrived lately
	// (not connected yet, a browser that stopped sending, or a client that
	// does not send the extension).
	PartyHealthNoAudio
)

var partyHealthNames = [...]string{
	PartyHealthUnknown: "unknown",
	PartyHealthTalking: "talking",
	PartyHealthQuiet:   "quiet",
	PartyHealthHeld:    "held",
	PartyHealthMuted:   "muted",
	PartyHealthNoAudio: "no_audio",
}

// String returns the wire name of the state.
func (s PartyHealthState) String() string {
	if s < 0 || int(s) >= len(partyHealthNames) {
		return partyHealthNames[PartyHealthUnknown]
	}
	return partyHealthNames[s]
}

// MarshalText makes states appear by name in JSON.
func (s PartyHealthState) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText parses a state's wire name (for Go clients of the feed).
func (s *PartyHealthState) UnmarshalText(b []byte) error {
	for i, name := range partyHealthNames {
		if i != int(PartyHealthUnknown) && name == string(b) {
			*s = PartyHealthState(i)
			return nil
		}
	}
	return fmt.Errorf("party health state %q: %w", b, errUnknownHealthName)
}

// healthSecond is the period of the per-second summaries (timeline bits,
// levels) and of the floor updates.
const healthSecond = time.Second

// noAudioAfter is how long a party may send no level before it shows as
// sending no audio (packets arrive every 20 ms; jitter is not absence).
const noAudioAfter = time.Second

// silentDBov is the level of a party that sends nothing or silence.
const silentDBov = -127

// partyInput is one audible party at one step: who it is, whether Earshot
// mutes it, and its leg's cumulative level counters.
type partyInput struct {
	id    PartyID
	role  PartyRole
	name  string
	muted bool
	// measured: levels were read (the leg is live and counted).
	measured bool
	levels   media.LegLevels
}

// healthInput is one step's view of a conversation.
type healthInput struct {
	held    bool
	parties []partyInput
}

// partyTrack is one party's health state.
type partyTrack struct {
	role  PartyRole
	name  string
	state PartyHealthState
	seen  bool // the last step listed this party

	prev     media.LegLevels // counters at the previous step
	havePrev bool
	// usesVAD: the sender has set the voice-activity flag at least once,
	// so its flag is trusted; a sender that never sets it is judged by
	// level alone.
	usesVAD bool

	talking bool
	active  time.Duration // consecutive speech, for TalkStart
	quiet   time.Duration // consecutive non-speech, for TalkHangover
	talk    time.Duration // total talk time

	// bits has one bit per second, bit 0 the second now ending: did the
	// party talk in it (the timeline).
	bits      uint64
	talkedSec bool
	// secPackets/secLoudness sum the current second's levels; level is
	// the mean of the last complete second, in dBov.
	secPackets, secLoudness uint64
	level                   int
	// noPackets is how long no packet with a level arrived.
	noPackets time.Duration
	// raised is how long the party's speech has stayed at or above the
	// raised level.
	raised time.Duration
}

// healthTracker is one voice conversation's health. Guarded by Center.mu.
type healthTracker struct {
	parties map[PartyID]*partyTrack
	order   []PartyID // first-seen order, for stable views

	// Talk totals by role, kept when a party leaves (a transferred call's
	// first agent still counts).
	customerTalk, agentTalk time.Duration
	anyTalk                 time.Duration // someone audible was talking
	silence, longestSilence time.Duration
	overTalk                time.Duration
	overTalkCount           int
	overTalking             bool
	held, mutedSide         bool

	sinceSecond time.Duration
	// active are the rules currently raised; cleared counts down how long
	// a raised rule's condition has been false.
	active   map[HealthRule]bool
	falseFor map[HealthRule]time.Duration
}

func newHealthTracker() *healthTracker {
	return &healthTracker{parties: map[PartyID]*partyTrack{}, active: map[HealthRule]bool{}, falseFor: map[HealthRule]time.Duration{}}
}

// step advances the tracker by dt with the levels read now. It returns
// true when a second ended (time to summarise and publish).
func (h *healthTracker) step(dt time.Duration, in healthInput, pol HealthPolicy) bool {
	for _, t := range h.parties {
		t.seen = false
	}
	h.held = in.held
	h.mutedSide = false
	var customerTalking, otherTalking, anyTalking bool
	var stoppedQuiet time.Duration // hangover of a talker who just stopped
	for _, p := range in.parties {
		t := h.parties[p.id]
		if t == nil {
			t = &partyTrack{level: silentDBov}
			h.parties[p.id] = t
			h.order = append(h.order, p.id)
		}
		t.seen, t.role, t.name = true, p.role, p.name
		started, stopped := t.observe(dt, p, in.held && p.role == PartyCustomer, pol)
		// Talk is counted from the first speech that proved it, and ends
		// with the last: the start delay is talk, the hangover is not.
		switch p.role {
		case PartyCustomer:
			h.customerTalk += started
			h.customerTalk -= min(stopped, h.customerTalk)
		case PartyAgent:
			h.agentTalk += started
			h.agentTalk -= min(stopped, h.agentTalk)
		}
		stoppedQuiet = max(stoppedQuiet, stopped)
		if p.muted && (p.role == PartyCustomer || p.role == PartyAgent) {
			h.mutedSide = true
		}
		if !t.talking {
			continue
		}
		anyTalking = true
		switch p.role {
		case PartyCustomer:
			customerTalking = true
			h.customerTalk += dt
		case PartyAgent:
			otherTalking = true
			h.agentTalk += dt
		default:
			otherTalking = true
		}
	}

	switch {
	case h.held || h.mutedSide:
		// Hold and mute are shown as such: they are not silence, and a
		// silence does not run across them.
		h.silence = 0
	case anyTalking:
		h.silence = 0
	default:
		if h.silence == 0 {
			h.silence = stoppedQuiet // the hangover was silence already
		}
		h.silence += dt
		h.longestSilence = max(h.longestSilence, h.silence)
	}
	if anyTalking {
		h.anyTalk += dt
	}
	both := customerTalking && otherTalking
	if both {
		h.overTalk += dt
		if !h.overTalking {
			h.overTalkCount++
		}
	}
	h.overTalking = both

	h.sinceSecond += dt
	if h.sinceSecond < healthSecond {
		return false
	}
	h.sinceSecond -= healthSecond
	for _, t := range h.parties {
		t.endSecond()
	}
	return true
}

// observe updates a party from its level counters at one step. held: the
// party is the customer on hold. started is the speech before this step
// that proved talking started (to count as talk too), stopped the
// hangover before this step that proved it ended (counted as talk while
// it ran, to be taken back).
func (t *partyTrack) observe(dt time.Duration, p partyInput, held bool, pol HealthPolicy) (started, stopped time.Duration) {
	var d media.LegLevels
	if p.measured {
		if t.havePrev && (p.levels.Leg != t.prev.Leg || p.levels.Packets < t.prev.Packets) {
			// A new leg (re-negotiated after a failover): its counters
			// start again from zero.
			t.havePrev = false
		}
		if t.havePrev {
			d = media.LegLevels{
				Packets: p.levels.Packets - t.prev.Packets, Voiced: p.levels.Voiced - t.prev.Voiced,
				Speech: p.levels.Speech - t.prev.Speech, Loudness: p.levels.Loudness - t.prev.Loudness,
				SpeechLoudness: p.levels.SpeechLoudness - t.prev.SpeechLoudness,
			}
		}
		t.prev, t.havePrev = p.levels, true
		if p.levels.Voiced > 0 {
			t.usesVAD = true
		}
	}
	t.secPackets += d.Packets
	t.secLoudness += d.Loudness
	if d.Packets == 0 {
		t.noPackets += dt
	} else {
		t.noPackets = 0
	}

	speech := d.Packets > 0 && d.Speech*2 >= d.Packets && (!t.usesVAD || d.Voiced*2 >= d.Packets)
	switch {
	case held:
		t.state = PartyHealthHeld
		t.stop()
		return 0, 0
	case p.muted:
		t.state = PartyHealthMuted
		t.stop()
		return 0, 0
	}

	if speech {
		t.active += dt
		t.quiet = 0
		if !t.talking && t.active >= pol.TalkStart {
			t.talking = true
			started = t.active - dt
			t.talk += started
		}
	} else {
		t.quiet += dt
		t.active = 0
		if t.talking && t.quiet >= pol.TalkHangover {
			t.talking = false
			stopped = t.quiet - dt
			t.talk -= min(stopped, t.talk)
		}
	}
	if t.talking {
		t.talk += dt
		t.talkedSec = true
		if speech && pol.RaisedLevel != 0 {
			if d.Speech > 0 && int(d.SpeechLoudness/d.Speech)-127 >= pol.RaisedLevel {
				t.raised += dt
			} else {
				t.raised = 0
			}
		}
	} else {
		t.raised = 0
	}

	switch {
	case t.talking:
		t.state = PartyHealthTalking
	case t.noPackets >= noAudioAfter:
		t.state = PartyHealthNoAudio
	default:
		t.state = PartyHealthQuiet
	}
	return started, stopped
}

// stop ends talking at once (hold or mute: the party is not heard).
func (t *partyTrack) stop() {
	t.talking, t.active, t.quiet, t.raised = false, 0, 0, 0
}

// endSecond closes the current second of the timeline and the level.
func (t *partyTrack) endSecond() {
	t.bits <<= 1
	if t.talkedSec {
		t.bits |= 1
	}
	t.talkedSec = false
	if t.secPackets > 0 {
		t.level = int(t.secLoudness/t.secPackets) - 127
	} else {
		t.level = silentDBov
	}
	t.secPackets, t.secLoudness = 0, 0
}

// forget drops the tracks of parties the last step did not list (they
// left); their talk stays in the totals.
func (h *healthTracker) forget() {
	kept := h.order[:0]
	for _, id := range h.order {
		if h.parties[id].seen {
			kept = append(kept, id)
		} else {
			delete(h.parties, id)
		}
	}
	h.order = kept
}

// ruleValue is a rule's condition now and the measurement behind it.
func (h *healthTracker) ruleValue(r HealthRule, pol HealthPolicy) (bool, float64) {
	switch r {
	case HealthLongSilence:
		return pol.LongSilence > 0 && h.silence >= pol.LongSilence, h.silence.Seconds()
	case HealthOverTalk:
		if pol.OverTalkShare == 0 || h.anyTalk < pol.MinTalk || h.anyTalk == 0 {
			return false, 0
		}
		share := float64(h.overTalk) / float64(h.anyTalk)
		return share > pol.OverTalkShare, share
	case HealthAgentTalkRatio:
		both := h.customerTalk + h.agentTalk
		if pol.AgentTalkShare == 0 || h.anyTalk < pol.MinTalk || both == 0 {
			return false, 0
		}
		share := float64(h.agentTalk) / float64(both)
		return share > pol.AgentTalkShare, share
	case HealthRaisedVoice:
		if pol.RaisedLevel == 0 || pol.RaisedFor == 0 {
			return false, 0
		}
		for _, t := range h.parties {
			if t.role == PartyCustomer && t.raised >= pol.RaisedFor {
				return true, float64(t.level)
			}
		}
	}
	return false, 0
}

// clearAfter is how long a raised rule's condition must stay false before
// it clears, so that a value wavering at its threshold does not raise and
// clear an alert every second. A long silence clears at once: someone
// spoke.
func clearAfter(r HealthRule) time.Duration {
	if r == HealthLongSilence {
		return 0
	}
	return 5 * time.Second
}

// healthChange is a rule raised or cleared by evaluate.
type healthChange struct {
	rule   HealthRule
	active bool
	value  float64
}

// evaluate runs the rules once a second and returns what changed.
func (h *healthTracker) evaluate(pol HealthPolicy) []healthChange {
	var out []healthChange
	for _, r := range HealthRules() {
		on, v := h.ruleValue(r, pol)
		switch {
		case on && !h.active[r]:
			h.active[r] = true
			h.falseFor[r] = 0
			out = append(out, healthChange{rule: r, active: true, value: v})
		case on:
			h.falseFor[r] = 0
		case h.active[r]:
			if h.falseFor[r] >= clearAfter(r) {
				delete(h.active, r)
				delete(h.falseFor, r)
				out = append(out, healthChange{rule: r, active: false, value: v})
				continue
			}
			h.falseFor[r] += healthSecond
		}
	}
	return out
}
