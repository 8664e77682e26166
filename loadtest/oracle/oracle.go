package oracle

import (
	"sync"
	"sync/atomic"
	"time"
)

// Defaults for Params.
const (
	DefaultGrace  = 50 * time.Millisecond
	DefaultWarmup = 500 * time.Millisecond
)

// Params configures New.
type Params struct {
	// Grace is the slack around a packet's send time (see the package doc):
	// the time within which a switch makes a packet neither expected nor a
	// clean OK. Default 50 ms.
	Grace time.Duration
	// Warmup is how long after both legs are connected a packet starts to
	// be expected (ICE and DTLS finish a moment apart on the two sides).
	// Default 500 ms.
	Warmup time.Duration
	// FramesHint sizes per-leg arrays (packets one leg will send).
	FramesHint int
}

// Oracle collects what a run sent and received and judges every receipt.
// Calls and chats register before their parties send anything; everything
// else is safe for concurrent use from senders and receivers.
type Oracle struct {
	grace, warmup int64
	hint          int
	// base anchors every time the oracle records: Unix nanoseconds of base
	// plus the monotonic time elapsed since, so a wall-clock step during a
	// run cannot reorder sends, arrivals and switches.
	base     time.Time
	baseWall int64

	mu    sync.Mutex
	calls map[int]*Call
	chats map[int]*Chat
}

// New creates an empty oracle.
func New(p Params) *Oracle {
	if p.Grace <= 0 {
		p.Grace = DefaultGrace
	}
	if p.Warmup <= 0 {
		p.Warmup = DefaultWarmup
	}
	base := time.Now()
	return &Oracle{
		grace: int64(p.Grace), warmup: int64(p.Warmup), hint: p.FramesHint,
		base: base, baseWall: base.UnixNano(),
		calls: map[int]*Call{}, chats: map[int]*Chat{},
	}
}

// ns turns t into the oracle's time line (see base). Times without a
// monotonic reading (tests' synthetic times) map to their Unix time.
func (o *Oracle) ns(t time.Time) int64 { return o.baseWall + int64(t.Sub(o.base)) }

// Call is one voice call: its timeline and its three legs.
type Call struct {
	o   *Oracle
	idx int

	mu sync.Mutex // guards tl and outages
	tl Timeline
	// outages are windows [from, to] (Unix ns) in which the call's media
	// was down with a lost cluster node (Outage).
	outages [][2]int64

	legs   [numRoles]*Leg
	failed atomic.Bool
}

// NewCall registers voice call idx. Its state starts with the customer
// alone.
func (o *Oracle) NewCall(idx int) *Call {
	c := &Call{o: o, idx: idx}
	for r := RoleCustomer; r < numRoles; r++ {
		c.legs[r] = newLeg(c, r)
	}
	o.mu.Lock()
	o.calls[idx] = c
	o.mu.Unlock()
	return c
}

// Leg returns the call's leg in role r.
func (c *Call) Leg(r Role) *Leg { return c.legs[r] }

// Fail excludes the call from loss accounting: one of its legs could not
// join, so what its parties should have heard is unknown. Leaks at its legs
// still count.
func (c *Call) Fail() { c.failed.Store(true) }

// Failed reports whether Fail was called.
func (c *Call) Failed() bool { return c.failed.Load() }

// State returns the latest requested state.
func (c *Call) State() State {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tl.stateAt(len(c.tl.Changes))
}

// Begin records a change about to be requested (call it right before the
// request leaves) and returns its index for Ack.
func (c *Call) Begin(next State, modeSwitch bool, at time.Time) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tl.Changes = append(c.tl.Changes, Change{Req: c.o.ns(at), Ack: open, State: next, ModeSwitch: modeSwitch})
	return len(c.tl.Changes) - 1
}

// Ack records the response to change i. A refused change (ok false) leaves
// the state as it was before it.
func (c *Call) Ack(i int, at time.Time, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := &c.tl.Changes[i]
	ch.Ack = c.o.ns(at)
	if !ok {
		ch.State = c.tl.stateAt(i)
		ch.ModeSwitch = false
	}
}

// Outage records that the call's media was down over [from, to]: its
// media node was lost and the parties re-negotiated onto another. Packets
// sent then are neither expected nor counted lost, and mode switches
// acknowledged then are not timed; every packet is still judged, so a leak
// during an outage is a leak.
func (c *Call) Outage(from, to time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.outages = append(c.outages, [2]int64{c.o.ns(from), c.o.ns(to)})
}

// inOutage reports whether t (Unix ns) falls in an outage, or within the
// grace before one (a packet still in flight when the node died). Caller
// holds mu.
func (c *Call) inOutage(t int64) bool {
	for _, w := range c.outages {
		if t >= w[0]-c.o.grace && t <= w[1] {
			return true
		}
	}
	return false
}

// judge decides one packet under the call's lock.
func (c *Call) judge(listener, speaker Role, sent, arrival int64) Verdict {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tl.judge(listener, speaker, sent, arrival, c.o.grace)
}

// pausedDuring reports, under the call's lock, whether a PCI pause may have
// been in force between sent (less the grace) and arrival.
func (c *Call) pausedDuring(sent, arrival int64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tl.pausedDuring(sent-c.o.grace, max(arrival, sent))
}

// Live are counters for the progress line, read while the run goes on.
type Live struct {
	Sent, Received, Grace, Leaks, WhisperLeaks, PCILeaks uint64
}

// Live sums the live counters of every leg and chat.
func (o *Oracle) Live() Live {
	o.mu.Lock()
	defer o.mu.Unlock()
	var l Live
	for _, c := range o.calls {
		for r := RoleCustomer; r < numRoles; r++ {
			lg := c.legs[r]
			l.Sent += lg.nsent.Load()
			l.Received += lg.received.Load()
			l.Grace += lg.grace.Load()
			l.Leaks += lg.leaks.Load()
			l.WhisperLeaks += lg.whisperLeaks.Load()
			l.PCILeaks += lg.pciLeaks.Load()
		}
	}
	for _, ch := range o.chats {
		l.Leaks += ch.leaks.Load()
		l.WhisperLeaks += ch.whisperLeaks.Load()
	}
	return l
}
