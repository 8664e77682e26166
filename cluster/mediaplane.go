package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/pion/webrtc/v4"

	"github.com/earshot/earshot/callcenter"
	"github.com/earshot/earshot/media"
)

// MediaPlane is the domain's callcenter.MediaPlane on a clustered node: a
// new conversation's media group goes to the node the Placer picks — this
// node's own SFU directly, another node's through its media host. When a
// node carrying groups leaves the cluster, each such group is reported lost
// (the domain then asks its parties to re-offer, onto a newly placed group).
type MediaPlane struct {
	node  *Node
	local callcenter.LocalMedia
	log   *slog.Logger
	sub   *nats.Subscription
	lsub  *nats.Subscription // levels reports (call health)
	// digitSub receives the DTMF digits of this node's legs elsewhere.
	digitSub *nats.Subscription

	mu     sync.Mutex
	groups map[string]*remoteGroup // by group id; remote ones only
	// placed counts groups placed on each node since its record was last
	// rewritten: the directory's load is up to a heartbeat old, and a burst
	// of new calls must not all land on the node that looked idlest.
	placed map[NodeID]placedSince
}

type placedSince struct {
	at time.Time // the node record's UpdatedAt the count applies to
	n  int
}

var _ callcenter.MediaPlane = (*MediaPlane)(nil)

// requestTimeout bounds a route change or leg removal on another node;
// addLegTimeout (plus a margin) bounds a negotiation.
const requestTimeout = 3 * time.Second

func newMediaPlane(n *Node, sfu *media.SFU) (*MediaPlane, error) {
	p := &MediaPlane{node: n, local: callcenter.LocalMedia{SFU: sfu}, log: n.log, groups: map[string]*remoteGroup{}, placed: map[NodeID]placedSince{}}
	sub, err := n.nc.Subscribe(legsSubject(n.cfg.Name, n.id), p.legEnded)
	if err != nil {
		return nil, fmt.Errorf("cluster: subscribe leg ends: %w", err)
	}
	p.sub = sub
	lsub, err := n.nc.Subscribe(levelsSubject(n.cfg.Name, n.id), p.levelsReported)
	if err != nil {
		_ = sub.Unsubscribe()
		return nil, fmt.Errorf("cluster: subscribe levels: %w", err)
	}
	p.lsub = lsub
	if p.digitSub, err = n.nc.Subscribe(digitsSubject(n.cfg.Name, n.id), p.legDigit); err != nil {
		_ = sub.Unsubscribe()
		return nil, fmt.Errorf("cluster: subscribe digits: %w", err)
	}
	return p, nil
}

// legDigit is a media host's report of a key pressed on a leg.
func (p *MediaPlane) legDigit(m *nats.Msg) {
	var ev legDigit
	if err := json.Unmarshal(m.Data, &ev); err != nil {
		return
	}
	r := []rune(ev.Digit)
	if len(r) != 1 || !media.IsDigit(r[0]) {
		return
	}
	p.mu.Lock()
	g := p.groups[ev.Group]
	p.mu.Unlock()
	if g == nil {
		return
	}
	g.mu.Lock()
	l := g.legs[ev.Leg]
	g.mu.Unlock()
	if l != nil && l.onDigit != nil {
		l.onDigit(l.id, r[0])
	}
}

// levelsReported keeps the latest level counters of remote groups.
func (p *MediaPlane) levelsReported(m *nats.Msg) {
	var r levelsReport
	if err := json.Unmarshal(m.Data, &r); err != nil {
		return
	}
	for id, levels := range r.Groups {
		p.mu.Lock()
		g := p.groups[id]
		p.mu.Unlock()
		if g != nil {
			g.mu.Lock()
			g.levels = levels
			g.mu.Unlock()
		}
	}
}

