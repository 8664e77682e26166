package media

import (
	"errors"
	"slices"
	"testing"
)

func legSet(ids ...LegID) map[LegID]bool {
	m := make(map[LegID]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

func TestPlanRoutes(t *testing.T) {
	legs := legSet("A", "B", "C", "D", "E")
	cases := []struct {
		name    string
		current map[LegID]slotTable
		routes  []Route
		want    map[LegID]slotTable // only listeners checked; others must be all silent
		err     error
	}{
		{
			name:   "lowest free slots in route order",
			routes: []Route{{"A", "B"}, {"A", "C"}, {"B", "A"}},
			want:   map[LegID]slotTable{"A": {"B", "C", ""}, "B": {"A", "", ""}},
		},
		{
			name:    "sticky: a staying speaker keeps its slot",
			current: map[LegID]slotTable{"A": {"B", "C", ""}},
			routes:  []Route{{"A", "C"}},
			want:    map[LegID]slotTable{"A": {"", "C", ""}},
		},
		{
			name:    "sticky: a newcomer fills the freed slot, others stay",
			current: map[LegID]slotTable{"A": {"B", "C", "D"}},
			routes:  []Route{{"A", "D"}, {"A", "E"}, {"A", "C"}},
			want:    map[LegID]slotTable{"A": {"E", "C", "D"}},
		},
		{
			name:   "duplicate routes count once",
			routes: []Route{{"A", "B"}, {"A", "B"}, {"A", "C"}, {"A", "D"}, {"A", "B"}},
			want:   map[LegID]slotTable{"A": {"B", "C", "D"}},
		},
		{
			name:   "self route is carried out",
			routes: []Route{{"A", "A"}},
			want:   map[LegID]slotTable{"A": {"A", "", ""}},
		},
		{
			name:   "too many speakers",
			routes: []Route{{"A", "B"}, {"A", "C"}, {"A", "D"}, {"A", "E"}},
			err:    ErrTooManySpeakers,
		},
		{
			name:   "unknown listener",
			routes: []Route{{"X", "B"}},
			err:    ErrUnknownLeg,
		},
		{
			name:   "unknown speaker",
			routes: []Route{{"A", "B"}, {"A", "ghost"}},
			err:    ErrUnknownLeg,
		},
		{
			name:    "empty routing silences everyone",
			current: map[LegID]slotTable{"A": {"B", "C", ""}},
			want:    map[LegID]slotTable{},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			plan, err := planRoutes(planParams{legs: legs, current: c.current, routes: c.routes, slots: 3})
			if c.err != nil {
				if !errors.Is(err, c.err) || plan != nil {
					t.Fatalf("got %v, %v; want error %v", plan, err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(plan) != len(legs) {
				t.Fatalf("plan covers %d legs, want %d", len(plan), len(legs))
			}
			for id, table := range plan {
				want, ok := c.want[id]
				if !ok {
					want = slotTable{"", "", ""}
				}
				if !slices.Equal(table, want) {
					t.Fatalf("listener %s: got %q, want %q", id, table, want)
				}
			}
		})
	}
}
