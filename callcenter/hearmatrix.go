package callcenter

// The hear-matrix is the one place that decides who hears whom. Media routing
// asks it and obeys; nothing else in Earshot may decide that audio flows
// between two parties. It is a pure function of HearState so it can be tested
// exhaustively (see hearmatrix_test.go and docs/hear-matrix.md).
//
// Everything it does not understand fails closed: a party with an unknown
// role, a supervisor with an unknown mode, an empty ID or an ID shared by two
// parties hears nobody and is heard by nobody. Silence is a bug; a whisper
// reaching a customer is the worst bug this product can have.

// PartyID identifies a participant within one conversation (the lead uses
// leg/user ids). It is what media routing keys on, so it must be unique in a
// HearState; duplicates fail closed.
type PartyID string

// Party is one participant as the hear-matrix sees it.
type Party struct {
	ID   PartyID
	Role PartyRole
	// Mode is read for supervisors only and ignored for others, so a stale
	// mode left on a supervisor who took over as agent changes nothing.
	Mode Mode
	// Muted stops the party being heard; it does not stop them hearing.
	Muted bool
	// TalkBack is read for agents only: the agent holds the talk-back key
	// and speaks to the coaching (Whisper) supervisors only.
	TalkBack bool
}

// HearState is everything the hear-matrix needs about one conversation.
type HearState struct {
	Parties []Party
	// CustomerHeld isolates every customer: they hear nobody and nobody
	// hears them, so hold music never reaches a supervisor either.
	CustomerHeld bool
	// PCIPaused stops every customer being heard by any supervisor, in any
	// mode, while a payment is taken (F7); customers and agents still hear
	// each other, and nothing else changes.
	PCIPaused bool
}

// Pair says Listener may hear Speaker.
type Pair struct{ Listener, Speaker PartyID }

// maxStackParties is how many parties HearMatrix handles without a heap
// allocation for its scratch space; a barged conversation is at most four
// parties plus a few silent monitors.
const maxStackParties = 16

// HearMatrix returns every (listener, speaker) pair that may carry audio in
// state s, ordered by the listener's index in s.Parties and then by the
// speaker's, so the same state always yields the same slice. It returns nil
// when nobody may hear anybody.
func HearMatrix(s HearState) []Pair {
	n := len(s.Parties)
	var buf [maxStackParties]bool
	usable := buf[:0]
	if n > maxStackParties {
		usable = make([]bool, 0, n)
	}
	for i := range s.Parties {
		usable = append(usable, s.usable(i))
	}

	var pairs []Pair
	for li := range s.Parties {
		if !usable[li] {
			continue
		}
		for si := range s.Parties {
			if si == li || !usable[si] {
				continue
			}
			if !s.hears(s.Parties[li], s.Parties[si]) {
				continue
			}
			if pairs == nil {
				// n*(n-1) bounds the result, so the slice is allocated once.
				pairs = make([]Pair, 0, n*(n-1))
			}
			pairs = append(pairs, Pair{Listener: s.Parties[li].ID, Speaker: s.Parties[si].ID})
		}
	}
	return pairs
}

// CanHear reports whether listener may hear speaker in state s. It agrees
// with HearMatrix: it is true exactly when Pair{listener, speaker} is in
// HearMatrix(s). IDs not in s, or not unique in s, hear and are heard by
// nobody.
func CanHear(s HearState, listener, speaker PartyID) bool {
	if listener == speaker {
		return false
	}
	li, si := s.indexOf(listener), s.indexOf(speaker)
	if li < 0 || si < 0 {
		return false
	}
	return s.hears(s.Parties[li], s.Parties[si])
}

// hears is the rule for one ordered pair of two different, usable parties of
// s; only the conversation-wide flags of s are read besides the two. It is
// written speaker first because every rule is about who may hear a given
// voice.
func (s HearState) hears(listener, speaker Party) bool {
	if s.CustomerHeld && (listener.Role == PartyCustomer || speaker.Role == PartyCustomer) {
		return false
	}
	if s.PCIPaused && speaker.Role == PartyCustomer && listener.Role == PartySupervisor {
		// Card numbers are read out: the monitor path carries none of it,
		// whatever the supervisor's mode.
		return false
	}
	if speaker.Muted {
		return false
	}
	switch speaker.Role {
	case PartyCustomer:
		return true
	case PartyAgent:
		if speaker.TalkBack {
			// Talk-back means "the customer must not hear me": only the
			// coaching supervisors may, and with none there, nobody does.
			return listener.Role == PartySupervisor && listener.Mode == ModeWhisper
		}
		return true
	case PartySupervisor:
		switch speaker.Mode {
		case ModeBarge:
			return true
		case ModeWhisper:
			return listener.Role == PartyAgent || listener.Role == PartySupervisor
		}
	}
	// ModeListen, and anything unknown: heard by nobody.
	return false
}

// known reports whether the rules cover p's role and, for a supervisor, its
// mode.
func (p Party) known() bool {
	switch p.Role {
	case PartyCustomer, PartyAgent:
		return true
	case PartySupervisor:
		switch p.Mode {
		case ModeListen, ModeWhisper, ModeBarge:
			return true
		}
	}
	return false
}

// usable reports whether party i takes part in the matrix and in chat: its
// role and mode are known and its ID is non-empty and unique in s. A shared
// ID would let a pair meant for one party reach the other, so both drop out.
func (s HearState) usable(i int) bool {
	p := s.Parties[i]
	if p.ID == "" || !p.known() {
		return false
	}
	for j := range s.Parties {
		if j != i && s.Parties[j].ID == p.ID {
			return false
		}
	}
	return true
}

// indexOf returns the index of the usable party with the given ID, or -1.
func (s HearState) indexOf(id PartyID) int {
	for i := range s.Parties {
		if s.Parties[i].ID == id {
			if s.usable(i) {
				return i
			}
			return -1
		}
	}
	return -1
}
