package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"

	"github.com/earshot/earshot/loadtest/leanrtc"
	"github.com/earshot/earshot/loadtest/oracle"
	"github.com/earshot/earshot/signaling/sigclient"
)

// In a cluster run every party keeps its session and its media alive
// through a node's loss, as the SDK does: a socket that drops resumes on
// the next node, and a media.reoffer event (the node carrying the call's
// media was lost) gets a new endpoint and conversation.reoffer. While a
// call's parties re-establish, its controller makes no mode switch or hold
// (their requests could not be answered), and the call's media outage is
// told to the oracle once it recovers: packets sent in it are not counted
// lost, but every packet is still judged.

// resumeRetry is the pause between resume attempts on the next node.
const resumeRetry = 100 * time.Millisecond

// failoverStats are a run's failover tallies.
type failoverStats struct {
	mu       sync.Mutex
	killAt   time.Time
	affected map[int]bool
	recovery []int64 // ns, per recovered call
	resumes  atomic.Int64
}

func (f *failoverStats) killedAt() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.killAt
}

// keepSession resumes sig on the following nodes whenever its socket
// drops, until stop is closed.
func (e *env) keepSession(sig *sigclient.Client, node int, pause func(bool)) {
	for {
		dropped := sig.Dropped()
		select {
		case <-e.stop:
			return
		case <-dropped:
		}
		pause(true)
		for attempt := 1; ; attempt++ {
			ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
			err := sig.ResumeAt(ctx, e.nodeURL(node+attempt))
			cancel()
			if err == nil {
				e.failover.resumes.Add(1)
				break
			}
			select {
			case <-e.stop:
				pause(false)
				return
			case <-time.After(resumeRetry):
			}
		}
		pause(false)
	}
}

// watchFailover keeps the call's three parties connected through a node
// loss (cluster runs only).
func (c *voiceCall) watchFailover() {
	pause := func(on bool) {
		if on {
			c.paused.Add(1)
		} else {
			c.paused.Add(-1)
		}
	}
	for _, r := range voiceRoles {
		p := c.parties[r]
		go c.env.keepSession(p.sig, nodeFor(c.idx, int(r)), pause)
		go c.watchReoffers(p)
	}
}

// watchReoffers answers every media.reoffer of the party's call.
func (c *voiceCall) watchReoffers(p *voiceParty) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-c.env.stop
		cancel()
	}()
	from := p.sig.Mark()
	for {
		_, err := p.sig.WaitEvent(ctx, from, "media.reoffer", func(b json.RawMessage) bool {
			var v struct {
				ConversationID string `json:"conversation_id"`
			}
			return json.Unmarshal(b, &v) == nil && v.ConversationID == c.convID
		})
		if err != nil {
			return // the run stopped
		}
		from = p.sig.Mark()
		c.beginOutage()
		c.paused.Add(1)
		err = c.reoffer(ctx, p)
		c.paused.Add(-1)
		if err != nil {
			c.env.reportError(fmt.Errorf("call %d %s: re-offer: %w", c.idx, p.role, err))
			continue
		}
		c.partyBack(p.role)
	}
}

// reoffer negotiates the party's leg again on a new endpoint, with the
// same oracle leg (its packets keep their numbering).
func (c *voiceCall) reoffer(ctx context.Context, p *voiceParty) error {
	leg := p.leg
	ep, err := c.env.hub.NewEndpoint(leanrtc.Params{
		OnPacket: func(pkt *rtp.Packet, at time.Time) { leg.Received(pkt.Payload, at) },
	})
	if err != nil {
		return err
	}
	var res struct {
		Answer string `json:"answer"`
	}
	if err := request(p.sig, "conversation.reoffer", map[string]string{"conversation_id": c.convID, "offer": ep.Offer()}, &res); err != nil {
		_ = ep.Close()
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, c.env.opts.JoinTimeout)
	defer cancel()
	if err := ep.Connect(cctx, res.Answer); err != nil {
		_ = ep.Close()
		return err
	}
	p.mu.Lock()
	old, unpace := p.ep, p.unpace
	p.ep = ep
	p.unpace = c.env.pacer.Add(ep, leg)
	p.mu.Unlock()
	if unpace != nil {
		unpace()
	}
	_ = old.Close()
	return nil
}

// beginOutage marks the call as hit by the node loss (once per loss).
func (c *voiceCall) beginOutage() {
	c.fo.mu.Lock()
	defer c.fo.mu.Unlock()
	if c.fo.active {
		return
	}
	c.fo.active = true
	c.fo.back = map[oracle.Role]bool{}
	f := &c.env.failover
	f.mu.Lock()
	if f.affected == nil {
		f.affected = map[int]bool{}
	}
	f.affected[c.idx] = true
	f.mu.Unlock()
}

// partyBack records a party whose new leg is up; once all three hear
// again (or cannot hear anyone in the call's current state, like a held
// customer), the call has recovered.
func (c *voiceCall) partyBack(r oracle.Role) {
	c.fo.mu.Lock()
	c.fo.back[r] = true
	all := len(c.fo.back) == len(voiceRoles)
	c.fo.mu.Unlock()
	if !all {
		return
	}
	deadline := time.Now().Add(c.env.opts.JoinTimeout)
	for _, pr := range voiceRoles {
		for !c.hearsAgain(pr) {
			if time.Now().After(deadline) {
				return // never recovered: counted lost
			}
			select {
			case <-c.env.stop:
				return
			case <-time.After(firstAudioPoll):
			}
		}
	}
	now := time.Now()
	killAt := c.env.failover.killedAt()
	c.oc.Outage(killAt, now)
	c.fo.mu.Lock()
	c.fo.active = false
	c.fo.mu.Unlock()
	f := &c.env.failover
	f.mu.Lock()
	f.recovery = append(f.recovery, int64(now.Sub(killAt)))
	f.mu.Unlock()
}

// hearsAgain reports whether the party's current endpoint received audio,
// or nobody is audible to it in the call's current state.
func (c *voiceCall) hearsAgain(r oracle.Role) bool {
	st := c.oc.State()
	audible := false
	for _, s := range voiceRoles {
		if s != r && st.Hears(r, s) {
			audible = true
		}
	}
	if !audible {
		return true
	}
	p := c.parties[r]
	p.mu.Lock()
	ep := p.ep
	p.mu.Unlock()
	return ep.Stats().Received > 0
}

// fill adds the failover figures to the report.
func (f *failoverStats) fill(r *Report, killed, role string, killedLegs int, windowStart time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fr := &FailoverReport{
		KilledNode: killed, KilledRole: role, KilledNodeLegs: killedLegs,
		KilledAtS:     round(f.killAt.Sub(windowStart).Seconds(), 2),
		Conversations: len(f.affected), Recovered: len(f.recovery),
		Resumes: f.resumes.Load(),
	}
	fr.Lost = fr.Conversations - fr.Recovered
	fr.RecoveryMS = oracle.DistOf(f.recovery)
	r.Failover = fr
}
