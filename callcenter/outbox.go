package callcenter

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
	// cleanups run after delivery, outside every lock: slow teardown such as
	// closing PeerConnections.
	cleanups []func()
}

func (o *outbox) after(f func()) { o.cleanups = append(o.cleanups, f) }

func (o *outbox) push(to Client, event string, data any) {
	if to == nil {
		return
	}
	o.items = append(o.items, delivery{to: to, event: event, data: data})
}
