package callcenter

import (
	"time"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/media"
	"github.com/earshot/earshot/store"
)

// healthTick is how often the audio-level counters of every live voice
// conversation are sampled: 5 packets of 20 ms, fine enough for talk
// starts and stops, coarse enough to cost nothing (docs/call-health.md).
const healthTick = 100 * time.Millisecond

// maxHealthStep bounds one step: after a stall of the machine the time
// lost is not counted as anybody's talk or silence.
const maxHealthStep = time.Second

// levelReader is what health needs of a conversation's media: its legs'
// level counters. *media.Group has it; a media plane without it (another
// node's, say) leaves the conversation without health rather than failing.
type levelReader interface {
	Levels(dst []media.LegLevels) []media.LegLevels
}

// healthState is the Center's call-health state. Guarded by Center.mu
// except done, which is set before the loop starts.
type healthState struct {
	done   chan struct{} // closed when the loop ended; nil without health
	muted  map[userKey]bool
	raised map[HealthRule]uint64 // alerts raised since start, for metrics
	buf    []media.LegLevels
}

// startHealth starts the sampling loop when the policy enables health.
func (c *Center) startHealth() {
	if !c.policy.Health.Enabled {
		return
	}
	c.health.done = make(chan struct{})
	go c.healthLoop()
}

// stopHealth waits for the loop to end (c.ctx is cancelled first).
func (c *Center) stopHealth() {
	if c.health.done != nil {
		<-c.health.done
	}
}

func (c *Center) healthLoop() {
	defer close(c.health.done)
	t := time.NewTicker(healthTick)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-c.ctx.Done():
			return
		case now := <-t.C:
			dt := min(now.Sub(last), maxHealthStep)
			last = now
			c.healthStep(dt, c.now())
		}
	}
}

// healthStep samples every live voice conversation once; those whose
// second ended publish their health (the feed carries it only if it
// changed) and the alerts that rose or cleared.
func (c *Center) healthStep(dt time.Duration, now time.Time) {
	_ = c.do(func(ob *outbox) error {
		if c.closed {
			return nil
		}
		for _, conv := range c.conversations {
			c.healthConvLocked(ob, conv, dt, now)
		}
		return nil
	})
}

func (c *Center) healthConvLocked(ob *outbox, conv *Conversation, dt time.Duration, now time.Time) {
	if conv.channel != ChannelVoice || conv.state != ConvActive || conv.group == nil {
		return
	}
	r, ok := any(conv.group).(levelReader)
	if !ok {
		return
	}
	c.health.buf = r.Levels(c.health.buf[:0])
	if conv.health == nil {
		conv.health = newHealthTracker()
	}
	pol := c.policy.Health
	if !conv.health.step(dt, conv.healthInput(c.health.buf), pol) {
		return
	}
	conv.health.forget()
	for _, ch := range conv.health.evaluate(pol) {
		c.healthAlertLocked(ob, conv, ch, now)
	}
	conv.healthView = conv.health.view()
	conv.healthTimeline = conv.health.timeline()
	c.publishLocked(ob, conv)
}

// healthInput lists the audible parties (customer, agent, barged-in
// supervisors) with their legs' level counters.
func (conv *Conversation) healthInput(levels []media.LegLevels) healthInput {
	in := healthInput{held: conv.held}
	for _, p := range conv.parties {
		if p.leg == nil || !(p.role == PartyCustomer || p.role == PartyAgent || p.role == PartySupervisor && p.mode == ModeBarge) {
			continue
		}
		pi := partyInput{id: p.id, role: p.role, name: p.name, muted: p.muted}
		for _, l := range levels {
			if l.Leg == p.leg.ID() { // a re-negotiated leg is not named after the party
				pi.levels, pi.measured = l, true
				break
			}
		}
		in.parties = append(in.parties, pi)
	}
	return in
}

// healthAlertLocked tells the supervisors who see conv on their floor and
// have not muted health alerts that a rule rose or cleared.
func (c *Center) healthAlertLocked(ob *outbox, conv *Conversation, ch healthChange, now time.Time) {
	if ch.active {
		if c.health.raised == nil {
			c.health.raised = map[HealthRule]uint64{}
		}
		c.health.raised[ch.rule]++
	}
	c.log.Info("call health", "conversation", conv.id, "rule", ch.rule.String(), "active", ch.active, "value", ch.value)
	row := conv.floorView()
	a := HealthAlert{ConversationID: conv.id, Rule: ch.rule, Active: ch.active, At: now, Value: ch.value,
		Queue: row.Queue, Agent: row.Agent, Customer: row.Customer}
	for _, s := range c.supervisors {
		id := s.Identity()
		if !c.floorVisible(id, conv) || c.health.muted[keyOf(id)] {
			continue
		}
		ob.push(s, EventHealthAlert, a)
	}
}

// MuteHealth mutes (on) or unmutes a supervisor's health alerts, like
// MuteHelp: the supervisor's own setting, kept while the server runs, for
// all its sessions, audited. The floor keeps showing health either way.
func (c *Center) MuteHealth(cl Client, on bool) (bool, error) {
	id := cl.Identity()
	err := c.audited("", func() (store.Batch, error) {
		if !id.HasRole(auth.RoleSupervisor) {
			return store.Batch{}, refuse(ErrForbiddenRole, "only supervisors receive health alerts")
		}
		if c.health.muted[keyOf(id)] == on {
			return store.Batch{}, nil
		}
		return audit(c.eventLocked(auditFact{actor: keyOf(id), name: id.Name, role: auth.RoleSupervisor.String(),
			action: AuditHealthMute, details: map[string]any{"on": on}})), nil
	}, func(*outbox) error {
		if c.health.muted == nil {
			c.health.muted = map[userKey]bool{}
		}
		c.health.muted[keyOf(id)] = on
		return nil
	})
	return on, err
}

// HealthSettings returns the health rules in force and the caller's mute.
func (c *Center) HealthSettings(cl Client) (HealthSettings, error) {
	id := cl.Identity()
	if !id.HasRole(auth.RoleSupervisor) {
		return HealthSettings{}, refuse(ErrForbiddenRole, "only supervisors see call health")
	}
	p := c.policy.Health
	c.mu.Lock()
	muted := c.health.muted[keyOf(id)]
	c.mu.Unlock()
	return HealthSettings{
		Enabled: p.Enabled, Muted: muted, LongSilenceS: p.LongSilence.Seconds(),
		OverTalkShare: p.OverTalkShare, AgentTalkShare: p.AgentTalkShare, MinTalkS: p.MinTalk.Seconds(),
		RaisedLevel: p.RaisedLevel, RaisedForS: p.RaisedFor.Seconds(),
	}, nil
}

// healthStatsLocked counts the rules raised now and since start.
func (c *Center) healthStatsLocked(s *Stats) {
	for _, r := range HealthRules() {
		s.HealthAlerts[r.String()] = 0
		s.HealthAlertsRaised[r.String()] = c.health.raised[r]
	}
	for _, conv := range c.conversations {
		if conv.health == nil {
			continue
		}
		for r, on := range conv.health.active {
			if on {
				s.HealthAlerts[r.String()]++
			}
		}
	}
}
