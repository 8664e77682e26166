package callcenter

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// allMessageKinds includes values outside the enum so that unknown kinds are
// proven to fail closed.
var allMessageKinds = []MessageKind{MessageUnknown, MessagePublic, MessageWhisper, MessageKind(9), MessageKind(-1)}

// chatSenders is every party of s plus IDs that name nobody usable.
func chatSenders(s HearState) []PartyID {
	ids := []PartyID{"", "nobody"}
	for _, p := range s.Parties {
		ids = append(ids, p.ID)
	}
	return ids
}

// partyByID returns the party with the given ID, if any.
func partyByID(s HearState, id PartyID) (Party, bool) {
	i := slices.IndexFunc(s.Parties, func(p Party) bool { return p.ID == id })
	if i < 0 {
		return Party{}, false
	}
	return s.Parties[i], true
}

// chatInvariant is one rule of the chat section of docs/hear-matrix.md.
// check is called for every state, sender and kind; perState, when set, is
// called once per state instead (for checks that build variant states).
type chatInvariant struct {
	name     string
	check    func(s HearState, from PartyID, kind MessageKind) string
	perState func(s HearState) string
}

var chatInvariants = []chatInvariant{
	{name: "a whisper never has a customer in its audience", check: func(s HearState, from PartyID, kind MessageKind) string {
		if kind == MessagePublic {
			return ""
		}
		for _, id := range ChatAudience(s, from, kind) {
			if p, _ := partyByID(s, id); isCustomer(p) {
				return fmt.Sprintf("%s message reaches customer %s", kind, id)
			}
		}
		return ""
	}},
	{name: "a customer can never post a whisper", check: func(s HearState, from PartyID, kind MessageKind) string {
		if p, ok := partyByID(s, from); ok && isCustomer(p) && kind != MessagePublic && CanPost(s, from, kind) {
			return fmt.Sprintf("customer may post %s", kind)
		}
		return ""
	}},
	{name: "only barge supervisors among supervisors post public", check: func(s HearState, from PartyID, kind MessageKind) string {
		p, ok := partyByID(s, from)
		if ok && isSupervisor(p) && kind == MessagePublic && CanPost(s, from, kind) != (p.Mode == ModeBarge) {
			return fmt.Sprintf("supervisor in %s: CanPost public = %t", p.Mode, CanPost(s, from, kind))
		}
		return ""
	}},
	{name: "customers and agents post public; agents and every supervisor post whisper", check: func(s HearState, from PartyID, kind MessageKind) string {
		p, ok := partyByID(s, from)
		if !ok {
			return ""
		}
		want := (kind == MessagePublic && (isCustomer(p) || isAgent(p))) ||
			(kind == MessageWhisper && (isAgent(p) || isSupervisor(p)))
		if want && !CanPost(s, from, kind) {
			return fmt.Sprintf("%s may not post %s", p.Role, kind)
		}
		return ""
	}},
	{name: "unknown kinds and unknown senders post nothing", check: func(s HearState, from PartyID, kind MessageKind) string {
		_, ok := partyByID(s, from)
		if (!ok || (kind != MessagePublic && kind != MessageWhisper)) && CanPost(s, from, kind) {
			return fmt.Sprintf("%q may post %s", from, kind)
		}
		return ""
	}},
	{name: "audience is nil exactly when CanPost is false", check: func(s HearState, from PartyID, kind MessageKind) string {
		if aud := ChatAudience(s, from, kind); (aud == nil) == CanPost(s, from, kind) {
			return fmt.Sprintf("%q %s: CanPost=%t audience=%v", from, kind, CanPost(s, from, kind), aud)
		}
		return ""
	}},
	{name: "audience echoes the sender, in Parties order, without duplicates", check: func(s HearState, from PartyID, kind MessageKind) string {
		aud := ChatAudience(s, from, kind)
		if aud == nil {
			return ""
		}
		if !slices.Contains(aud, from) {
			return fmt.Sprintf("%q %s: no echo in %v", from, kind, aud)
		}
		last := -1
		for _, id := range aud {
			i := slices.IndexFunc(s.Parties, func(p Party) bool { return p.ID == id })
			if i <= last {
				return fmt.Sprintf("%q %s: %v not in Parties order or repeats", from, kind, aud)
			}
			last = i
		}
		return ""
	}},
	{name: "public reaches every party; whisper reaches every agent and supervisor", check: func(s HearState, from PartyID, kind MessageKind) string {
		if !CanPost(s, from, kind) {
			return ""
		}
		aud := ChatAudience(s, from, kind)
		for _, p := range s.Parties {
			want := kind == MessagePublic || isAgent(p) || isSupervisor(p)
			if want && !slices.Contains(aud, p.ID) {
				return fmt.Sprintf("%q %s misses %s", from, kind, p.ID)
			}
		}
		return ""
	}},
	{name: "hold, mute, talk-back and PCI pause do not affect chat", perState: func(s HearState) string {
		calm := HearState{Parties: slices.Clone(s.Parties)}
		for i := range calm.Parties {
			calm.Parties[i].Muted, calm.Parties[i].TalkBack = false, false
		}
		paused := HearState{Parties: s.Parties, CustomerHeld: s.CustomerHeld, PCIPaused: !s.PCIPaused}
		for _, from := range chatSenders(s) {
			for _, kind := range allMessageKinds {
				if CanPost(s, from, kind) != CanPost(calm, from, kind) ||
					!reflect.DeepEqual(ChatAudience(s, from, kind), ChatAudience(calm, from, kind)) {
					return fmt.Sprintf("%q %s differs once nobody is held, muted, talking back or paused", from, kind)
				}
				if CanPost(s, from, kind) != CanPost(paused, from, kind) ||
					!reflect.DeepEqual(ChatAudience(s, from, kind), ChatAudience(paused, from, kind)) {
					return fmt.Sprintf("%q %s differs with the PCI pause flipped", from, kind)
				}
			}
		}
		return ""
	}},
	{name: "deterministic", perState: func(s HearState) string {
		copied := HearState{Parties: slices.Clone(s.Parties), CustomerHeld: s.CustomerHeld, PCIPaused: s.PCIPaused}
		for _, from := range chatSenders(s) {
			for _, kind := range allMessageKinds {
				if a, b := ChatAudience(s, from, kind), ChatAudience(copied, from, kind); !reflect.DeepEqual(a, b) {
					return fmt.Sprintf("%q %s: %v then %v", from, kind, a, b)
				}
			}
		}
		return ""
	}},
	{name: "unknown, empty-ID and duplicate-ID parties fail closed", perState: func(s HearState) string {
		extras := []Party{
			{ID: "x", Role: PartyUnknown},
			{ID: "x", Role: PartySupervisor, Mode: ModeUnknown},
			{ID: "", Role: PartySupervisor, Mode: ModeBarge},
		}
		if len(s.Parties) > 0 {
			extras = append(extras, Party{ID: s.Parties[0].ID, Role: PartyAgent})
		}
		// Unknown kinds post nothing anyway (checked above), so the variants
		// need only the two real kinds.
		kinds := []MessageKind{MessagePublic, MessageWhisper}
		senders := chatSenders(s)
		base := make([][]PartyID, len(kinds)*len(senders))
		for ki, kind := range kinds {
			for fi, from := range senders {
				base[ki*len(senders)+fi] = ChatAudience(s, from, kind)
			}
		}
		for _, extra := range extras {
			v := HearState{Parties: append(slices.Clone(s.Parties), extra), CustomerHeld: s.CustomerHeld, PCIPaused: s.PCIPaused}
			for ki, kind := range kinds {
				if CanPost(v, extra.ID, kind) {
					return fmt.Sprintf("added %+v may post %s", extra, kind)
				}
				for fi, from := range senders {
					var want []PartyID
					for _, id := range base[ki*len(senders)+fi] {
						if id != extra.ID {
							want = append(want, id)
						}
					}
					if from == extra.ID {
						want = nil
					}
					if got := ChatAudience(v, from, kind); !reflect.DeepEqual(got, want) {
						return fmt.Sprintf("added %+v: %q %s reaches %v, want %v", extra, from, kind, got, want)
					}
				}
			}
		}
		return ""
	}},
}