// NewGroup places the group of a new voice conversation. A group on
// another node gets a name of its own there (the conversation id and a
// random suffix): a conversation placed again after a failover must never
// meet its old, orphaned group on the same node.
func (p *MediaPlane) NewGroup(id string, onLost func()) (callcenter.MediaGroup, error) {
	target, err := p.place()
	if err != nil {
		return nil, fmt.Errorf("place media of %s: %w", id, err)
	}
	if target == p.node.id {
		g, err := p.local.NewGroup(id, onLost)
		if err != nil {
			return nil, err
		}
		return placedGroup{LocalGroup: g.(callcenter.LocalGroup), node: p.node.id}, nil
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	g := &remoteGroup{plane: p, id: id + "." + hex.EncodeToString(b[:]), node: target, onLost: onLost, legs: map[media.LegID]*remoteLeg{}}
	p.mu.Lock()
	p.groups[g.id] = g
	p.mu.Unlock()
	return g, nil
}

// placedGroup is a group placed on this node's own SFU: local calls, but
// its record names this node (Locator), where a takeover looks for it.
type placedGroup struct {
	callcenter.LocalGroup
	node NodeID
}

// Locator names this node and the group ("node/group").
func (g placedGroup) Locator() string { return string(g.node) + "/" + g.ID() }

// AdoptGroup takes over the group of a conversation whose domain ran on a
// lost node: the media host at locator hands it to this node (only if its
// control node is gone) and lists its live legs, which come back as legs
// of this node's domain. A group on this very node is driven the same way,
// through its own media host.
func (p *MediaPlane) AdoptGroup(id, locator string, onLost func(), onLegClosed func(media.LegID, error), onDigit func(media.LegID, rune)) (callcenter.MediaGroup, map[media.LegID]callcenter.MediaLeg, error) {
	nodeStr, gid, ok := strings.Cut(locator, "/")
	node := NodeID(nodeStr)
	if !ok || gid == "" {
		return nil, nil, fmt.Errorf("adopt %s: bad locator %q: %w", id, locator, media.ErrGroupClosed)
	}
	if _, ok := p.node.dir.Node(node); !ok {
		return nil, nil, fmt.Errorf("adopt %s: node %s is gone: %w", id, node, media.ErrGroupClosed)
	}
	// The media node may not have noticed the loss yet (each directory
	// expires a node by its own clock): it refuses until it has.
	var rep mediaReply
	var err error
	deadline := time.Now().Add(p.node.cfg.HeartbeatTTL)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
		rep, err = p.request(ctx, node, mediaRequest{Op: opAdopt, Group: gid})
		cancel()
		if err == nil || !errors.Is(err, errControlAlive) || time.Now().After(deadline) {
			break
		}
		time.Sleep(p.node.cfg.HeartbeatTTL / 10) // the media node's sweep period
	}
	if err != nil {
		return nil, nil, err
	}
	g := &remoteGroup{plane: p, id: gid, node: node, onLost: onLost, legs: map[media.LegID]*remoteLeg{}}
	legs := make(map[media.LegID]callcenter.MediaLeg, len(rep.Legs))
	for _, lid := range rep.Legs {
		l := &remoteLeg{group: g, id: lid, onClosed: onLegClosed, onDigit: onDigit, done: make(chan struct{})}
		g.legs[lid] = l
		legs[lid] = l
	}
	p.mu.Lock()
	if old := p.groups[gid]; old != nil {
		old.markLost(false)
	}
	p.groups[gid] = g
	p.mu.Unlock()
	return g, legs, nil
}

var _ callcenter.MediaAdopter = (*MediaPlane)(nil)

// Locator names the node carrying the group and its name there.
func (g *remoteGroup) Locator() string { return string(g.node) + "/" + g.id }

// place picks a serving node, counting the placements made since each
// node's last heartbeat as load.
func (p *MediaPlane) place() (NodeID, error) {
	nodes := p.node.dir.Nodes()
	p.mu.Lock()
	defer p.mu.Unlock()
	adjusted := make([]NodeRecord, 0, len(nodes))
	for _, n := range nodes {
		if ps, ok := p.placed[n.ID]; ok && ps.at.Equal(n.UpdatedAt) {
			n.Load.Conversations += ps.n
			n.Load.Legs += 3 * ps.n // a monitored call: customer, agent, supervisor
		}
		adjusted = append(adjusted, n)
	}
	rec, err := p.node.placer.placeFrom(adjusted)
	if err != nil {
		return "", err
	}
	ps := p.placed[rec.ID]
	if !ps.at.Equal(rec.UpdatedAt) {
		ps = placedSince{at: rec.UpdatedAt}
	}
	ps.n++
	p.placed[rec.ID] = ps
	return rec.ID, nil
}

// legEnded is a media host's report that a leg ended.
func (p *MediaPlane) legEnded(m *nats.Msg) {
	var ev legEnded
	if err := json.Unmarshal(m.Data, &ev); err != nil {
		return
	}
	p.mu.Lock()
	g := p.groups[ev.Group]
	p.mu.Unlock()
	if g != nil {
		g.legEnded(ev.Leg, fmt.Errorf("%w: %s", media.ErrPeerClosed, ev.Reason))
	}
}

