package callcenter

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// The tests below enumerate every conversation shape in allHearStates and
// check each one against invariants written as predicates on the output of
// HearMatrix. They deliberately do not re-implement the rules: each predicate
// is one sentence of docs/hear-matrix.md.

var bools = []bool{false, true}

var supervisorModes = []Mode{ModeListen, ModeWhisper, ModeBarge}

// forEachSeq calls fn with every sequence of 0..maxLen items drawn from opts
// (order matters, repeats allowed). fn must copy what it keeps.
func forEachSeq(opts []Party, maxLen int, fn func([]Party)) {
	var rec func(prefix []Party)
	rec = func(prefix []Party) {
		fn(prefix)
		if len(prefix) == maxLen {
			return
		}
		for _, o := range opts {
			rec(append(prefix[:len(prefix):len(prefix)], o))
		}
	}
	rec(nil)
}

// allHearStates enumerates every combination of: 0..2 customers each muted or
// not; 0..2 agents each muted or not and talk-back or not; 0..3 supervisors
// each in Listen, Whisper or Barge and muted or not; customer held or not;
// PCI pause on or off. Parties get IDs c0.., a0.., s0.. in that order.
func allHearStates() []HearState {
	var customers, agents, supervisors []Party
	for _, muted := range bools {
		customers = append(customers, Party{Role: PartyCustomer, Muted: muted})
		for _, talkBack := range bools {
			agents = append(agents, Party{Role: PartyAgent, Muted: muted, TalkBack: talkBack})
		}
		for _, mode := range supervisorModes {
			supervisors = append(supervisors, Party{Role: PartySupervisor, Mode: mode, Muted: muted})
		}
	}
	withIDs := func(dst []Party, prefix string, src []Party) []Party {
		for i, p := range src {
			p.ID = PartyID(fmt.Sprintf("%s%d", prefix, i))
			dst = append(dst, p)
		}
		return dst
	}
	var states []HearState
	for _, held := range bools {
		for _, paused := range bools {
			forEachSeq(customers, 2, func(cs []Party) {
				forEachSeq(agents, 2, func(as []Party) {
					forEachSeq(supervisors, 3, func(ss []Party) {
						parties := make([]Party, 0, len(cs)+len(as)+len(ss))
						parties = withIDs(parties, "c", cs)
						parties = withIDs(parties, "a", as)
						parties = withIDs(parties, "s", ss)
						states = append(states, HearState{Parties: parties, CustomerHeld: held, PCIPaused: paused})
					})
				})
			})
		}
	}
	return states
}

// describe renders a state for failure messages.
func describe(s HearState) string {
	var b strings.Builder
	fmt.Fprintf(&b, "held=%t pci=%t [", s.CustomerHeld, s.PCIPaused)
	for i, p := range s.Parties {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q:%s", p.ID, p.Role)
		if p.Role == PartySupervisor || p.Role == PartyUnknown {
			fmt.Fprintf(&b, "/%s", p.Mode)
		}
		if p.Muted {
			b.WriteString(" muted")
		}
		if p.TalkBack {
			b.WriteString(" talkback")
		}
	}
	b.WriteString("]")
	return b.String()
}

// hearCase is one enumerated state with its matrix as a bit set:
// bit li*8+si means Parties[li] hears Parties[si].
type hearCase struct {
	state HearState
	pairs []Pair
	mask  uint64
}

func (c *hearCase) hears(li, si int) bool { return c.mask&(1<<(li*8+si)) != 0 }

func (c *hearCase) heardByAnyone(si int) bool {
	for li := range c.state.Parties {
		if c.hears(li, si) {
			return true
		}
	}
	return false
}

// hearerSet lists who party i hears, by ID, to compare across states.
func (c *hearCase) hearerSet(li int) []PartyID {
	var ids []PartyID
	for si, p := range c.state.Parties {
		if c.hears(li, si) {
			ids = append(ids, p.ID)
		}
	}
	return ids
}

// newHearCase computes the matrix and checks that every pair names exactly
// one party of the state.
func newHearCase(s HearState) (hearCase, error) {
	c := hearCase{state: s, pairs: HearMatrix(s)}
	if len(s.Parties) > 8 {
		return c, fmt.Errorf("test helper handles at most 8 parties")
	}
	index := func(id PartyID) int {
		found := -1
		for i, p := range s.Parties {
			if p.ID == id {
				if found >= 0 {
					return -2
				}
				found = i
			}
		}
		return found
	}
	for _, pr := range c.pairs {
		li, si := index(pr.Listener), index(pr.Speaker)
		if li < 0 || si < 0 {
			return c, fmt.Errorf("pair %v names a party that is absent or not unique", pr)
		}
		c.mask |= 1 << (li*8 + si)
	}
	return c, nil
}

