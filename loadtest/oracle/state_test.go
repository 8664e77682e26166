package oracle

import (
	"testing"

	"github.com/earshot/earshot/callcenter"
)

// allStates enumerates every state of the load tester's call shape.
func allStates() []State {
	var out []State
	for _, agent := range []bool{false, true} {
		for _, held := range []bool{false, true} {
			for _, pci := range []bool{false, true} {
				out = append(out, State{Agent: agent, Held: held, PCIPaused: pci})
				for _, m := range []Mode{ModeListen, ModeWhisper, ModeBarge} {
					out = append(out, State{Agent: agent, Held: held, PCIPaused: pci, Supervisor: true, Mode: m})
				}
			}
		}
	}
	return out
}

// TestHearsAgreesWithHearMatrix checks the oracle's restatement of the
// rules against the server's hear-matrix on every state of this shape, so
// the two were written independently but cannot silently disagree.
func TestHearsAgreesWithHearMatrix(t *testing.T) {
	ids := map[Role]callcenter.PartyID{RoleCustomer: "c", RoleAgent: "a", RoleSupervisor: "s"}
	modes := map[Mode]callcenter.Mode{ModeListen: callcenter.ModeListen, ModeWhisper: callcenter.ModeWhisper, ModeBarge: callcenter.ModeBarge}
	for _, s := range allStates() {
		hs := callcenter.HearState{CustomerHeld: s.Held, PCIPaused: s.PCIPaused, Parties: []callcenter.Party{{ID: "c", Role: callcenter.PartyCustomer}}}
		if s.Agent {
			hs.Parties = append(hs.Parties, callcenter.Party{ID: "a", Role: callcenter.PartyAgent})
		}
		if s.Supervisor {
			hs.Parties = append(hs.Parties, callcenter.Party{ID: "s", Role: callcenter.PartySupervisor, Mode: modes[s.Mode]})
		}
		for l := RoleCustomer; l < numRoles; l++ {
			for sp := RoleCustomer; sp < numRoles; sp++ {
				want := callcenter.CanHear(hs, ids[l], ids[sp])
				if got := s.Hears(l, sp); got != want {
					t.Errorf("%+v: %s hears %s = %v, hear-matrix says %v", s, l, sp, got, want)
				}
			}
		}
	}
}

func TestChatRules(t *testing.T) {
	t.Run("whisper never reaches a customer", func(t *testing.T) {
		if ChatAudience(RoleCustomer, true) {
			t.Fatal("customer in whisper audience")
		}
		for _, r := range []Role{RoleCustomer, RoleAgent, RoleSupervisor} {
			if !ChatAudience(r, false) {
				t.Fatalf("%s not in public audience", r)
			}
		}
		if ChatAudience(RoleUnknown, false) {
			t.Fatal("unknown role in audience")
		}
	})
	t.Run("posting", func(t *testing.T) {
		listen := State{Agent: true, Supervisor: true, Mode: ModeListen}
		barge := State{Agent: true, Supervisor: true, Mode: ModeBarge}
		cases := []struct {
			s       State
			r       Role
			whisper bool
			want    bool
		}{
			{listen, RoleCustomer, false, true}, {listen, RoleCustomer, true, false},
			{listen, RoleAgent, true, true}, {listen, RoleSupervisor, true, true},
			{listen, RoleSupervisor, false, false}, {barge, RoleSupervisor, false, true},
			{listen, RoleUnknown, false, false},
		}
		for _, c := range cases {
			if got := CanPost(c.s, c.r, c.whisper); got != c.want {
				t.Errorf("CanPost(%+v, %s, whisper=%v) = %v", c.s, c.r, c.whisper, got)
			}
		}
	})
}

func TestEnums(t *testing.T) {
	t.Run("roles", func(t *testing.T) {
		for _, r := range []Role{RoleCustomer, RoleAgent, RoleSupervisor} {
			got, err := ParseRole(r.String())
			if err != nil || got != r {
				t.Fatalf("%s: %v %v", r, got, err)
			}
		}
		if _, err := ParseRole("boss"); err == nil {
			t.Fatal("parsed boss")
		}
		if Role(9).String() != "unknown" {
			t.Fatal("out of range role")
		}
	})
	t.Run("modes", func(t *testing.T) {
		for _, m := range []Mode{ModeListen, ModeWhisper, ModeBarge} {
			got, err := ParseMode(m.String())
			if err != nil || got != m {
				t.Fatalf("%s: %v %v", m, got, err)
			}
		}
		if _, err := ParseMode("shout"); err == nil {
			t.Fatal("parsed shout")
		}
		if ModeListen.Next() != ModeWhisper || ModeWhisper.Next() != ModeBarge || ModeBarge.Next() != ModeListen {
			t.Fatal("schedule")
		}
	})
	t.Run("verdicts", func(t *testing.T) {
		if VerdictLeak.String() != "leak" || Verdict(7).String() != "unknown" {
			t.Fatal("verdict names")
		}
		for _, v := range []Verdict{VerdictOK, VerdictGrace, VerdictLeak} {
			if got, err := ParseVerdict(v.String()); err != nil || got != v {
				t.Fatalf("%s: %v %v", v, got, err)
			}
		}
		if _, err := ParseVerdict("maybe"); err == nil {
			t.Fatal("parsed maybe")
		}
	})
	t.Run("kinds", func(t *testing.T) {
		for _, k := range []Kind{KindVoice, KindChat} {
			if got, err := ParseKind(k.String()); err != nil || got != k {
				t.Fatalf("%s: %v %v", k, got, err)
			}
		}
		if Kind(9).String() != "unknown" {
			t.Fatal("out of range kind")
		}
		if _, err := ParseKind("fax"); err == nil {
			t.Fatal("parsed fax")
		}
	})
}

func TestTags(t *testing.T) {
	for _, tag := range []Tag{{KindVoice, RoleCustomer, 0}, {KindVoice, RoleSupervisor, 149}, {KindChat, RoleAgent, 3}} {
		got, err := ParseTag(tag.String())
		if err != nil || got != tag {
			t.Fatalf("%v → %q → %v %v", tag, tag.String(), got, err)
		}
	}
	for _, bad := range []string{"", "c", "x1", "c-1", "cx", "h", "hq2"} {
		if _, err := ParseTag(bad); err == nil {
			t.Errorf("parsed %q", bad)
		}
	}
}