// nodeLost reports every group the node carried as lost.
func (p *MediaPlane) nodeLost(node NodeID) {
	p.mu.Lock()
	var lost []*remoteGroup
	for id, g := range p.groups {
		if g.node == node {
			lost = append(lost, g)
			delete(p.groups, id)
		}
	}
	delete(p.placed, node)
	p.mu.Unlock()
	if len(lost) > 0 {
		p.log.Warn("media node lost", "node", node, "groups", len(lost))
	}
	for _, g := range lost {
		g.markLost(true)
	}
}

func (p *MediaPlane) forget(g *remoteGroup) {
	p.mu.Lock()
	if p.groups[g.id] == g {
		delete(p.groups, g.id)
	}
	p.mu.Unlock()
}

// RemoteGroups is the number of groups this node's domain runs on other
// nodes.
func (p *MediaPlane) RemoteGroups() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.groups)
}

func (p *MediaPlane) close() {
	_ = p.sub.Unsubscribe()
	_ = p.lsub.Unsubscribe()
	_ = p.digitSub.Unsubscribe()
}

// request sends one operation to the group's node and waits for the reply.
func (p *MediaPlane) request(ctx context.Context, node NodeID, req mediaRequest) (mediaReply, error) {
	req.Control = p.node.id
	msg, err := p.node.nc.RequestWithContext(ctx, mediaSubject(p.node.cfg.Name, node), mustJSON(req))
	if err != nil {
		return mediaReply{}, fmt.Errorf("media %s on node %s: %w", req.Op, node, err)
	}
	var rep mediaReply
	if err := json.Unmarshal(msg.Data, &rep); err != nil {
		return mediaReply{}, fmt.Errorf("media %s on node %s: bad reply: %w", req.Op, node, err)
	}
	return rep, rep.err()
}

// remoteGroup is a conversation's group on another node.
type remoteGroup struct {
	plane  *MediaPlane
	id     string
	node   NodeID
	onLost func()

	mu   sync.Mutex
	legs map[media.LegID]*remoteLeg
	lost bool
	// slots are the listeners' slot tables the media node reported after
	// the last SetRoutes.
	slots map[media.LegID][]media.LegID
	// levels are the latest counters the media host reported (Levels).
	levels []media.LegLevels
}

var _ callcenter.MediaGroup = (*remoteGroup)(nil)

func (g *remoteGroup) AddLeg(ctx context.Context, lp media.LegParams) (callcenter.MediaLeg, error) {
	if g.isLost() {
		return nil, fmt.Errorf("add leg %s: %w", lp.ID, media.ErrGroupClosed)
	}
	ctx, cancel := context.WithTimeout(ctx, addLegTimeout+time.Second)
	defer cancel()
	l := &remoteLeg{group: g, id: lp.ID, onClosed: lp.OnClosed, onDigit: lp.OnDigit, done: make(chan struct{})}
	g.mu.Lock()
	g.legs[lp.ID] = l // before the request: its end may be reported first
	g.mu.Unlock()
	rep, err := g.plane.request(ctx, g.node, mediaRequest{Op: opAddLeg, Group: g.id, Leg: lp.ID, Offer: lp.Offer})
	if err != nil {
		g.mu.Lock()
		delete(g.legs, lp.ID)
		g.mu.Unlock()
		return nil, fmt.Errorf("add leg %s: %w", lp.ID, err)
	}
	l.answer = rep.Answer
	return l, nil
}

