package callcenter

import (
	"testing"
	"time"
)

// TestDTMFMatch reads supervisors' dialled digits with the default codes.
func TestDTMFMatch(t *testing.T) {
	p := DefaultDTMFPolicy()
	for _, c := range []struct {
		dialed string
		want   dialResult
	}{
		{"*", dialResult{}},
		{"*1", dialResult{complete: true, command: DTMFListen}},
		{"*2", dialResult{complete: true, command: DTMFWhisper}},
		{"*3", dialResult{complete: true, command: DTMFBarge}},
		{"*0", dialResult{complete: true, command: DTMFLeave}},
		{"*8", dialResult{}},
		{"*8100", dialResult{}},
		{"*81001#", dialResult{complete: true, command: DTMFTap, ext: "1001"}},
		{"*8#", dialResult{invalid: true}},
		{"*81*", dialResult{invalid: true}},
		{"*812345678901234567", dialResult{invalid: true}},
		{"*9", dialResult{invalid: true}},
		{"1", dialResult{invalid: true}},
		{"#", dialResult{invalid: true}},
	} {
		if got := p.match(c.dialed); got != c.want {
			t.Errorf("%q: %+v, want %+v", c.dialed, got, c.want)
		}
	}
	// The Asterisk ChanSpy map, the star codes taken away.
	p.Codes = map[string]string{"4": DTMFListen, "5": DTMFWhisper, "6": DTMFBarge, "*1": DTMFNone}
	if err := p.Check(); err != nil {
		t.Fatal(err)
	}
	if got := p.match("5"); got.command != DTMFWhisper {
		t.Errorf("5: %+v", got)
	}
	if got := p.match("*1"); !got.invalid {
		t.Errorf("*1 after none: %+v", got)
	}
}

func TestDTMFPolicyCheck(t *testing.T) {
	if err := DefaultDTMFPolicy().Check(); err != nil {
		t.Fatalf("default: %v", err)
	}
	for name, mutate := range map[string]func(*DTMFPolicy){
		"unknown command":     func(p *DTMFPolicy) { p.Codes["*4"] = "dance" },
		"not digits":          func(p *DTMFPolicy) { p.Codes["x"] = DTMFListen },
		"prefix of another":   func(p *DTMFPolicy) { p.Codes["*"] = DTMFListen },
		"shadows the tapping": func(p *DTMFPolicy) { p.Codes["*81"] = DTMFListen },
		"digit tap end":       func(p *DTMFPolicy) { p.TapEnd = "1" },
		"no tap prefix":       func(p *DTMFPolicy) { p.TapPrefix = "" },
		"no timeout":          func(p *DTMFPolicy) { p.DigitTimeout = 0 },
		"bad extension":       func(p *DTMFPolicy) { p.Extensions = map[string]map[string]string{"t1": {"alex": "10a1"}} },
		"duplicate extension": func(p *DTMFPolicy) {
			p.Extensions = map[string]map[string]string{"t1": {"alex": "1001", "bea": "1001"}}
		},
	} {
		p := DefaultDTMFPolicy()
		p.DigitTimeout = time.Second
		mutate(&p)
		if err := p.Check(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// The same extension in two tenants is fine.
	p := DefaultDTMFPolicy()
	p.Extensions = map[string]map[string]string{"t1": {"alex": "1001"}, "t2": {"olga": "1001"}}
	if err := p.Check(); err != nil {
		t.Fatal(err)
	}
	if u, ok := p.agentOfExtension("t2", "1001"); !ok || u != "olga" {
		t.Fatalf("t2/1001 = %q %v", u, ok)
	}
}
