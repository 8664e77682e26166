package media

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
)

// Group is the set of legs of one conversation: only legs of the same group
// can be routed to each other, and closing the group ends them all.
type Group struct {
	id  string
	sfu *SFU
	log *slog.Logger

	mu       sync.Mutex // lock order: Group.mu, then SFU.mu, then slot.mu
	closed   bool
	closeErr error
	legs     map[LegID]*Leg
	pending  map[LegID]struct{} // IDs reserved by AddLeg calls in progress
	routes   []Route            // the routing last set, minus routes of legs that ended
	tables   map[LegID]slotTable
	rec      *groupRecording // nil unless recording
}

// ID returns the label given to NewGroup.
func (g *Group) ID() string { return g.id }

// LegParams are AddLeg's inputs.
type LegParams struct {
	// ID names the leg within the group; it must be unique there.
	ID LegID
	// Offer is the client's complete (non-trickle or trickle) SDP offer.
	Offer string
	// OnClosed is called exactly once when the leg ends for any reason
	// (ICE failed/closed, connect timeout, RemoveLeg, Group.Close,
	// SFU.Close), in its own goroutine, never while media holds a lock.
	// reason is one of ErrPeerFailed, ErrPeerClosed, ErrConnectTimeout,
	// ErrLegRemoved, ErrGroupClosed, ErrSFUClosed. It is not called for a
	// leg AddLeg failed to create. It must not call SFU.Close.
	OnClosed func(id LegID, reason error)
	// OnDigit, if set, is called with every DTMF digit (RFC 4733
	// telephone-event, one call per key press: 0-9, *, #, A-D) the leg's
	// client sends, in order, on one goroutine the SFU shares between all
	// legs: it must return quickly and must not call SFU.Close. Digits are
	// never forwarded or recorded as audio, whether OnDigit is set or not.
	OnDigit func(id LegID, digit rune)
}

// AddLeg validates the offer, answers it with one Opus stream per receive
// slot on the offered m-lines in order (the answer carries the server's
// candidates: nothing to gather) and adds the leg to the group, silent and
// deaf until SetRoutes names it. The leg then waits for the client's ICE
// checks and DTLS handshake (Connected). ctx bounds the call only; the leg
// lives until closed.
func (g *Group) AddLeg(ctx context.Context, p LegParams) (*Leg, error) {
	if p.ID == "" {
		return nil, fmt.Errorf("add leg: %w", ErrInvalidLegID)
	}
	ot, err := parseOffer(p.Offer, g.sfu.cfg.Slots)
	if err != nil {
		return nil, fmt.Errorf("add leg %s: %w", p.ID, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("add leg %s: %w", p.ID, err)
	}
	if err := g.sfu.beginAdd(); err != nil {
		return nil, fmt.Errorf("add leg %s: %w", p.ID, err)
	}
	defer g.sfu.wg.Done()
	if err := g.reserve(p.ID); err != nil {
		return nil, fmt.Errorf("add leg %s: %w", p.ID, err)
	}

	l := newLeg(g, p, ot)
	if err := g.attach(l); err != nil {
		l.teardown()
		return nil, fmt.Errorf("add leg %s: %w", p.ID, err)
	}
	go l.supervise()
	l.start()
	l.log.Info("leg added")
	return l, nil
}

// reserve claims an ID for an AddLeg in progress, so that two concurrent
// AddLegs with one ID cannot both succeed.
func (g *Group) reserve(id LegID) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return g.closeErr
	}
	if _, ok := g.legs[id]; ok {
		return ErrLegExists
	}
	if _, ok := g.pending[id]; ok {
		return ErrLegExists
	}
	g.pending[id] = struct{}{}
	return nil
}

func (g *Group) unreserve(id LegID) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.pending, id)
}

// attach turns a reservation into a live leg with all slots silent.
func (g *Group) attach(l *Leg) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.pending, l.id)
	if g.closed {
		return g.closeErr
	}
	if err := g.sfu.register(l); err != nil {
		return err
	}
	g.legs[l.id] = l
	g.tables[l.id] = make(slotTable, len(l.slots))
	if g.rec != nil {
		g.tapLocked(l)
	}
	return nil
}

// RemoveLeg closes the leg's PeerConnection and drops every route naming
// it; OnClosed fires with ErrLegRemoved. It returns when the leg is gone.
func (g *Group) RemoveLeg(id LegID) error {
	g.mu.Lock()
	l, ok := g.legs[id]
	g.mu.Unlock()
	if !ok {
		return fmt.Errorf("remove leg %s: %w", id, ErrUnknownLeg)
	}
	l.close(ErrLegRemoved)
	return nil
}

// Leg returns a live leg of the group.
func (g *Group) Leg(id LegID) (*Leg, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	l, ok := g.legs[id]
	return l, ok
}