func isCustomer(p Party) bool                { return p.Role == PartyCustomer }
func isAgent(p Party) bool                   { return p.Role == PartyAgent }
func isTalkBack(p Party) bool                { return p.Role == PartyAgent && p.TalkBack }
func isSupervisor(p Party) bool              { return p.Role == PartySupervisor }
func isSupIn(p Party, m Mode) bool           { return p.Role == PartySupervisor && p.Mode == m }
func heldCustomer(s HearState, p Party) bool { return s.CustomerHeld && isCustomer(p) }

// pciGuarded is a pair a PCI pause silences: a supervisor hearing a customer.
func pciGuarded(l, s Party) bool { return isSupervisor(l) && isCustomer(s) }

// hearInvariant is one rule of docs/hear-matrix.md as a predicate. check
// returns "" when the case satisfies it, else what is wrong.
type hearInvariant struct {
	name  string
	check func(c *hearCase) string
}

// forPairs calls fn for every ordered pair of distinct parties and returns
// the first complaint.
func forPairs(c *hearCase, fn func(li, si int, l, s Party) string) string {
	for li, l := range c.state.Parties {
		for si, s := range c.state.Parties {
			if li == si {
				continue
			}
			if msg := fn(li, si, l, s); msg != "" {
				return fmt.Sprintf("%s %s", l.ID, msg+" "+string(s.ID))
			}
		}
	}
	return ""
}