func TestChatAudienceInvariants(t *testing.T) {
	// Chat ignores the PCI pause, and the invariant about hold, mute,
	// talk-back and pause checks each state against its paused twin, so the
	// paused half of the enumeration would only repeat the unpaused one.
	states := slices.DeleteFunc(allHearStates(), func(s HearState) bool { return s.PCIPaused })
	triples := 0
	for _, s := range states {
		triples += len(chatSenders(s)) * len(allMessageKinds)
	}
	for _, inv := range chatInvariants {
		t.Run(inv.name, func(t *testing.T) {
			failures := 0
			for _, s := range states {
				if inv.perState != nil {
					if msg := inv.perState(s); msg != "" {
						t.Errorf("%s: %s", describe(s), msg)
						if failures++; failures == 5 {
							t.Fatalf("stopping after %d failures", failures)
						}
					}
					continue
				}
				for _, from := range chatSenders(s) {
					for _, kind := range allMessageKinds {
						if msg := inv.check(s, from, kind); msg != "" {
							t.Errorf("%s: %s", describe(s), msg)
							if failures++; failures == 5 {
								t.Fatalf("stopping after %d failures", failures)
							}
						}
					}
				}
			}
		})
	}
	t.Logf("chat: %d states × senders × kinds = %d combinations checked against %d invariants",
		len(states), triples, len(chatInvariants))
}

