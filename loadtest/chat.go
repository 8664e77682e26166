package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/loadtest/oracle"
	"github.com/earshot/earshot/signaling/sigclient"
)

// chatEvery is how often a chat posts a message (each from one party).
const chatEvery = time.Second

// chatConv is one monitored web chat: customer, agent and supervisor on
// signaling only.
type chatConv struct {
	env     *env
	idx     int
	oc      *oracle.Chat
	queue   string
	team    auth.TeamID
	convID  string
	sigs    [4]*sigclient.Client // by oracle.Role
	joined  int
	mode    oracle.Mode
	readers sync.WaitGroup
	cancel  context.CancelFunc
	// paused counts sessions resuming after a node loss (cluster runs):
	// nothing is posted or switched meanwhile.
	paused atomic.Int32
}

func newChatConv(e *env, idx int) *chatConv {
	q, t := e.place.chatQueue(idx)
	return &chatConv{env: e, idx: idx, oc: e.oracle.NewChat(idx), queue: q, team: t, mode: oracle.ModeListen}
}

// join brings the three parties in and starts reading their messages.
func (c *chatConv) join(ctx context.Context) error {
	jctx, cancel := context.WithTimeout(ctx, c.env.opts.JoinTimeout)
	defer cancel()
	if err := c.joinSteps(jctx); err != nil {
		c.oc.Fail()
		c.env.count.failedJoins.Add(int64(len(voiceRoles) - c.joined))
		return fmt.Errorf("chat %d: %w", c.idx, err)
	}
	c.env.count.chatsJoined.Add(1)
	if len(c.env.wsURLs) > 0 {
		pause := func(on bool) {
			if on {
				c.paused.Add(1)
			} else {
				c.paused.Add(-1)
			}
		}
		for _, r := range voiceRoles {
			go c.env.keepSession(c.sigs[r], nodeFor(c.idx, int(r)), pause)
		}
	}
	return nil
}

func (c *chatConv) joinSteps(ctx context.Context) error {
	auths := map[oracle.Role]auth.Role{oracle.RoleCustomer: auth.RoleCustomer, oracle.RoleAgent: auth.RoleAgent, oracle.RoleSupervisor: auth.RoleSupervisor}
	for _, r := range voiceRoles {
		team := c.team
		if r == oracle.RoleCustomer {
			team = ""
		}
		tag := oracle.Tag{Kind: oracle.KindChat, Role: r, Conv: c.idx}
		sig, err := c.env.dial(ctx, "lt-"+tag.String(), auths[r], team, nodeFor(c.idx, int(r)))
		if err != nil {
			return err
		}
		c.sigs[r] = sig
	}
	rctx, rcancel := context.WithCancel(context.Background())
	c.cancel = rcancel
	cust, agent, sup := c.sigs[oracle.RoleCustomer], c.sigs[oracle.RoleAgent], c.sigs[oracle.RoleSupervisor]

	release := func() {}
	if lock := c.env.place.shared; lock != nil {
		lock.Lock()
		var once sync.Once
		release = func() { once.Do(lock.Unlock) }
	}
	defer release()
	if err := agent.Request(ctx, "agent.set_state", map[string]string{"state": "ready"}, nil); err != nil {
		return fmt.Errorf("agent ready: %w", err)
	}
	mark := agent.Mark()
	var start convResponse
	if err := cust.Request(ctx, "conversation.start", map[string]string{"queue": c.queue, "channel": "chat"}, &start); err != nil {
		return fmt.Errorf("conversation.start: %w", err)
	}
	c.convID = start.Conversation.ConversationID
	c.listen(rctx, oracle.RoleCustomer, 0)
	c.joined++
	if err := waitOffered(ctx, agent, mark, c.convID); err != nil {
		return fmt.Errorf("offer to agent: %w", err)
	}
	release()
	mark = agent.Mark()
	if err := agent.Request(ctx, "conversation.accept", map[string]string{"conversation_id": c.convID}, nil); err != nil {
		return fmt.Errorf("conversation.accept: %w", err)
	}
	c.listen(rctx, oracle.RoleAgent, mark)
	c.joined++
	mark = sup.Mark()
	if err := sup.Request(ctx, "monitor.start", map[string]string{"conversation_id": c.convID, "reason": "load test"}, nil); err != nil {
		return fmt.Errorf("monitor.start: %w", err)
	}
	c.listen(rctx, oracle.RoleSupervisor, mark)
	c.joined++
	return nil
}