var hearInvariants = []hearInvariant{
	{"no self pairs", func(c *hearCase) string {
		for _, p := range c.pairs {
			if p.Listener == p.Speaker {
				return fmt.Sprintf("self pair %v", p)
			}
		}
		return ""
	}},
	{"customer never hears a supervisor not in barge", func(c *hearCase) string {
		return forPairs(c, func(li, si int, l, s Party) string {
			if isCustomer(l) && isSupervisor(s) && s.Mode != ModeBarge && c.hears(li, si) {
				return "(customer) hears non-barge supervisor"
			}
			return ""
		})
	}},
	{"customer never hears a talk-back agent", func(c *hearCase) string {
		return forPairs(c, func(li, si int, l, s Party) string {
			if isCustomer(l) && isTalkBack(s) && c.hears(li, si) {
				return "(customer) hears talk-back agent"
			}
			return ""
		})
	}},
	{"whisper supervisor is heard by no customer", func(c *hearCase) string {
		return forPairs(c, func(li, si int, l, s Party) string {
			if isSupIn(s, ModeWhisper) && isCustomer(l) && c.hears(li, si) {
				return "(customer) hears whisper supervisor"
			}
			return ""
		})
	}},
	{"listen supervisor is heard by nobody", func(c *hearCase) string {
		return forPairs(c, func(li, si int, l, s Party) string {
			if isSupIn(s, ModeListen) && c.hears(li, si) {
				return "hears listen supervisor"
			}
			return ""
		})
	}},
	{"held customer hears nobody and is heard by nobody", func(c *hearCase) string {
		return forPairs(c, func(li, si int, l, s Party) string {
			if (heldCustomer(c.state, l) || heldCustomer(c.state, s)) && c.hears(li, si) {
				return "hears (across hold)"
			}
			return ""
		})
	}},
	{"muted party is heard by nobody", func(c *hearCase) string {
		return forPairs(c, func(li, si int, l, s Party) string {
			if s.Muted && c.hears(li, si) {
				return "hears muted"
			}
			return ""
		})
	}},
	{"talk-back agent is heard only by whisper supervisors, and by all of them", func(c *hearCase) string {
		return forPairs(c, func(li, si int, l, s Party) string {
			if !isTalkBack(s) || s.Muted {
				return ""
			}
			if want := isSupIn(l, ModeWhisper); c.hears(li, si) != want {
				return fmt.Sprintf("hears=%t, want %t: talk-back agent", c.hears(li, si), want)
			}
			return ""
		})
	}},
	{"every supervisor hears every party anyone hears, except talk-back and a paused customer", func(c *hearCase) string {
		return forPairs(c, func(li, si int, l, s Party) string {
			if !isSupervisor(l) || isTalkBack(s) || (c.state.PCIPaused && isCustomer(s)) || !c.heardByAnyone(si) || c.hears(li, si) {
				return ""
			}
			return "(supervisor) misses a party someone else hears:"
		})
	}},
	{"supervisors hear every audible customer", func(c *hearCase) string {
		return forPairs(c, func(li, si int, l, s Party) string {
			if isSupervisor(l) && isCustomer(s) && !s.Muted && !c.state.CustomerHeld && !c.state.PCIPaused && !c.hears(li, si) {
				return "(supervisor) misses customer"
			}
			return ""
		})
	}},
	{"during a PCI pause no supervisor hears a customer, whatever its mode", func(c *hearCase) string {
		return forPairs(c, func(li, si int, l, s Party) string {
			if c.state.PCIPaused && pciGuarded(l, s) && c.hears(li, si) {
				return "(supervisor) hears customer during PCI pause:"
			}
			return ""
		})
	}},
	{"a PCI pause removes exactly the supervisor-hears-customer pairs", func(c *hearCase) string {
		flipped, err := newHearCase(HearState{Parties: c.state.Parties, CustomerHeld: c.state.CustomerHeld, PCIPaused: !c.state.PCIPaused})
		if err != nil {
			return err.Error()
		}
		paused, open := c, &flipped
		if !c.state.PCIPaused {
			paused, open = &flipped, c
		}
		return forPairs(c, func(li, si int, l, s Party) string {
			want := open.hears(li, si)
			if pciGuarded(l, s) {
				want = false
			}
			if got := paused.hears(li, si); got != want {
				return fmt.Sprintf("paused hears=%t, unpaused hears=%t:", got, open.hears(li, si))
			}
			return ""
		})
	}},
	{"customer and agent hear each other", func(c *hearCase) string {
		return forPairs(c, func(li, si int, l, s Party) string {
			if c.state.CustomerHeld {
				return ""
			}
			want, ok := false, false
			switch {
			case isAgent(l) && isCustomer(s):
				want, ok = !s.Muted, true
			case isCustomer(l) && isAgent(s):
				want, ok = !s.Muted && !s.TalkBack, true
			}
			if ok && c.hears(li, si) != want {
				return fmt.Sprintf("hears=%t, want %t:", c.hears(li, si), want)
			}
			return ""
		})
	}},
	{"agents hear other agents", func(c *hearCase) string {
		return forPairs(c, func(li, si int, l, s Party) string {
			if isAgent(l) && isAgent(s) && c.hears(li, si) != (!s.Muted && !s.TalkBack) {
				return fmt.Sprintf("(agent) hears=%t agent", c.hears(li, si))
			}
			return ""
		})
	}},
	{"customers hear other customers", func(c *hearCase) string {
		return forPairs(c, func(li, si int, l, s Party) string {
			if isCustomer(l) && isCustomer(s) && c.hears(li, si) != (!s.Muted && !c.state.CustomerHeld) {
				return fmt.Sprintf("(customer) hears=%t customer", c.hears(li, si))
			}
			return ""
		})
	}},
	{"barge supervisor is heard by everyone not held", func(c *hearCase) string {
		return forPairs(c, func(li, si int, l, s Party) string {
			if isSupIn(s, ModeBarge) && !s.Muted && !heldCustomer(c.state, l) && !c.hears(li, si) {
				return "misses barge supervisor"
			}
			return ""
		})
	}},
	{"whisper supervisor is heard by every agent and supervisor", func(c *hearCase) string {
		return forPairs(c, func(li, si int, l, s Party) string {
			if isSupIn(s, ModeWhisper) && !s.Muted && (isAgent(l) || isSupervisor(l)) && !c.hears(li, si) {
				return "misses whisper supervisor"
			}
			return ""
		})
	}},
	{"CanHear agrees with HearMatrix", func(c *hearCase) string {
		ids := []PartyID{"", "nobody"}
		for _, p := range c.state.Parties {
			ids = append(ids, p.ID)
		}
		for _, l := range ids {
			for _, s := range ids {
				want := slices.Contains(c.pairs, Pair{Listener: l, Speaker: s})
				if got := CanHear(c.state, l, s); got != want {
					return fmt.Sprintf("CanHear(%q, %q) = %t, HearMatrix says %t", l, s, got, want)
				}
			}
		}
		return ""
	}},
	{"deterministic and ordered by listener then speaker index", func(c *hearCase) string {
		copied := HearState{Parties: slices.Clone(c.state.Parties), CustomerHeld: c.state.CustomerHeld, PCIPaused: c.state.PCIPaused}
		if again := HearMatrix(copied); !reflect.DeepEqual(again, c.pairs) {
			return fmt.Sprintf("second call gave %v, first %v", again, c.pairs)
		}
		last := -1
		for _, pr := range c.pairs {
			li := slices.IndexFunc(c.state.Parties, func(p Party) bool { return p.ID == pr.Listener })
			si := slices.IndexFunc(c.state.Parties, func(p Party) bool { return p.ID == pr.Speaker })
			key := li*8 + si
			if key <= last {
				return fmt.Sprintf("pair %v out of order in %v", pr, c.pairs)
			}
			last = key
		}
		return ""
	}},
	{"independent of the order of Parties", func(c *hearCase) string {
		rev := HearState{Parties: slices.Clone(c.state.Parties), CustomerHeld: c.state.CustomerHeld, PCIPaused: c.state.PCIPaused}
		slices.Reverse(rev.Parties)
		got := HearMatrix(rev)
		if len(got) != len(c.pairs) {
			return fmt.Sprintf("reversed parties: %v, want the set %v", got, c.pairs)
		}
		for _, pr := range got {
			if !slices.Contains(c.pairs, pr) {
				return fmt.Sprintf("reversed parties add %v", pr)
			}
		}
		return ""
	}},
	{"mute does not stop hearing and only silences the muted party", func(c *hearCase) string {
		for i, p := range c.state.Parties {
			if !p.Muted {
				continue
			}
			un := HearState{Parties: slices.Clone(c.state.Parties), CustomerHeld: c.state.CustomerHeld, PCIPaused: c.state.PCIPaused}
			un.Parties[i].Muted = false
			uc, err := newHearCase(un)
			if err != nil {
				return err.Error()
			}
			if !slices.Equal(uc.hearerSet(i), c.hearerSet(i)) {
				return fmt.Sprintf("unmuting %s changes what it hears: %v vs %v", p.ID, uc.hearerSet(i), c.hearerSet(i))
			}
			for _, pr := range c.pairs {
				if !slices.Contains(uc.pairs, pr) {
					return fmt.Sprintf("unmuting %s removes %v", p.ID, pr)
				}
			}
			for _, pr := range uc.pairs {
				if !slices.Contains(c.pairs, pr) && pr.Speaker != p.ID {
					return fmt.Sprintf("unmuting %s adds unrelated %v", p.ID, pr)
				}
			}
		}
		return ""
	}},
	{"hold only changes pairs that involve a customer", func(c *hearCase) string {
		flipped := HearState{Parties: c.state.Parties, CustomerHeld: !c.state.CustomerHeld, PCIPaused: c.state.PCIPaused}
		customers := map[PartyID]bool{}
		for _, p := range c.state.Parties {
			customers[p.ID] = isCustomer(p)
		}
		notCustomer := func(ps []Pair) []Pair {
			var out []Pair
			for _, pr := range ps {
				if !customers[pr.Listener] && !customers[pr.Speaker] {
					out = append(out, pr)
				}
			}
			return out
		}
		if a, b := notCustomer(c.pairs), notCustomer(HearMatrix(flipped)); !slices.Equal(a, b) {
			return fmt.Sprintf("held=%t: %v, held=%t: %v", c.state.CustomerHeld, a, !c.state.CustomerHeld, b)
		}
		return ""
	}},
	{"fields a role does not use are ignored", func(c *hearCase) string {
		for _, mode := range []Mode{ModeUnknown, ModeListen, ModeBarge, Mode(99)} {
			noisy := HearState{Parties: slices.Clone(c.state.Parties), CustomerHeld: c.state.CustomerHeld, PCIPaused: c.state.PCIPaused}
			for i := range noisy.Parties {
				switch noisy.Parties[i].Role {
				case PartyCustomer:
					noisy.Parties[i].Mode, noisy.Parties[i].TalkBack = mode, true
				case PartyAgent:
					noisy.Parties[i].Mode = mode
				case PartySupervisor:
					noisy.Parties[i].TalkBack = true
				}
			}
			if got := HearMatrix(noisy); !reflect.DeepEqual(got, c.pairs) {
				return fmt.Sprintf("Mode %s on customers/agents, TalkBack on customers/supervisors: %v, want %v", mode, got, c.pairs)
			}
		}
		return ""
	}},
	{"unknown, empty-ID and duplicate-ID parties fail closed", func(c *hearCase) string {
		without := func(id PartyID) []Pair {
			var out []Pair
			for _, pr := range c.pairs {
				if pr.Listener != id && pr.Speaker != id {
					out = append(out, pr)
				}
			}
			return out
		}
		type variant struct {
			extra  Party
			front  bool
			silent PartyID // the ID that must drop out of the matrix
		}
		variants := []variant{
			{extra: Party{ID: "x", Role: PartyUnknown}, silent: "x"},
			{extra: Party{ID: "x", Role: PartySupervisor, Mode: ModeUnknown}, front: true, silent: "x"},
			{extra: Party{ID: "x", Role: PartyRole(99), Mode: ModeBarge}, silent: "x"},
			{extra: Party{ID: "x", Role: PartySupervisor, Mode: Mode(-1)}, silent: "x"},
			{extra: Party{ID: "", Role: PartySupervisor, Mode: ModeBarge}, silent: ""},
		}
		if len(c.state.Parties) > 0 {
			first := c.state.Parties[0].ID
			variants = append(variants,
				variant{extra: Party{ID: first, Role: PartySupervisor, Mode: ModeBarge}, silent: first},
				variant{extra: Party{ID: first, Role: PartyAgent}, front: true, silent: first},
			)
		}
		for _, v := range variants {
			parties := slices.Clone(c.state.Parties)
			if v.front {
				parties = slices.Insert(parties, 0, v.extra)
			} else {
				parties = append(parties, v.extra)
			}
			got := HearMatrix(HearState{Parties: parties, CustomerHeld: c.state.CustomerHeld, PCIPaused: c.state.PCIPaused})
			if want := without(v.silent); !reflect.DeepEqual(got, want) {
				return fmt.Sprintf("with %+v added: %v, want %v", v.extra, got, want)
			}
		}
		return ""
	}},
}

