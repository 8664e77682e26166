package oracle

// State is what decides who hears whom in one call. The customer is always
// present; agent and supervisor join later.
type State struct {
	Agent      bool // the agent accepted
	Supervisor bool // a supervisor monitors
	Mode       Mode // the supervisor's mode (ignored without one)
	Held       bool // the agent put the customer on hold
	// PCIPaused: the agent paused for a payment; the supervisor must not
	// hear the customer.
	PCIPaused bool
}

// present reports whether a role is in the call in this state.
func (s State) present(r Role) bool {
	switch r {
	case RoleCustomer:
		return true
	case RoleAgent:
		return s.Agent
	case RoleSupervisor:
		return s.Supervisor && s.Mode != ModeUnknown
	}
	return false
}

// Hears reports whether listener may hear speaker in state s, following
// docs/hear-matrix.md for this call shape: nobody hears themselves; a held
// customer hears nobody and is heard by nobody; a Listen supervisor is
// heard by nobody, a Whisper supervisor by the agent only, a Barge
// supervisor by everyone; customer and agent hear each other; the
// supervisor hears both, except the customer during a PCI pause.
func (s State) Hears(listener, speaker Role) bool {
	if listener == speaker || !s.present(listener) || !s.present(speaker) {
		return false
	}
	if s.Held && (listener == RoleCustomer || speaker == RoleCustomer) {
		return false
	}
	if s.PCIPaused && speaker == RoleCustomer && listener == RoleSupervisor {
		return false
	}
	if speaker == RoleSupervisor {
		switch s.Mode {
		case ModeWhisper:
			return listener == RoleAgent
		case ModeBarge:
			return true
		default:
			return false
		}
	}
	return true
}

// ChatAudience reports whether a party in role listener receives a chat
// message of the given kind: public reaches everyone (the sender too, as
// an echo), whisper everyone but the customer.
func ChatAudience(listener Role, whisper bool) bool {
	if !listener.valid() {
		return false
	}
	return !whisper || listener != RoleCustomer
}

// CanPost reports whether a role may post a message of that kind in state
// s: customers post public only, agents both, supervisors whisper, and
// public only while barged in.
func CanPost(s State, sender Role, whisper bool) bool {
	switch sender {
	case RoleCustomer:
		return !whisper
	case RoleAgent:
		return true
	case RoleSupervisor:
		return whisper || s.Mode == ModeBarge
	}
	return false
}
