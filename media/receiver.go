package media

import (
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
)

// destinations is a speaker's routing decision, replaced as a whole
// (copy-on-write) by SetRoutes: the slots that carry this speaker.
type destinations struct {
	slots []*slot
}

// receiver is the ingress of one leg: it reads the leg's microphone and
// hands every packet to the slots its current destinations name. An empty
// destination list drops the packet right here, which is how a speaker that
// nobody may hear (a listening supervisor) is gated on the server whatever
// its browser sends.
type receiver struct {
	// source identifies this speaker to slots; unique within the SFU, never 0.
	source uint64
	// audioLevelID is the RFC 6464 extension ID negotiated with this
	// speaker (0: none).
	audioLevelID uint8
	dest         atomic.Pointer[destinations]
	counters     *legCounters
	// rec is this leg's file while its group is recorded (nil: not
	// recorded); noRecord leaves the leg out of recordings whatever rec
	// says (Group.ExcludeFromRecording).
	rec      atomic.Pointer[legFile]
	noRecord atomic.Bool
	// levels counts the speaker's audio levels (nil: not counted).
	levels *levelMeter
}

// dispatch is the per-packet decision: gate, then forward to each slot. It
// runs on the goroutine holding the speaker leg's rxMu (its shard's
// reader), with the packet just decrypted.
func (r *receiver) dispatch(pkt *rtp.Packet, now time.Time, out *egress) {
	r.counters.received.Add(1)
	var level []byte
	if r.audioLevelID != 0 {
		level = pkt.GetExtension(r.audioLevelID)
		// Counted before the gate: a speaker nobody hears (a held
		// customer) still has a measurable voice, and the domain shows
		// it as held, not as silent.
		if r.levels != nil {
			r.levels.record(level)
		}
	}
	d := r.dest.Load()
	if d == nil || len(d.slots) == 0 {
		r.counters.dropped.Add(1)
		return
	}
	in := ingress{source: r.source, pkt: pkt, now: now, audioLevel: level}
	var n uint64
	for _, s := range d.slots {
		if s.forward(&in, out) {
			n++
		}
	}
	if n > 0 {
		r.counters.forwarded.Add(n)
		// Recorded as forwarded: only what somebody hears is recorded.
		if f := r.rec.Load(); f != nil && !r.noRecord.Load() {
			f.rec.offer(f, pkt, now)
		}
	}
}

// setDestinations replaces this speaker's routing; nil silences it.
func (r *receiver) setDestinations(slots []*slot) {
	if len(slots) == 0 {
		r.dest.Store(nil)
		return
	}
	r.dest.Store(&destinations{slots: slots})
}
