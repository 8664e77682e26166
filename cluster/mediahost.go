package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/earshot/earshot/media"
)

// mediaHost serves the media requests other nodes' domains send this node:
// it creates their conversations' groups on the local SFU, negotiates legs,
// applies routes, and reports leg ends to the control node. A group whose
// control node leaves the cluster is closed: nobody could route it any more.
type mediaHost struct {
	cluster string
	sfu     *media.SFU
	nc      *nats.Conn
	log     *slog.Logger

	mu     sync.Mutex
	groups map[string]*hostedGroup
	closed bool
	sub    *nats.Subscription
	stop   chan struct{} // closed by close: ends reportLevels
	done   chan struct{}
	// alive says whether a node is in the directory (adoption checks that
	// the group's control node is really gone).
	alive func(NodeID) bool
}

// levelsInterval is how often a media host reports audio levels: the
// domain samples call health every 100 ms.
const levelsInterval = 100 * time.Millisecond

type hostedGroup struct {
	g *media.Group
	// control is the node driving the group; guarded by mediaHost.mu (it
	// changes when a node that took a lost node's tenant over adopts it).
	control NodeID
	// orphaned is set while control is lost and nobody adopted the group;
	// the timer closes it at the end of orphanGrace.
	orphaned *time.Timer
}

// orphanGrace is how long a group whose control node was lost keeps
// forwarding, waiting for the node that takes the tenant over to adopt it
// (the heartbeat TTL to notice the loss, then the clients' reconnection).
const orphanGrace = 30 * time.Second

// addLegTimeout bounds one leg negotiation on the host; the answer needs no
// gathering, so this only guards against a stuck host.
const addLegTimeout = 5 * time.Second

func startMediaHost(nc *nats.Conn, cluster string, self NodeID, sfu *media.SFU, alive func(NodeID) bool, log *slog.Logger) (*mediaHost, error) {
	h := &mediaHost{cluster: cluster, sfu: sfu, nc: nc, log: log, alive: alive, groups: map[string]*hostedGroup{}, stop: make(chan struct{}), done: make(chan struct{})}
	sub, err := nc.Subscribe(mediaSubject(cluster, self), h.serve)
	if err != nil {
		return nil, fmt.Errorf("cluster: media host subscribe: %w", err)
	}
	h.sub = sub
	go h.reportLevels()
	return h, nil
}

func (h *mediaHost) serve(m *nats.Msg) {
	var req mediaRequest
	var rep mediaReply
	if err := json.Unmarshal(m.Data, &req); err != nil || req.Group == "" || req.Control == "" {
		rep = mediaReply{Error: "failed", Message: "malformed media request"}
	} else {
		if req.Op == opStopRecording {
			files, err := h.stopRecording(req)
			rep = replyOf(err)
			rep.Files = toWireFiles(files)
		} else if req.Op == opAdopt {
			legs, err := h.adopt(req)
			rep = replyOf(err)
			rep.Legs = legs
		} else {
			rep = replyOf(h.do(req))
		}
		if req.Op == opAddLeg && rep.Error == "" {
			rep.Answer = h.answer(req)
		}
		if req.Op == opSetRoutes && rep.Error == "" {
			rep.Slots = h.slots(req)
		}
	}
	if m.Reply != "" {
		if err := m.Respond(mustJSON(rep)); err != nil {
			h.log.Debug("media reply", "op", req.Op, "err", err)
		}
	}
}

// slots is every routed listener's slot table of the group just routed.
func (h *mediaHost) slots(req mediaRequest) map[media.LegID][]media.LegID {
	h.mu.Lock()
	hg := h.groups[req.Group]
	h.mu.Unlock()
	if hg == nil {
		return nil
	}
	out := map[media.LegID][]media.LegID{}
	for _, r := range req.Routes {
		if _, ok := out[r.Listener]; !ok {
			out[r.Listener] = hg.g.Slots(r.Listener)
		}
	}
	return out
}

