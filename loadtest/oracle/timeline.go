package oracle

import (
	"fmt"
	"math"
)

// open is the acknowledgement time of a change not acknowledged yet: until
// its response arrives, the new state may take effect at any moment.
const open = math.MaxInt64

// Change is one state change of a call: requested at Req (recorded before
// the request left), acknowledged at Ack (the response arrived; open until
// then), leading to State. A refused request leads to the state before it.
type Change struct {
	Req, Ack int64 // Unix nanoseconds
	State    State
	// ModeSwitch marks supervisor mode changes, whose latency is measured.
	ModeSwitch bool
}

// Timeline is the history of one call's state. Changes of one call are
// requested one at a time, so their [Req, Ack] windows do not overlap.
type Timeline struct {
	Initial State
	Changes []Change
}

// stateAt returns state j of the timeline (0 = Initial).
func (t *Timeline) stateAt(j int) State {
	if j == 0 {
		return t.Initial
	}
	return t.Changes[j-1].State
}

// possible calls f for every state that may have been in force at some
// moment of [a, b]; f returns false to stop early.
func (t *Timeline) possible(a, b int64, f func(State) bool) {
	n := len(t.Changes)
	for j := 0; j <= n; j++ {
		// State j is in force from its change's request (it may apply at
		// once) to the next change's acknowledgement (it may apply late).
		if j > 0 && b < t.Changes[j-1].Req {
			return // this and all later states begin after the interval
		}
		if j < n && a > t.Changes[j].Ack {
			continue // replaced before the interval began
		}
		if !f(t.stateAt(j)) {
			return
		}
	}
}

// Verdict is the oracle's judgement of one received packet or message.
type Verdict int

// Verdicts.
const (
	VerdictUnknown Verdict = iota
	// VerdictOK: every state that may have been in force allows it.
	VerdictOK
	// VerdictGrace: a switch was under way and only some states allow it.
	VerdictGrace
	// VerdictLeak: no state that may have been in force allows it.
	VerdictLeak
)

var verdictNames = [...]string{VerdictUnknown: "unknown", VerdictOK: "ok", VerdictGrace: "grace", VerdictLeak: "leak"}

// String returns the verdict's name.
func (v Verdict) String() string {
	if v < 0 || int(v) >= len(verdictNames) {
		return verdictNames[VerdictUnknown]
	}
	return verdictNames[v]
}

// ParseVerdict parses a verdict's name.
func ParseVerdict(raw string) (Verdict, error) {
	for i, n := range verdictNames {
		if i != int(VerdictUnknown) && raw == n {
			return Verdict(i), nil
		}
	}
	return VerdictUnknown, fmt.Errorf("verdict %q: %w", raw, ErrBadVerdict)
}

// judge decides a packet from speaker sent at sent (ns) that reached
// listener at arrival. The server routed it at some moment between the
// two, by the state in force then; grace widens the interval by a little
// before sending, as slack.
func (t *Timeline) judge(listener, speaker Role, sent, arrival, grace int64) Verdict {
	allowed, denied := false, false
	t.possible(sent-grace, max(arrival, sent), func(s State) bool {
		if s.Hears(listener, speaker) {
			allowed = true
		} else {
			denied = true
		}
		return true
	})
	switch {
	case !allowed:
		return VerdictLeak
	case denied:
		return VerdictGrace
	default:
		return VerdictOK
	}
}

// pausedDuring reports whether a PCI pause may have been in force at some
// moment of [a, b].
func (t *Timeline) pausedDuring(a, b int64) bool {
	paused := false
	t.possible(a, b, func(s State) bool {
		paused = s.PCIPaused
		return !paused
	})
	return paused
}

// allowedThroughout reports whether every state that may have been in force
// during [a, b] lets listener hear speaker: such a packet must arrive.
func (t *Timeline) allowedThroughout(listener, speaker Role, a, b int64) bool {
	ok := true
	t.possible(a, b, func(s State) bool {
		ok = s.Hears(listener, speaker)
		return ok
	})
	return ok
}
