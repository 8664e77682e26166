package callcenter

// PartyRole is the part a participant plays in one conversation. It is not
// the user's auth role: a supervisor who takes over becomes the PartyAgent.
type PartyRole int

// Party roles.
const (
	PartyUnknown PartyRole = iota
	PartyCustomer
	PartyAgent
	PartySupervisor
)

var partyRoleNames = [...]string{
	PartyUnknown:    "unknown",
	PartyCustomer:   "customer",
	PartyAgent:      "agent",
	PartySupervisor: "supervisor",
}

// String returns the wire name of the party role.
func (r PartyRole) String() string {
	if r < 0 || int(r) >= len(partyRoleNames) {
		return partyRoleNames[PartyUnknown]
	}
	return partyRoleNames[r]
}

// MarshalText makes party roles appear by name in JSON.
func (r PartyRole) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText parses a party role name; unknown names give PartyUnknown.
func (r *PartyRole) UnmarshalText(b []byte) error {
	*r = PartyUnknown
	for i, name := range partyRoleNames {
		if name == string(b) {
			*r = PartyRole(i)
		}
	}
	return nil
}