// answer is the answer of the leg just added (do stored it).
func (h *mediaHost) answer(req mediaRequest) string {
	h.mu.Lock()
	hg := h.groups[req.Group]
	h.mu.Unlock()
	if hg == nil {
		return ""
	}
	if l, ok := hg.g.Leg(req.Leg); ok {
		return l.Answer()
	}
	return ""
}

func (h *mediaHost) do(req mediaRequest) error {
	switch req.Op {
	case opAddLeg:
		hg, err := h.group(req, true)
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(context.Background(), addLegTimeout)
		defer cancel()
		group := req.Group
		// Reports go to whoever drives the group at the time (a node that
		// adopted it after its first control node was lost).
		control := func() NodeID {
			h.mu.Lock()
			defer h.mu.Unlock()
			return hg.control
		}
		_, err = hg.g.AddLeg(ctx, media.LegParams{ID: req.Leg, Offer: req.Offer, OnClosed: func(id media.LegID, reason error) {
			h.legEnded(control(), group, id, reason)
		}, OnDigit: func(id media.LegID, digit rune) {
			h.legDigit(control(), group, id, digit)
		}})
		return err
	case opRemoveLeg:
		hg, err := h.group(req, false)
		if err != nil {
			return err
		}
		return hg.g.RemoveLeg(req.Leg)
	case opSetRoutes:
		hg, err := h.group(req, false)
		if err != nil {
			return err
		}
		routes := make([]media.Route, len(req.Routes))
		for i, r := range req.Routes {
			routes[i] = media.Route{Listener: r.Listener, Speaker: r.Speaker}
		}
		return hg.g.SetRoutes(routes)
	case opCandidate:
		hg, err := h.group(req, false)
		if err != nil {
			return err
		}
		l, ok := hg.g.Leg(req.Leg)
		if !ok || req.Candidate == nil {
			return media.ErrUnknownLeg
		}
		return l.AddICECandidate(*req.Candidate)
	case opStartRecording:
		hg, err := h.group(req, false)
		if err != nil {
			return err
		}
		return hg.g.StartRecording(media.RecordingParams{Dir: req.RecDir, Start: req.RecStart})
	case opExclude:
		hg, err := h.group(req, false)
		if err != nil {
			return err
		}
		return hg.g.ExcludeFromRecording(req.Leg, req.Excluded)
	case opClose:
		h.mu.Lock()
		hg := h.groups[req.Group]
		delete(h.groups, req.Group)
		h.mu.Unlock()
		if hg != nil {
			hg.g.Close()
		}
		return nil
	default:
		return fmt.Errorf("unknown media op %q", req.Op)
	}
}

// stopRecording stops a hosted group's recording and returns its files.
func (h *mediaHost) stopRecording(req mediaRequest) ([]media.RecordedFile, error) {
	hg, err := h.group(req, false)
	if err != nil {
		return nil, err
	}
	return hg.g.StopRecording()
}

// group finds (or, for a leg's first add, creates) a hosted group. A group
// belongs to the control node that created it: another node naming the same
// id gets an error, never the group.
func (h *mediaHost) group(req mediaRequest, create bool) (*hostedGroup, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, media.ErrSFUClosed
	}
	hg := h.groups[req.Group]
	if hg == nil {
		if !create {
			return nil, media.ErrGroupClosed
		}
		hg = &hostedGroup{g: h.sfu.NewGroup(req.Group), control: req.Control}
		h.groups[req.Group] = hg
	}
	if hg.control != req.Control {
		return nil, fmt.Errorf("group %s belongs to node %s: %w", req.Group, hg.control, media.ErrGroupClosed)
	}
	return hg, nil
}

// legEnded tells the control node a leg ended (its party is gone).
func (h *mediaHost) legEnded(control NodeID, group string, id media.LegID, reason error) {
	if errors.Is(reason, media.ErrLegRemoved) || errors.Is(reason, media.ErrGroupClosed) {
		return // the control node did it and knows
	}
	msg := legEnded{Group: group, Leg: id, Reason: fmt.Sprint(reason)}
	if err := h.nc.Publish(legsSubject(h.cluster, control), mustJSON(msg)); err != nil {
		h.log.Warn("leg end not reported", "group", group, "leg", id, "err", err)
	}
}

