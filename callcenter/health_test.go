package callcenter

import (
	"strings"
	"testing"
	"time"

	"github.com/earshot/earshot/media"
)

// synthLeg is a synthetic microphone: cumulative level counters as the
// media plane keeps them, advanced 5 packets (one 100 ms step) at a time.
type synthLeg struct{ l media.LegLevels }

// add counts n packets of the RFC 6464 byte b.
func (s *synthLeg) add(n int, b byte) {
	loud := uint64(127 - b&0x7f)
	for range n {
		s.l.Packets++
		s.l.Loudness += loud
		if b&0x80 != 0 {
			s.l.Voiced++
		}
		if int(loud)-127 >= media.DefaultSpeechLevel {
			s.l.Speech++
			s.l.SpeechLoudness += loud
		}
	}
}

const (
	speech  = 0x80 | 30 // voiced, -30 dBov
	shout   = 0x80 | 5  // voiced, -5 dBov
	silence = 127
	step    = healthTick
)

// healthRig drives a tracker with a customer and an agent.
type healthRig struct {
	h            *healthTracker
	pol          HealthPolicy
	cust, agent  synthLeg
	held         bool
	custMuted    bool
	changes      []healthChange
	custB, agntB byte
}

func newHealthRig() *healthRig {
	r := &healthRig{h: newHealthTracker(), pol: DefaultHealthPolicy(), custB: silence, agntB: silence}
	r.cust.l.Leg, r.agent.l.Leg = "c", "a"
	return r
}

// run plays d of the current pattern (custB, agntB) in 100 ms steps.
func (r *healthRig) run(d time.Duration) {
	for range int(d / step) {
		r.cust.add(5, r.custB)
		r.agent.add(5, r.agntB)
		in := healthInput{held: r.held, parties: []partyInput{
			{id: "c", role: PartyCustomer, name: "Carla", muted: r.custMuted, measured: true, levels: r.cust.l},
			{id: "a", role: PartyAgent, name: "Alex", measured: true, levels: r.agent.l},
		}}
		if r.h.step(step, in, r.pol) {
			r.h.forget()
			r.changes = append(r.changes, r.h.evaluate(r.pol)...)
		}
	}
}

func within(t *testing.T, what string, got, want, tol time.Duration) {
	t.Helper()
	if got < want-tol || got > want+tol {
		t.Errorf("%s = %s, want %s ± %s", what, got, want, tol)
	}
}

func TestHealthTalkTimesAndRatio(t *testing.T) {
	r := newHealthRig()
	r.run(time.Second) // both quiet: the first step only learns the counters
	// Customer talks 6 s, then the agent 2 s, then the customer 3 s.
	r.custB = speech
	r.run(6 * time.Second)
	r.custB, r.agntB = silence, speech
	r.run(2 * time.Second)
	r.custB, r.agntB = speech, silence
	r.run(3 * time.Second)
	r.custB = silence
	r.run(2 * time.Second)

	within(t, "customer talk", r.h.customerTalk, 9*time.Second, 200*time.Millisecond)
	within(t, "agent talk", r.h.agentTalk, 2*time.Second, 200*time.Millisecond)
	v := r.h.view()
	if v.CustomerTalkS != 8 && v.CustomerTalkS != 9 || v.AgentTalkS != 1 && v.AgentTalkS != 2 {
		t.Errorf("view talk %d:%d, want 9:2", v.CustomerTalkS, v.AgentTalkS)
	}
	if len(v.Parties) != 2 || v.Parties[0].Role != PartyCustomer || v.Parties[0].State != PartyHealthQuiet {
		t.Errorf("parties %+v", v.Parties)
	}
	if v.OverTalkCount != 0 {
		// The hangover may let one turn touch the next: at most once per
		// turn change, and never more than the hangover.
		within(t, "over-talk", r.h.overTalk, 0, 2*r.pol.TalkHangover)
	}
}

