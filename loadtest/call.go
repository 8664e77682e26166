package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/loadtest/leanrtc"
	"github.com/earshot/earshot/loadtest/oracle"
	"github.com/earshot/earshot/signaling/sigclient"
)

// firstAudioPoll is how often a join checks for its first packet.
const firstAudioPoll = 10 * time.Millisecond

// voiceParty is one leg of a call: its signaling session, its endpoint and
// what the oracle records of it.
type voiceParty struct {
	role oracle.Role
	sig  *sigclient.Client
	leg  *oracle.Leg
	// mu guards ep and unpace, which a re-offer replaces (failover.go).
	mu     sync.Mutex
	ep     *leanrtc.Endpoint
	unpace func()
}

// voiceCall is one monitored call: customer, agent and supervisor.
type voiceCall struct {
	env     *env
	idx     int
	seat    int // see newSeatedCall
	oc      *oracle.Call
	queue   string
	team    auth.TeamID
	convID  string
	parties [4]*voiceParty // by oracle.Role
	joined  int            // parties fully joined
	// connecting tracks the media connections join started.
	connecting sync.WaitGroup
	// paused counts parties re-establishing after a node loss: the
	// controller waits (failover.go).
	paused atomic.Int32
	fo     struct {
		mu     sync.Mutex
		active bool
		back   map[oracle.Role]bool
	}
}

func newVoiceCall(e *env, idx int) *voiceCall { return newSeatedCall(e, idx, idx) }

// newSeatedCall is call idx taken at seat: the seat names its queue, team,
// agent and supervisor, so calls at the same seat one after another are
// answered by the same agent and watched by the same supervisor, as on a
// real floor. The customer is new for every call.
func newSeatedCall(e *env, idx, seat int) *voiceCall {
	q, t := e.place.callQueue(seat)
	return &voiceCall{env: e, idx: idx, seat: seat, oc: e.oracle.NewCall(idx), queue: q, team: t}
}

var voiceRoles = [...]oracle.Role{oracle.RoleCustomer, oracle.RoleAgent, oracle.RoleSupervisor}

// join brings all three parties in. On failure the call is marked failed in
// the oracle and the parties that did not join count as failed joins.
func (c *voiceCall) join(ctx context.Context) error {
	jctx, cancel := context.WithTimeout(ctx, c.env.opts.JoinTimeout)
	err := c.joinSteps(jctx)
	if err == nil {
		err = c.waitFirstAudio(jctx)
	}
	cancel()
	c.connecting.Wait()
	if err != nil {
		c.oc.Fail()
		c.env.count.failedJoins.Add(int64(len(voiceRoles) - c.joined))
		return fmt.Errorf("call %d: %w", c.idx, err)
	}
	c.env.count.callsJoined.Add(1)
	if len(c.env.wsURLs) > 0 {
		c.watchFailover()
	}
	return nil
}

