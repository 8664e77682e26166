package callcenter

import "github.com/earshot/earshot/store"

// delivery is one event waiting to be pushed once the domain lock is released.
type delivery struct {
	to    Client
	event string
	data  any
}

// outbox collects the events of one domain operation. Events are pushed after
// the state lock is released (so a client can never stall the domain) but in
// operation order (the delivery lock is taken before the state lock is let go).
type outbox struct {
	items []delivery
	// touched conversations and agents get their views published once, when
	// the operation is complete: intermediate states are never seen, so how
	// many updates a customer receives cannot depend on invisible parties.
	convs    []*Conversation
	agents   []*agentRec
	dispatch bool // routing must run before the views are published
	// records are the history and consequence audit events of the
	// operation, handed to the Auditor (without waiting) in operation order.
	records store.Batch
	// mirror are the conversation snapshots and ends for the Mirror, if
	// the Center has one (mirror.go).
	mirror []mirrorUpdate
	// cleanups run after delivery, outside every lock: slow teardown such as
	// closing PeerConnections.
	cleanups []func()
}

func (o *outbox) journal(b store.Batch) { o.records.Add(b) }

func (o *outbox) after(f func()) { o.cleanups = append(o.cleanups, f) }

func (o *outbox) push(to Client, event string, data any) {
	if to == nil {
		return
	}
	o.items = append(o.items, delivery{to: to, event: event, data: data})
}

func (o *outbox) touch(conv *Conversation) {
	for _, c := range o.convs {
		if c == conv {
			return
		}
	}
	o.convs = append(o.convs, conv)
}

func (o *outbox) touchAgent(a *agentRec) {
	for _, x := range o.agents {
		if x == a {
			return
		}
	}
	o.agents = append(o.agents, a)
}