func (g *remoteGroup) RemoveLeg(id media.LegID) error {
	g.mu.Lock()
	l := g.legs[id]
	delete(g.legs, id)
	lost := g.lost
	g.mu.Unlock()
	if l != nil {
		l.end(media.ErrLegRemoved, true)
	}
	if lost {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	_, err := g.plane.request(ctx, g.node, mediaRequest{Op: opRemoveLeg, Group: g.id, Leg: id})
	return err
}

func (g *remoteGroup) SetRoutes(routes []media.Route) error {
	if g.isLost() {
		// Nothing flows on a lost group; the legs that come back get
		// their routes when they join the new one.
		return nil
	}
	wr := make([]wireRoute, len(routes))
	for i, r := range routes {
		wr[i] = wireRoute{Listener: r.Listener, Speaker: r.Speaker}
	}
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	rep, err := g.plane.request(ctx, g.node, mediaRequest{Op: opSetRoutes, Group: g.id, Routes: wr})
	if err == nil {
		g.mu.Lock()
		g.slots = rep.Slots
		g.mu.Unlock()
	}
	return err
}

// Slots returns listener's slot table as the media node reported it after
// the last SetRoutes (all silent before any, or for an unrouted leg).
func (g *remoteGroup) Slots(listener media.LegID) []media.LegID {
	g.mu.Lock()
	defer g.mu.Unlock()
	// Every node of a cluster runs the same media.slots.
	out := make([]media.LegID, g.plane.local.SFU.Config().Slots)
	copy(out, g.slots[listener])
	return out
}

func (g *remoteGroup) Close() {
	g.plane.forget(g)
	g.mu.Lock()
	legs := g.legs
	g.legs = map[media.LegID]*remoteLeg{}
	lost := g.lost
	g.lost = true
	g.mu.Unlock()
	for _, l := range legs {
		l.end(media.ErrGroupClosed, true)
	}
	if lost {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	if _, err := g.plane.request(ctx, g.node, mediaRequest{Op: opClose, Group: g.id}); err != nil {
		g.plane.log.Debug("close remote group", "group", g.id, "node", g.node, "err", err)
	}
}

// recordingTimeout bounds stopping a remote recording: the media node
// flushes and hashes the files before it answers.
const recordingTimeout = 30 * time.Second

func (g *remoteGroup) StartRecording(p media.RecordingParams) error {
	if g.isLost() {
		return fmt.Errorf("start recording: %w", media.ErrGroupClosed)
	}
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	_, err := g.plane.request(ctx, g.node, mediaRequest{Op: opStartRecording, Group: g.id, RecDir: p.Dir, RecStart: p.Start})
	return err
}

func (g *remoteGroup) StopRecording() ([]media.RecordedFile, error) {
	if g.isLost() {
		return nil, fmt.Errorf("stop recording: the media node was lost: %w", media.ErrGroupClosed)
	}
	ctx, cancel := context.WithTimeout(context.Background(), recordingTimeout)
	defer cancel()
	rep, err := g.plane.request(ctx, g.node, mediaRequest{Op: opStopRecording, Group: g.id})
	return fromWireFiles(rep.Files), err
}

func (g *remoteGroup) ExcludeFromRecording(id media.LegID, excluded bool) error {
	if g.isLost() {
		return nil // nothing is recorded on a lost group
	}
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	_, err := g.plane.request(ctx, g.node, mediaRequest{Op: opExclude, Group: g.id, Leg: id, Excluded: excluded})
	return err
}

// Levels returns the legs' audio-level counters as last reported by the
// media node (up to levelsInterval old): call health works for a group on
// another node as for a local one.
func (g *remoteGroup) Levels(dst []media.LegLevels) []media.LegLevels {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.lost {
		return dst
	}
	return append(dst, g.levels...)
}

func (g *remoteGroup) isLost() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.lost
}

// markLost ends the legs without OnClosed (the domain learns of the loss
// once, through onLost, if report).
func (g *remoteGroup) markLost(report bool) {
	g.mu.Lock()
	if g.lost {
		g.mu.Unlock()
		return
	}
	g.lost = true
	legs := g.legs
	g.legs = map[media.LegID]*remoteLeg{}
	g.mu.Unlock()
	for _, l := range legs {
		l.end(media.ErrSFUClosed, false)
	}
	if report && g.onLost != nil {
		go g.onLost()
	}
}

func (g *remoteGroup) legEnded(id media.LegID, reason error) {
	g.mu.Lock()
	l := g.legs[id]
	delete(g.legs, id)
	g.mu.Unlock()
	if l != nil {
		l.end(reason, true)
	}
}

// remoteLeg is a leg on another node.
type remoteLeg struct {
	group    *remoteGroup
	id       media.LegID
	answer   string
	onClosed func(media.LegID, error)
	onDigit  func(media.LegID, rune)
	done     chan struct{}
	once     sync.Once
}

var _ callcenter.MediaLeg = (*remoteLeg)(nil)

func (l *remoteLeg) ID() media.LegID       { return l.id }
func (l *remoteLeg) Answer() string        { return l.answer }
func (l *remoteLeg) Done() <-chan struct{} { return l.done }
func (l *remoteLeg) end(reason error, notify bool) {
	l.once.Do(func() {
		close(l.done)
		if notify && l.onClosed != nil {
			go l.onClosed(l.id, reason)
		}
	})
}

func (l *remoteLeg) AddICECandidate(c webrtc.ICECandidateInit) error {
	if l.group.isLost() {
		return media.ErrGroupClosed
	}
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	_, err := l.group.plane.request(ctx, l.group.node, mediaRequest{Op: opCandidate, Group: l.group.id, Leg: l.id, Candidate: &c})
	return err
}