func (c *voiceCall) joinSteps(ctx context.Context) error {
	users := map[oracle.Role]struct {
		role auth.Role
		team auth.TeamID
	}{
		oracle.RoleCustomer:   {auth.RoleCustomer, ""},
		oracle.RoleAgent:      {auth.RoleAgent, c.team},
		oracle.RoleSupervisor: {auth.RoleSupervisor, c.team},
	}
	for _, r := range voiceRoles {
		u := users[r]
		leg := c.oc.Leg(r)
		user := "lt-" + leg.Tag()
		if r != oracle.RoleCustomer {
			user = "lt-" + oracle.Tag{Kind: oracle.KindVoice, Role: r, Conv: c.seat}.String()
		}
		sig, err := c.env.dial(ctx, user, u.role, u.team, nodeFor(c.idx, int(r)))
		if err != nil {
			return err
		}
		p := &voiceParty{role: r, sig: sig, leg: leg}
		c.parties[r] = p
		p.ep, err = c.env.hub.NewEndpoint(leanrtc.Params{
			OnPacket: func(pkt *rtp.Packet, at time.Time) { leg.Received(pkt.Payload, at) },
		})
		if err != nil {
			return err
		}
	}
	cust, agent, sup := c.parties[oracle.RoleCustomer], c.parties[oracle.RoleAgent], c.parties[oracle.RoleSupervisor]

	release := func() {}
	if lock := c.env.place.shared; lock != nil {
		lock.Lock()
		var once sync.Once
		release = func() { once.Do(lock.Unlock) }
	}
	defer release()
	if err := agent.sig.Request(ctx, "agent.set_state", map[string]string{"state": "ready"}, nil); err != nil {
		return fmt.Errorf("agent ready: %w", err)
	}
	mark := agent.sig.Mark()
	var start convResponse
	if err := cust.sig.Request(ctx, "conversation.start", map[string]string{
		"queue": c.queue, "channel": "voice", "offer": cust.ep.Offer(),
	}, &start); err != nil {
		return fmt.Errorf("conversation.start: %w", err)
	}
	c.convID = start.Conversation.ConversationID
	custDone := c.connect(ctx, cust, start.Answer)
	if err := waitOffered(ctx, agent.sig, mark, c.convID); err != nil {
		return fmt.Errorf("offer to agent: %w", err)
	}
	release() // the agent is busy now: the next call may pair

	now := time.Now()
	cust.leg.JoinStarted(now)
	agent.leg.JoinStarted(now)
	var acc convResponse
	if err := c.change(oracle.State{Agent: true}, false, func() error {
		return agent.sig.Request(ctx, "conversation.accept", map[string]string{"conversation_id": c.convID, "offer": agent.ep.Offer()}, &acc)
	}); err != nil {
		return fmt.Errorf("conversation.accept: %w", err)
	}
	agentDone := c.connect(ctx, agent, acc.Answer)

	sup.leg.JoinStarted(time.Now())
	var mon convResponse
	if err := c.change(oracle.State{Agent: true, Supervisor: true, Mode: oracle.ModeListen}, false, func() error {
		return sup.sig.Request(ctx, "monitor.start", map[string]string{"conversation_id": c.convID, "reason": "load test", "offer": sup.ep.Offer()}, &mon)
	}); err != nil {
		return fmt.Errorf("monitor.start: %w", err)
	}
	supDone := c.connect(ctx, sup, mon.Answer)
	for _, done := range []<-chan error{custDone, agentDone, supDone} {
		if err := <-done; err != nil {
			return err
		}
	}
	return nil
}

// connect brings a party's media up in the background and starts its
// microphone once connected.
func (c *voiceCall) connect(ctx context.Context, p *voiceParty, answer string) <-chan error {
	done := make(chan error, 1)
	c.connecting.Go(func() {
		if err := p.ep.Connect(ctx, answer); err != nil {
			done <- fmt.Errorf("%s media: %w", p.role, err)
			return
		}
		p.leg.Ready(time.Now())
		p.mu.Lock()
		p.unpace = c.env.pacer.Add(p.ep, p.leg)
		p.mu.Unlock()
		done <- nil
	})
	return done
}

// waitFirstAudio waits until every leg has heard someone.
func (c *voiceCall) waitFirstAudio(ctx context.Context) error {
	for _, r := range voiceRoles {
		for !c.parties[r].heard() {
			select {
			case <-ctx.Done():
				return fmt.Errorf("%s heard nothing: %w", r, ctx.Err())
			case <-time.After(firstAudioPoll):
			}
		}
		c.joined++
	}
	return nil
}

func (p *voiceParty) heard() bool { return p.endpoint().Stats().Received > 0 }

// endpoint is the party's current endpoint.
func (p *voiceParty) endpoint() *leanrtc.Endpoint {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ep
}

// change records a state change in the oracle around the request that
// makes it: requested before it leaves, acknowledged when the response
// arrives (a refusal leaves the state as it was). Without a response the
// change stays open: the server may or may not have applied it.
func (c *voiceCall) change(next oracle.State, modeSwitch bool, do func() error) error {
	i := c.oc.Begin(next, modeSwitch, time.Now())
	err := do()
	switch {
	case err == nil:
		c.oc.Ack(i, time.Now(), true)
	case refused(err):
		c.oc.Ack(i, time.Now(), false)
	}
	return err
}