// listen feeds every chat.message event of a party's session, from event
// position mark on, to the oracle until ctx ends.
func (c *chatConv) listen(ctx context.Context, r oracle.Role, mark int) {
	c.oc.Joined(r)
	sig := c.sigs[r]
	c.readers.Go(func() {
		for {
			if _, err := sig.WaitEvent(ctx, mark, "chat.message", nil); err != nil {
				return
			}
			evs := sig.Events()
			for _, ev := range evs[mark:] {
				if ev.Type != "chat.message" {
					continue
				}
				var m struct {
					ConversationID string `json:"conversation_id"`
					Kind           string `json:"kind"`
					Text           string `json:"text"`
				}
				if err := json.Unmarshal(ev.Data, &m); err != nil {
					m.Kind, m.Text = "whisper", "" // undecodable: judged a leak
				}
				c.oc.Received(r, m.Kind, m.Text, ev.At)
			}
			mark = len(evs)
		}
	})
}

// run posts a message every chatEvery from a rotating sender (customer
// public, agent public, agent whisper, supervisor whisper; the supervisor
// posts public while barged in) and walks the supervisor's modes every
// SwitchEvery, until the run stops.
func (c *chatConv) run() {
	every := c.env.opts.SwitchEvery
	nextSwitch := time.Now().Add(time.Duration(rand.Int64N(int64(every))))
	nextPost := time.Now().Add(time.Duration(rand.Int64N(int64(chatEvery))))
	timer := time.NewTimer(0)
	defer timer.Stop()
	turn := rand.IntN(4)
	for {
		at := nextPost
		if nextSwitch.Before(at) {
			at = nextSwitch
		}
		timer.Reset(time.Until(at))
		select {
		case <-c.env.stop:
			return
		case <-timer.C:
		}
		if c.paused.Load() > 0 {
			// A session is resuming on another node: skip this step.
			if at.Equal(nextSwitch) {
				nextSwitch = nextSwitch.Add(every)
			} else {
				nextPost = nextPost.Add(chatEvery)
			}
			continue
		}
		if at.Equal(nextSwitch) {
			c.switchMode()
			nextSwitch = nextSwitch.Add(every)
			continue
		}
		nextPost = nextPost.Add(chatEvery)
		senders := [...]struct {
			r       oracle.Role
			whisper bool
		}{{oracle.RoleCustomer, false}, {oracle.RoleAgent, false}, {oracle.RoleAgent, true}, {oracle.RoleSupervisor, c.mode != oracle.ModeBarge}}
		s := senders[turn%len(senders)]
		turn++
		c.post(s.r, s.whisper)
	}
}

func (c *chatConv) post(r oracle.Role, whisper bool) {
	kind := "public"
	if whisper {
		kind = "whisper"
	}
	text, seq := c.oc.Post(r, whisper, time.Now())
	err := request(c.sigs[r], "chat.send", map[string]string{"conversation_id": c.convID, "kind": kind, "text": text}, nil)
	if err != nil {
		c.oc.Refused(seq)
		c.env.count.chatRefused.Add(1)
	}
}

func (c *chatConv) switchMode() {
	next := c.mode.Next()
	err := request(c.sigs[oracle.RoleSupervisor], "monitor.set_mode", map[string]string{"conversation_id": c.convID, "mode": next.String()}, nil)
	c.env.count.switches.Add(1)
	if err != nil {
		c.env.count.switchErrors.Add(1)
		return
	}
	c.mode = next
}

// close stops the readers, ends the chat and closes the sessions.
func (c *chatConv) close() {
	if c.cancel != nil {
		c.cancel()
	}
	c.readers.Wait()
	if cust := c.sigs[oracle.RoleCustomer]; cust != nil && c.convID != "" {
		_ = request(cust, "conversation.end", map[string]string{"conversation_id": c.convID}, nil)
	}
	var wg sync.WaitGroup
	for _, s := range c.sigs {
		if s != nil {
			wg.Go(s.Close)
		}
	}
	wg.Wait()
}