func TestHearMatrixInvariants(t *testing.T) {
	states := allHearStates()
	cases := make([]hearCase, 0, len(states))
	for _, s := range states {
		c, err := newHearCase(s)
		if err != nil {
			t.Fatalf("%s: %v", describe(s), err)
		}
		cases = append(cases, c)
	}
	for _, inv := range hearInvariants {
		t.Run(inv.name, func(t *testing.T) {
			failures := 0
			for i := range cases {
				if msg := inv.check(&cases[i]); msg != "" {
					t.Errorf("%s: %s", describe(cases[i].state), msg)
					if failures++; failures == 5 {
						t.Fatalf("stopping after %d failures", failures)
					}
				}
			}
		})
	}
	t.Logf("hear-matrix: %d states checked against %d invariants (%d state×invariant checks)",
		len(cases), len(hearInvariants), len(cases)*len(hearInvariants))
}

func TestHearMatrixExamples(t *testing.T) {
	cust := Party{ID: "cust", Role: PartyCustomer}
	agent := Party{ID: "agent", Role: PartyAgent}
	sup := func(m Mode) Party { return Party{ID: "sup", Role: PartySupervisor, Mode: m} }
	tests := []struct {
		name  string
		state HearState
		want  []Pair
	}{
		{"empty", HearState{}, nil},
		{"lone customer", HearState{Parties: []Party{cust}}, nil},
		{"call", HearState{Parties: []Party{cust, agent}}, []Pair{{"cust", "agent"}, {"agent", "cust"}}},
		{"listen", HearState{Parties: []Party{cust, agent, sup(ModeListen)}},
			[]Pair{{"cust", "agent"}, {"agent", "cust"}, {"sup", "cust"}, {"sup", "agent"}}},
		{"whisper", HearState{Parties: []Party{cust, agent, sup(ModeWhisper)}},
			[]Pair{{"cust", "agent"}, {"agent", "cust"}, {"agent", "sup"}, {"sup", "cust"}, {"sup", "agent"}}},
		{"barge", HearState{Parties: []Party{cust, agent, sup(ModeBarge)}},
			[]Pair{{"cust", "agent"}, {"cust", "sup"}, {"agent", "cust"}, {"agent", "sup"}, {"sup", "cust"}, {"sup", "agent"}}},
		{"talk-back while coached", HearState{Parties: []Party{cust, {ID: "agent", Role: PartyAgent, TalkBack: true}, sup(ModeWhisper)}},
			[]Pair{{"agent", "cust"}, {"agent", "sup"}, {"sup", "cust"}, {"sup", "agent"}}},
		{"talk-back with only a listener", HearState{Parties: []Party{cust, {ID: "agent", Role: PartyAgent, TalkBack: true}, sup(ModeListen)}},
			[]Pair{{"agent", "cust"}, {"sup", "cust"}}},
		{"held during barge", HearState{Parties: []Party{cust, agent, sup(ModeBarge)}, CustomerHeld: true},
			[]Pair{{"agent", "sup"}, {"sup", "agent"}}},
		{"PCI pause during barge", HearState{Parties: []Party{cust, agent, sup(ModeBarge)}, PCIPaused: true},
			[]Pair{{"cust", "agent"}, {"cust", "sup"}, {"agent", "cust"}, {"agent", "sup"}, {"sup", "agent"}}},
		{"PCI pause while listening", HearState{Parties: []Party{cust, agent, sup(ModeListen)}, PCIPaused: true},
			[]Pair{{"cust", "agent"}, {"agent", "cust"}, {"sup", "agent"}}},
		{"muted agent still hears", HearState{Parties: []Party{cust, {ID: "agent", Role: PartyAgent, Muted: true}}},
			[]Pair{{"agent", "cust"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := HearMatrix(tt.state); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("HearMatrix(%s) = %v, want %v", describe(tt.state), got, tt.want)
			}
		})
	}
}