func TestHealthHysteresis(t *testing.T) {
	r := newHealthRig()
	r.run(time.Second)
	// A single 100 ms blip is not talk (TalkStart is 200 ms).
	r.custB = speech
	r.run(100 * time.Millisecond)
	if r.h.parties["c"].talking {
		t.Fatal("a 100 ms blip started talking")
	}
	r.custB = silence
	r.run(time.Second)
	// Speech with 500 ms pauses is one continuous turn (hangover 800 ms).
	for range 4 {
		r.custB = speech
		r.run(time.Second)
		if !r.h.parties["c"].talking {
			t.Fatal("not talking during speech")
		}
		r.custB = silence
		r.run(500 * time.Millisecond)
		if !r.h.parties["c"].talking {
			t.Fatal("a 500 ms pause stopped the turn")
		}
	}
	r.run(time.Second)
	if r.h.parties["c"].talking {
		t.Fatal("still talking after 1.5 s of silence")
	}
	// Talk is the speech plus the pauses inside the turn, not the final
	// hangover.
	within(t, "talk", r.h.customerTalk, 5500*time.Millisecond, 200*time.Millisecond)
	within(t, "silence since the turn ended", r.h.silence, 1500*time.Millisecond, 200*time.Millisecond)
}

func TestHealthSilencesAndLongSilenceAlert(t *testing.T) {
	r := newHealthRig()
	r.pol.LongSilence = 5 * time.Second
	r.custB = speech
	r.run(2 * time.Second)
	r.custB = silence
	r.run(3 * time.Second)
	within(t, "silence", r.h.silence, 3*time.Second, 200*time.Millisecond)
	if len(r.changes) != 0 {
		t.Fatalf("alerts before 5 s of silence: %+v", r.changes)
	}
	r.run(3 * time.Second)
	if len(r.changes) != 1 || r.changes[0].rule != HealthLongSilence || !r.changes[0].active {
		t.Fatalf("changes %+v, want long_silence raised once", r.changes)
	}
	r.run(4 * time.Second) // still silent: raised once, not again
	if len(r.changes) != 1 {
		t.Fatalf("changes %+v", r.changes)
	}
	if v := r.h.view(); len(v.Alerts) != 1 || v.Alerts[0] != HealthLongSilence || v.SilenceS < 9 {
		t.Fatalf("view %+v", v)
	}
	r.agntB = speech
	r.run(time.Second)
	if len(r.changes) != 2 || r.changes[1].active {
		t.Fatalf("changes %+v, want long_silence cleared", r.changes)
	}
	within(t, "longest silence", r.h.longestSilence, 10*time.Second, 300*time.Millisecond)
	if r.h.silence != 0 {
		t.Fatalf("silence %s while the agent talks", r.h.silence)
	}
}

func TestHealthOverTalk(t *testing.T) {
	r := newHealthRig()
	r.pol.MinTalk = 5 * time.Second
	r.run(time.Second)
	// Three overlaps of 2 s each inside 12 s of talk.
	for range 3 {
		r.custB, r.agntB = speech, silence
		r.run(2 * time.Second)
		r.agntB = speech
		r.run(2 * time.Second)
	}
	r.custB, r.agntB = silence, silence
	r.run(2 * time.Second)
	if r.h.overTalkCount != 3 {
		t.Errorf("over-talk count %d, want 3", r.h.overTalkCount)
	}
	// Each overlap starts after the agent's start delay and lasts until
	// the agent's hangover ends.
	within(t, "over-talk", r.h.overTalk, 6*time.Second+3*(r.pol.TalkHangover-r.pol.TalkStart), 3*step)
	raised := false
	for _, c := range r.changes {
		if c.rule == HealthOverTalk && c.active {
			raised = true
		}
	}
	if !raised {
		t.Errorf("over-talk share %.2f did not raise the rule: %+v", float64(r.h.overTalk)/float64(r.h.anyTalk), r.changes)
	}
}

func TestHealthAgentTalkRatio(t *testing.T) {
	r := newHealthRig()
	r.pol.MinTalk = 5 * time.Second
	r.run(time.Second)
	r.agntB = speech
	r.run(10 * time.Second)
	var got []HealthRule
	for _, c := range r.changes {
		got = append(got, c.rule)
	}
	if len(got) != 1 || got[0] != HealthAgentTalkRatio {
		t.Fatalf("rules raised %v, want agent_talk_ratio", got)
	}
	// The customer talks the rest of the call: the share falls below the
	// threshold and the rule clears after its 5 s delay.
	r.agntB, r.custB = silence, speech
	r.run(30 * time.Second)
	last := r.changes[len(r.changes)-1]
	if last.rule != HealthAgentTalkRatio || last.active {
		t.Fatalf("changes %+v, want agent_talk_ratio cleared", r.changes)
	}
}