// legDigit tells the control node a key was pressed on a leg. The digit
// is not logged, not even when the report fails.
func (h *mediaHost) legDigit(control NodeID, group string, id media.LegID, digit rune) {
	msg := legDigit{Group: group, Leg: id, Digit: string(digit)}
	if err := h.nc.Publish(digitsSubject(h.cluster, control), mustJSON(msg)); err != nil {
		h.log.Warn("dtmf digit not reported", "group", group, "leg", id, "err", err)
	}
}

// controlLost orphans the groups a lost node controlled: they keep
// forwarding as routed until the node that takes the tenant over adopts
// them, or orphanGrace passes and they are closed.
func (h *mediaHost) controlLost(node NodeID) {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for id, hg := range h.groups {
		if hg.control != node || hg.orphaned != nil {
			continue
		}
		n++
		hg.orphaned = time.AfterFunc(orphanGrace, func() { h.closeOrphan(id, hg) })
	}
	if n > 0 {
		h.log.Warn("media of a lost control node: waiting for adoption", "node", node, "groups", n, "grace", orphanGrace)
	}
}

// closeOrphan closes a group nobody adopted in time.
func (h *mediaHost) closeOrphan(id string, hg *hostedGroup) {
	h.mu.Lock()
	if h.groups[id] != hg || hg.orphaned == nil {
		h.mu.Unlock()
		return
	}
	delete(h.groups, id)
	h.mu.Unlock()
	h.log.Warn("closing media nobody adopted", "group", id)
	hg.g.Close()
}

// adopt hands a group to the node that took its lost control node's tenant
// over, and lists its live legs. A group whose control node is still in
// the cluster is not handed to anyone else.
func (h *mediaHost) adopt(req mediaRequest) ([]media.LegID, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	hg := h.groups[req.Group]
	if hg == nil || h.closed {
		return nil, fmt.Errorf("adopt %s: %w", req.Group, media.ErrGroupClosed)
	}
	if hg.control != req.Control && h.alive(hg.control) {
		return nil, fmt.Errorf("adopt %s: node %s still drives it: %w", req.Group, hg.control, errControlAlive)
	}
	hg.control = req.Control
	if hg.orphaned != nil {
		hg.orphaned.Stop()
		hg.orphaned = nil
	}
	return hg.g.LegIDs(), nil
}

// groupCount is the number of groups hosted for other nodes.
func (h *mediaHost) groupCount() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.groups)
}

// reportLevels sends each control node the level counters of its groups
// here, so that it can compute call health as for a local group.
func (h *mediaHost) reportLevels() {
	defer close(h.done)
	t := time.NewTicker(levelsInterval)
	defer t.Stop()
	var buf []media.LegLevels
	for {
		select {
		case <-h.stop:
			return
		case <-t.C:
		}
		byControl := map[NodeID]*levelsReport{}
		h.mu.Lock()
		for id, hg := range h.groups {
			buf = hg.g.Levels(buf[:0])
			if len(buf) == 0 {
				continue
			}
			r := byControl[hg.control]
			if r == nil {
				r = &levelsReport{Groups: map[string][]media.LegLevels{}}
				byControl[hg.control] = r
			}
			r.Groups[id] = append([]media.LegLevels(nil), buf...)
		}
		h.mu.Unlock()
		for control, r := range byControl {
			if err := h.nc.Publish(levelsSubject(h.cluster, control), mustJSON(r)); err != nil {
				h.log.Debug("levels report", "control", control, "err", err)
			}
		}
	}
}

// close stops serving and closes the hosted groups.
func (h *mediaHost) close() {
	select {
	case <-h.stop:
	default:
		close(h.stop)
	}
	<-h.done
	h.mu.Lock()
	h.closed = true
	groups := h.groups
	h.groups = map[string]*hostedGroup{}
	h.mu.Unlock()
	_ = h.sub.Unsubscribe()
	for _, hg := range groups {
		hg.g.Close()
	}
}