func TestHearMatrixFailsClosed(t *testing.T) {
	normal := []Party{
		{ID: "cust", Role: PartyCustomer},
		{ID: "agent", Role: PartyAgent},
		{ID: "barge", Role: PartySupervisor, Mode: ModeBarge},
		{ID: "whisper", Role: PartySupervisor, Mode: ModeWhisper},
	}
	odd := []struct {
		name  string
		party Party
	}{
		{"unknown role", Party{ID: "odd", Role: PartyUnknown}},
		{"unknown role with barge mode", Party{ID: "odd", Role: PartyUnknown, Mode: ModeBarge}},
		{"supervisor with unknown mode", Party{ID: "odd", Role: PartySupervisor, Mode: ModeUnknown}},
		{"out-of-range role", Party{ID: "odd", Role: PartyRole(42)}},
		{"out-of-range mode", Party{ID: "odd", Role: PartySupervisor, Mode: Mode(42)}},
		{"empty ID", Party{ID: "", Role: PartyAgent}},
		{"ID shared with the customer", Party{ID: "cust", Role: PartySupervisor, Mode: ModeBarge}},
	}
	for _, tt := range odd {
		t.Run(tt.name, func(t *testing.T) {
			s := HearState{Parties: append(slices.Clone(normal), tt.party)}
			for _, pr := range HearMatrix(s) {
				if pr.Listener == tt.party.ID || pr.Speaker == tt.party.ID {
					t.Errorf("pair %v includes the odd party", pr)
				}
			}
			for _, p := range s.Parties {
				if CanHear(s, tt.party.ID, p.ID) || CanHear(s, p.ID, tt.party.ID) {
					t.Errorf("CanHear between odd party and %s", p.ID)
				}
			}
			for _, kind := range []MessageKind{MessagePublic, MessageWhisper} {
				if CanPost(s, tt.party.ID, kind) {
					t.Errorf("odd party may post %s", kind)
				}
				if slices.Contains(ChatAudience(s, "agent", kind), tt.party.ID) {
					t.Errorf("odd party receives %s", kind)
				}
			}
		})
	}
}

func BenchmarkHearMatrix(b *testing.B) {
	s := HearState{Parties: []Party{
		{ID: "customer", Role: PartyCustomer},
		{ID: "agent", Role: PartyAgent, TalkBack: true},
		{ID: "listen", Role: PartySupervisor, Mode: ModeListen},
		{ID: "whisper", Role: PartySupervisor, Mode: ModeWhisper},
		{ID: "barge", Role: PartySupervisor, Mode: ModeBarge},
	}}
	b.ReportAllocs()
	for b.Loop() {
		if len(HearMatrix(s)) == 0 {
			b.Fatal("empty matrix")
		}
	}
}

func BenchmarkCanHear(b *testing.B) {
	s := HearState{Parties: []Party{
		{ID: "customer", Role: PartyCustomer},
		{ID: "agent", Role: PartyAgent},
		{ID: "listen", Role: PartySupervisor, Mode: ModeListen},
		{ID: "whisper", Role: PartySupervisor, Mode: ModeWhisper},
		{ID: "barge", Role: PartySupervisor, Mode: ModeBarge},
	}}
	b.ReportAllocs()
	for b.Loop() {
		if CanHear(s, "customer", "whisper") {
			b.Fatal("customer hears whisper")
		}
	}
}