func TestHealthRaisedVoice(t *testing.T) {
	r := newHealthRig()
	r.pol.RaisedFor = 3 * time.Second
	r.run(time.Second)
	r.custB = speech // normal speech never raises it
	r.run(5 * time.Second)
	r.custB = shout
	r.run(4 * time.Second)
	if len(r.changes) != 1 || r.changes[0].rule != HealthRaisedVoice || !r.changes[0].active {
		t.Fatalf("changes %+v, want raised_voice", r.changes)
	}
	if lvl := r.h.parties["c"].level; lvl != -5 {
		t.Errorf("customer level %d dBov, want -5", lvl)
	}
}

func TestHealthHoldAndMuteAreNotSilence(t *testing.T) {
	r := newHealthRig()
	r.pol.LongSilence = 5 * time.Second
	r.custB = speech
	r.run(2 * time.Second)
	// On hold the customer keeps talking (nobody hears it) and the agent
	// is quiet: the call is held, not silent, and no talk is counted.
	r.held = true
	r.run(10 * time.Second)
	if st := r.h.parties["c"].state; st != PartyHealthHeld {
		t.Fatalf("customer state %s on hold", st)
	}
	if r.h.silence != 0 || r.h.longestSilence > 500*time.Millisecond { // the call's first moments
		t.Fatalf("hold counted as silence: %s (longest %s)", r.h.silence, r.h.longestSilence)
	}
	within(t, "customer talk", r.h.customerTalk, 2*time.Second, 200*time.Millisecond)
	if len(r.changes) != 0 {
		t.Fatalf("alerts on hold: %+v", r.changes)
	}
	r.held = false
	r.custMuted = true
	r.run(10 * time.Second)
	if st := r.h.parties["c"].state; st != PartyHealthMuted {
		t.Fatalf("customer state %s while muted", st)
	}
	if r.h.silence != 0 || len(r.changes) != 0 {
		t.Fatalf("mute counted as silence: %s, %+v", r.h.silence, r.changes)
	}
	// Unmuted and silent, the silence counts from there.
	r.custMuted = false
	r.custB = silence
	r.run(3 * time.Second)
	within(t, "silence after mute", r.h.silence, 3*time.Second, 200*time.Millisecond)
}

func TestHealthTimelineAndNoAudio(t *testing.T) {
	r := newHealthRig()
	r.run(time.Second)
	r.custB = speech
	r.run(3 * time.Second)
	r.custB = silence
	r.run(2 * time.Second)
	tl := r.h.timeline()
	if len(tl) != 2 || len(tl[0].Talked) != timelineSeconds {
		t.Fatalf("timeline %+v", tl)
	}
	// The last 6 seconds: quiet, 3 s talk (plus hangover), quiet.
	if got := tl[0].Talked[timelineSeconds-6:]; got != "011100" && got != "011110" {
		t.Errorf("customer's last seconds %q", got)
	}
	if strings.Contains(tl[1].Talked, "1") {
		t.Errorf("agent timeline %q", tl[1].Talked)
	}
	// A leg that stops sending shows as no audio, not as quiet.
	for range 15 {
		in := healthInput{parties: []partyInput{{id: "c", role: PartyCustomer, measured: true, levels: r.cust.l}}}
		r.h.step(step, in, r.pol)
	}
	if st := r.h.parties["c"].state; st != PartyHealthNoAudio {
		t.Errorf("state %s without packets", st)
	}
	r.h.forget()
	if _, ok := r.h.parties["a"]; ok || len(r.h.order) != 1 {
		t.Errorf("the agent's track outlived the agent: %v", r.h.order)
	}
}

func TestHealthPolicyValidate(t *testing.T) {
	if err := DefaultHealthPolicy().Validate(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []HealthPolicy{{OverTalkShare: 1.5}, {LongSilence: -1}, {RaisedLevel: 3}, {AgentTalkShare: -0.1}} {
		if p.Validate() == nil {
			t.Errorf("%+v accepted", p)
		}
	}
}