func TestMessageKindString(t *testing.T) {
	for _, k := range []MessageKind{MessagePublic, MessageWhisper} {
		t.Run(k.String(), func(t *testing.T) {
			got, err := ParseMessageKind(strings.ToUpper(k.String()))
			if err != nil || got != k {
				t.Errorf("ParseMessageKind(%q) = %v, %v", k.String(), got, err)
			}
		})
	}
	for _, raw := range []string{"", "unknown", "private", "whisper "} {
		t.Run("reject "+raw, func(t *testing.T) {
			got, err := ParseMessageKind(raw)
			if got != MessageUnknown || !errors.Is(err, errUnknownMessageKind) {
				t.Errorf("ParseMessageKind(%q) = %v, %v", raw, got, err)
			}
		})
	}
	for _, k := range []MessageKind{MessageUnknown, MessageKind(9), MessageKind(-1)} {
		if k.String() != "unknown" {
			t.Errorf("MessageKind(%d).String() = %q", int(k), k.String())
		}
	}
}

// chatSeats are the rows/columns of the chat tables; variants cover every
// mute and talk-back setting so the tables prove those do not matter.
func chatSeats() []seat {
	vary := func(label string, ps ...Party) seat {
		var vs []Party
		for _, p := range ps {
			for _, muted := range bools {
				for _, talkBack := range bools {
					p.Muted, p.TalkBack = muted, talkBack
					vs = append(vs, p)
				}
			}
		}
		return seat{label: label, variants: vs}
	}
	sup := func(m Mode) Party { return Party{Role: PartySupervisor, Mode: m} }
	return []seat{
		vary("customer", Party{Role: PartyCustomer}),
		vary("agent", Party{Role: PartyAgent}),
		vary("supervisor Listen", sup(ModeListen)),
		vary("supervisor Whisper", sup(ModeWhisper)),
		vary("supervisor Barge", sup(ModeBarge)),
		vary("unknown role or mode", Party{Role: PartyUnknown}, sup(ModeUnknown), Party{Role: PartyRole(42)}),
	}
}

// yesNo folds every observation of a cell into "yes" or "no", or an error if
// they disagree.
func yesNo(seen map[bool]bool, what string) (string, error) {
	switch {
	case len(seen) != 1:
		return "", fmt.Errorf("%s: variants disagree", what)
	case seen[true]:
		return "yes", nil
	}
	return "no", nil
}

// renderChatTables renders the two chat tables of docs/hear-matrix.md from
// the code, over hold on and off.
func renderChatTables() (string, error) {
	kinds := []MessageKind{MessagePublic, MessageWhisper}
	seats := chatSeats()
	var b strings.Builder
	b.WriteString("| sender ↓ may post → | public | whisper |\n|---|---|---|\n")
	for _, row := range seats {
		b.WriteString("| **" + row.label + "** |")
		for _, kind := range kinds {
			seen := map[bool]bool{}
			for _, p := range row.variants {
				for _, held := range bools {
					p.ID = "S"
					seen[CanPost(HearState{Parties: []Party{p}, CustomerHeld: held}, "S", kind)] = true
				}
			}
			cell, err := yesNo(seen, row.label+" posts "+kind.String())
			if err != nil {
				return "", err
			}
			b.WriteString(" " + cell + " |")
		}
		b.WriteString("\n")
	}

	b.WriteString("\n| message ↓ reaches → | sender (echo) |")
	for _, col := range seats {
		b.WriteString(" " + col.label + " |")
	}
	b.WriteString("\n|---|---|")
	for range seats {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, kind := range kinds {
		echo := map[bool]bool{}
		cells := make([]map[bool]bool, len(seats))
		for ci, col := range seats {
			cells[ci] = map[bool]bool{}
			for _, sender := range seats {
				for _, s := range sender.variants {
					for _, r := range col.variants {
						for _, held := range bools {
							s.ID, r.ID = "S", "R"
							st := HearState{Parties: []Party{s, r}, CustomerHeld: held}
							if !CanPost(st, "S", kind) {
								continue
							}
							aud := ChatAudience(st, "S", kind)
							echo[slices.Contains(aud, "S")] = true
							cells[ci][slices.Contains(aud, "R")] = true
						}
					}
				}
			}
		}
		cell, err := yesNo(echo, kind.String()+" echo")
		if err != nil {
			return "", err
		}
		b.WriteString("| **" + kind.String() + "** | " + cell + " |")
		for ci, col := range seats {
			cell, err := yesNo(cells[ci], kind.String()+" reaches "+col.label)
			if err != nil {
				return "", err
			}
			b.WriteString(" " + cell + " |")
		}
		b.WriteString("\n")
	}
	return b.String(), nil
}

// TestChatAudienceDocTable keeps the chat tables of docs/hear-matrix.md
// exact to the code.
func TestChatAudienceDocTable(t *testing.T) {
	tables, err := renderChatTables()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("../docs/hear-matrix.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), tables) {
		t.Errorf("docs/hear-matrix.md does not contain the chat tables the code gives; expected:\n%s", tables)
	}
}
