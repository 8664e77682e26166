package callcenter

import "github.com/earshot/earshot/auth"

// EventMonitorSlots tells a monitoring supervisor which party each of its
// receive slots carries; sent when that map changes.
const EventMonitorSlots = "monitor.slots"

// SlotParty is the party one receive slot carries.
type SlotParty struct {
	PartyID PartyID     `json:"party_id"`
	UserID  auth.UserID `json:"user_id"`
	Name    string      `json:"name"`
	Role    PartyRole   `json:"role"`
}

// SlotsEvent is a supervisor's slot map: entry i names the party on
// receive slot i (m-line i of its offer), null for a silent slot. It has
// one entry per slot.
type SlotsEvent struct {
	ConversationID ConversationID `json:"conversation_id"`
	Slots          []*SlotParty   `json:"slots"`
}

// publishSlotsLocked tells each monitoring supervisor of conv its slot map,
// read back from the media plane (so it is what the media plane does, not a
// second guess of its assignment rule), when it changed since last sent.
// Only supervisors get it: an agent's map could name a whispering
// supervisor the policy hides from it, and a customer's map is not needed.
func (c *Center) publishSlotsLocked(ob *outbox, conv *Conversation) {
	if conv.group == nil {
		return
	}
	for _, p := range conv.parties {
		if p.role != PartySupervisor || p.leg == nil {
			continue
		}
		ids := conv.group.Slots(p.leg.ID())
		ev := SlotsEvent{ConversationID: conv.id, Slots: make([]*SlotParty, len(ids))}
		for i, id := range ids {
			if sp := conv.partyOfLeg(id); id != "" && sp != nil { // a re-negotiated leg is not named after its party
				ev.Slots[i] = &SlotParty{PartyID: sp.id, UserID: sp.user.user, Name: sp.name, Role: sp.role}
			}
		}
		if k := viewKey(ev); k != p.lastSlots {
			p.lastSlots = k
			ob.push(p.client, EventMonitorSlots, ev)
		}
	}
}
