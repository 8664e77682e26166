package media

import "fmt"

// Route lets Listener hear Speaker. The domain's hear-matrix decides the
// set; media only carries it out. A route from a leg to itself is carried
// out too (an echo test); refusing it is the domain's business.
type Route struct {
	Listener, Speaker LegID
}

// slotTable is one listener's slots: entry i is the speaker slot i carries,
// "" for a silent slot. Its length is always Config.Slots.
type slotTable []LegID

// planParams is the input of planRoutes.
type planParams struct {
	// legs are the group's live legs; only they may appear in routes.
	legs map[LegID]bool
	// current is every listener's slot table now (missing = all silent).
	current map[LegID]slotTable
	routes  []Route
	slots   int
}

// planRoutes is the router's decision: it maps every listener's speakers
// onto its slots and returns the new table of every live leg. It is a pure
// function so the mapping rules can be tested alone.
//
// Rules: a speaker that stays in a listener's set keeps its slot (sticky),
// so an unrelated change never makes a voice jump between the listener's
// audio elements; new speakers take the lowest free slots in route order;
// duplicate routes count once. Unknown legs fail with ErrUnknownLeg and a
// listener needing more than slots speakers with ErrTooManySpeakers; on
// error nothing is returned and so nothing changes.
func planRoutes(p planParams) (map[LegID]slotTable, error) {
	wants := make(map[LegID][]LegID)
	seen := make(map[Route]bool, len(p.routes))
	for _, r := range p.routes {
		for _, id := range [2]LegID{r.Listener, r.Speaker} {
			if !p.legs[id] {
				return nil, fmt.Errorf("route %s<-%s: leg %s: %w", r.Listener, r.Speaker, id, ErrUnknownLeg)
			}
		}
		if seen[r] {
			continue
		}
		seen[r] = true
		wants[r.Listener] = append(wants[r.Listener], r.Speaker)
		if n := len(wants[r.Listener]); n > p.slots {
			return nil, fmt.Errorf("listener %s needs %d speakers, has %d slots: %w",
				r.Listener, n, p.slots, ErrTooManySpeakers)
		}
	}

	plan := make(map[LegID]slotTable, len(p.legs))
	for id := range p.legs {
		plan[id] = assignSlots(p.current[id], wants[id], p.slots)
	}
	return plan, nil
}

// assignSlots keeps the speakers of cur that are still wanted in their
// slots and puts the other wanted speakers into the lowest free slots.
// len(want) <= slots is the caller's promise.
func assignSlots(cur slotTable, want []LegID, slots int) slotTable {
	next := make(slotTable, slots)
	wanted := make(map[LegID]bool, len(want))
	for _, sp := range want {
		wanted[sp] = true
	}
	placed := make(map[LegID]bool, len(want))
	for i, sp := range cur {
		if i < slots && sp != "" && wanted[sp] {
			next[i] = sp
			placed[sp] = true
		}
	}
	free := 0
	for _, sp := range want {
		if placed[sp] {
			continue
		}
		for next[free] != "" {
			free++
		}
		next[free] = sp
		placed[sp] = true
	}
	return next
}