// SetRoutes replaces the group's whole routing atomically. When it returns,
// every packet written under the old routing has reached its track, and the
// next packet read from each speaker goes only to the listeners named.
// Each listener's speakers are mapped onto its slots stickily (a speaker
// keeps its slot while it stays in that listener's set). It fails with
// ErrTooManySpeakers if a listener would need more than Slots speakers, and
// with ErrUnknownLeg for a leg not in the group; then nothing changes.
// Legs not yet connected may be routed.
func (g *Group) SetRoutes(routes []Route) error {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return fmt.Errorf("set routes: %w", g.closeErr)
	}
	routes = append([]Route(nil), routes...)
	changed, err := g.applyLocked(routes)
	g.mu.Unlock()
	if err != nil {
		return fmt.Errorf("set routes: %w", err)
	}
	waitIdle(changed)
	return nil
}

// Slots returns which speaker each of listener's receive slots carries now
// (entry i is slot i; "" for a silent slot), a copy with one entry per
// slot. A leg not in the group, or not routed yet, has every slot silent.
// The domain announces this map so that clients need not infer it.
func (g *Group) Slots(listener LegID) []LegID {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]LegID, g.sfu.cfg.Slots)
	copy(out, g.tables[listener])
	return out
}

// applyLocked plans routes and, if valid, carries the plan out: first each
// slot's allowed source (the authority every write checks), then each
// speaker's destination list. It returns the slots whose source changed.
// g.mu must be held.
func (g *Group) applyLocked(routes []Route) ([]*slot, error) {
	live := make(map[LegID]bool, len(g.legs))
	for id := range g.legs {
		live[id] = true
	}
	plan, err := planRoutes(planParams{
		legs:    live,
		current: g.tables,
		routes:  routes,
		slots:   g.sfu.cfg.Slots,
	})
	if err != nil {
		return nil, err
	}

	var changed []*slot
	dests := make(map[LegID][]*slot)
	for id, table := range plan {
		listener := g.legs[id]
		for i, sp := range table {
			var src uint64
			if sp != "" {
				src = g.legs[sp].recv.source
				dests[sp] = append(dests[sp], listener.slots[i])
			}
			if listener.slots[i].setSource(src) {
				changed = append(changed, listener.slots[i])
			}
		}
	}
	for id, l := range g.legs {
		l.recv.setDestinations(dests[id])
	}
	g.routes = routes
	g.tables = plan
	return changed, nil
}

// detach removes a closing leg: its routes vanish (the rest of the routing
// stays as it was), its slots stop and nobody receives from it any more.
func (g *Group) detach(l *Leg) {
	g.mu.Lock()
	if g.legs[l.id] != l {
		g.mu.Unlock()
		return
	}
	delete(g.legs, l.id)
	delete(g.tables, l.id)
	kept := make([]Route, 0, len(g.routes))
	for _, r := range g.routes {
		if r.Listener != l.id && r.Speaker != l.id {
			kept = append(kept, r)
		}
	}
	changed, err := g.applyLocked(kept)
	g.mu.Unlock()
	if err != nil {
		// Impossible: removing routes cannot add speakers or unknown legs.
		g.log.Error("dropping routes of closed leg", "leg", l.id, "err", err)
	}
	// The leg itself no longer forwards or receives.
	l.recv.setDestinations(nil)
	for _, s := range l.slots {
		if s.setSource(0) {
			changed = append(changed, s)
		}
	}
	waitIdle(changed)
}

// Close closes all legs of the group (OnClosed fires with ErrGroupClosed)
// and returns when they are gone. Further AddLeg calls fail.
func (g *Group) Close() { g.closeWith(ErrGroupClosed) }

func (g *Group) closeWith(reason error) {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return
	}
	g.closed = true
	g.closeErr = reason
	legs := make([]*Leg, 0, len(g.legs))
	for _, l := range g.legs {
		legs = append(legs, l)
	}
	g.mu.Unlock()

	var wg sync.WaitGroup
	for _, l := range legs {
		wg.Go(func() { l.close(reason) })
	}
	wg.Wait()
	// A recording the domain did not stop still gets complete files.
	if _, err := g.StopRecording(); err == nil {
		g.log.Warn("recording stopped by the group's close")
	}
	g.sfu.removeGroup(g)
}

// waitIdle waits for writes admitted before a slot's source changed.
func waitIdle(slots []*slot) {
	for _, s := range slots {
		s.waitIdle()
	}
}

// LegIDs returns the ids of the group's live legs (a cluster node adopting
// the group learns which legs it takes over).
func (g *Group) LegIDs() []LegID {
	g.mu.Lock()
	defer g.mu.Unlock()
	ids := make([]LegID, 0, len(g.legs))
	for id := range g.legs {
		ids = append(ids, id)
	}
	return ids
}