// run walks the supervisor through its modes every SwitchEvery (starting
// at a random phase, so switches of different calls spread out) and, in
// one period out of four, has the agent hold the customer for a quarter
// of a period, until the run stops. With PCIEvery, the agent also pauses
// for a payment once per PCIEvery, for a quarter of it, at its own random
// phase. Every change of one call is made from this goroutine, one at a
// time, as the oracle's timeline requires.
func (c *voiceCall) run() {
	every := c.env.opts.SwitchEvery
	next := time.Now().Add(time.Duration(rand.Int64N(int64(every))))
	var holdOn, holdOff, pciOn, pciOff time.Time
	if pe := c.env.opts.PCIEvery; pe > 0 {
		pciOn = time.Now().Add(time.Duration(rand.Int64N(int64(pe))))
	}
	timer := time.NewTimer(time.Until(next))
	defer timer.Stop()
	for {
		at := next
		for _, t := range []time.Time{holdOn, holdOff, pciOn, pciOff} {
			if !t.IsZero() && t.Before(at) {
				at = t
			}
		}
		timer.Reset(time.Until(at))
		select {
		case <-c.env.stop:
			return
		case <-timer.C:
		}
		if c.paused.Load() > 0 {
			// Re-establishing after a node loss: a switch or hold is
			// skipped, a pending resume from hold retried shortly.
			switch at {
			case holdOn:
				holdOn = time.Time{}
			case holdOff:
				holdOff = time.Now().Add(100 * time.Millisecond)
			default:
				next = next.Add(every)
			}
			continue
		}
		switch at {
		case pciOn:
			pciOff = pciOn.Add(c.env.opts.PCIEvery / 4)
			pciOn = pciOn.Add(c.env.opts.PCIEvery)
			c.pci(true)
		case pciOff:
			pciOff = time.Time{}
			c.pci(false)
		case holdOn:
			holdOn = time.Time{}
			c.hold(true)
		case holdOff:
			holdOff = time.Time{}
			c.hold(false)
		default:
			_ = c.switchMode() // counted in env.count
			next = next.Add(every)
			if rand.IntN(4) == 0 {
				holdOn = time.Now().Add(every * 3 / 8)
				holdOff = holdOn.Add(every / 4)
			}
		}
	}
}

// switchMode moves the supervisor to its next mode.
func (c *voiceCall) switchMode() error {
	st := c.oc.State()
	st.Mode = st.Mode.Next()
	err := c.change(st, true, func() error {
		return request(c.parties[oracle.RoleSupervisor].sig, "monitor.set_mode",
			map[string]string{"conversation_id": c.convID, "mode": st.Mode.String()}, nil)
	})
	c.env.count.switches.Add(1)
	if err != nil {
		c.env.count.switchErrors.Add(1)
		return fmt.Errorf("call %d: monitor.set_mode %s: %w", c.idx, st.Mode, err)
	}
	return nil
}

// hold puts the customer on hold or resumes.
func (c *voiceCall) hold(on bool) {
	st := c.oc.State()
	st.Held = on
	err := c.change(st, false, func() error {
		return request(c.parties[oracle.RoleAgent].sig, "conversation.hold",
			map[string]any{"conversation_id": c.convID, "on": on}, nil)
	})
	c.env.count.holds.Add(1)
	if err != nil {
		c.env.count.holdErrors.Add(1)
	}
}

// pci has the agent pause for a payment (on) or resume.
func (c *voiceCall) pci(on bool) {
	st := c.oc.State()
	st.PCIPaused = on
	err := c.change(st, false, func() error {
		return request(c.parties[oracle.RoleAgent].sig, "conversation.pci",
			map[string]any{"conversation_id": c.convID, "on": on}, nil)
	})
	c.env.count.pcis.Add(1)
	if err != nil {
		c.env.count.pciErrors.Add(1)
	}
}

// stopMedia stops the call's microphones (the pacer no longer sends).
func (c *voiceCall) stopMedia() {
	for _, p := range c.parties {
		if p == nil {
			continue
		}
		p.mu.Lock()
		unpace := p.unpace
		p.unpace = nil
		p.mu.Unlock()
		if unpace != nil {
			unpace()
		}
	}
}

// close hangs up (the customer ends the conversation) and releases every
// party's endpoint and session.
func (c *voiceCall) close() {
	c.stopMedia()
	_ = c.end()
	c.release()
}

// end has the customer end the conversation (nothing to do if the call
// never started).
func (c *voiceCall) end() error {
	cust := c.parties[oracle.RoleCustomer]
	if cust == nil || cust.sig == nil || c.convID == "" {
		return nil
	}
	if err := request(cust.sig, "conversation.end", map[string]string{"conversation_id": c.convID}, nil); err != nil {
		return fmt.Errorf("call %d: conversation.end: %w", c.idx, err)
	}
	return nil
}

// release closes every party's endpoint and signaling session.
func (c *voiceCall) release() {
	var wg sync.WaitGroup
	for _, p := range c.parties {
		if p == nil {
			continue
		}
		wg.Go(func() {
			if ep := p.endpoint(); ep != nil {
				_ = ep.Close()
			}
			if p.sig != nil {
				p.sig.Close()
			}
		})
	}
	wg.Wait()
}
