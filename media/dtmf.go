package media

import (
	"context"
	"log/slog"
	"sync/atomic"
)

// DTMF as Earshot receives it: RFC 4733 telephone-event packets on a leg's
// microphone stream. They are commands and numbers, never audio: the reader
// takes them out before routing, so no listener's slot and no recording
// ever carries one, and reports each completed digit to the leg's OnDigit.

// Digits of RFC 4733 section 3.2 (events 0-15), as the domain sees them.
const dtmfDigits = "0123456789*#ABCD"

// dtmfFmtp is the answer's format parameters: the sixteen DTMF events.
const dtmfFmtp = "0-15"

// DefaultDigitQueue is how many completed digits may wait between the
// readers and the goroutine that calls OnDigit. A person dials a few digits
// a second; the queue only overflows if OnDigit stalls for a long time.
const DefaultDigitQueue = 256

// IsDigit reports whether r is a DTMF digit (0-9, *, #, A-D).
func IsDigit(r rune) bool {
	for _, d := range dtmfDigits {
		if r == d {
			return true
		}
	}
	return false
}

// dtmfDecoder turns one leg's telephone-event packets into digits. An event
// is named by its RTP timestamp (RFC 4733 section 2.5.1.2: every packet of
// one event carries the timestamp of its start); the sender repeats the
// final packet, end bit set, three times. A digit is reported at the first
// end packet of an event, and every later packet of that event (the
// repeats, or ones reordered behind them) is ignored. An event whose end
// packets are all lost is not reported: a digit is only a digit once the
// key was released. Used only by the goroutine holding the leg's rxMu.
type dtmfDecoder struct {
	started  bool   // an event was seen
	ts       uint32 // the timestamp of the newest event
	reported bool   // the newest event was reported
}

// packet reads one telephone-event payload (RFC 4733 section 2.3: event,
// E|R|volume, duration) and returns the digit it completes, if any.
func (d *dtmfDecoder) packet(ts uint32, payload []byte) (byte, bool) {
	if len(payload) < 4 {
		return 0, false
	}
	event, end := payload[0], payload[1]&0x80 != 0
	if int(event) >= len(dtmfDigits) {
		return 0, false // a tone or line event, not a key (RFC 4734)
	}
	switch {
	case !d.started || int32(ts-d.ts) > 0:
		d.started, d.ts, d.reported = true, ts, false
	case ts != d.ts:
		return 0, false // a late packet of an older event
	}
	if !end || d.reported {
		return 0, false
	}
	d.reported = true
	return dtmfDigits[event], true
}

// digitReport is one completed digit on its way to the leg's OnDigit.
type digitReport struct {
	leg   *Leg
	digit byte
}

// digitQueue carries completed digits off the readers: a send never blocks
// (a full queue drops the digit and counts it), and one goroutine calls the
// legs' OnDigit in order.
type digitQueue struct {
	ch      chan digitReport
	log     *slog.Logger
	digits  atomic.Uint64 // reported to OnDigit
	dropped atomic.Uint64 // lost to a full queue
}

func newDigitQueue(size int, log *slog.Logger) *digitQueue {
	return &digitQueue{ch: make(chan digitReport, size), log: log}
}

// offer queues a digit; called by a reader with the leg's rxMu held.
func (q *digitQueue) offer(l *Leg, digit byte) {
	select {
	case q.ch <- digitReport{leg: l, digit: digit}:
	default:
		q.dropped.Add(1)
	}
}

// run delivers digits until ctx ends. The digit itself is never logged:
// a customer's digits may be a card number.
func (q *digitQueue) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case r := <-q.ch:
			if r.leg.gone.Load() || r.leg.onDigit == nil {
				continue
			}
			q.digits.Add(1)
			r.leg.onDigit(r.leg.id, rune(r.digit))
		}
	}
}
