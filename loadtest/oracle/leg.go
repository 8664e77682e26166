package oracle

import (
	"math"
	"sync/atomic"
	"time"

	"github.com/earshot/earshot/media/mediatest"
)

// Leg is one party's media as the oracle sees it: what it sent (the send
// time of every sequence number) and, per speaker, when each packet
// arrived. The sending side is written by one goroutine (the pacer), the
// receiving side by another (the endpoint's reader); the arrays are read
// by Result only after both stopped.
type Leg struct {
	call *Call
	role Role
	tag  string

	sent  []int64 // sent[seq-1]: Unix ns
	nsent atomic.Uint64

	// recv[speaker][seq-1] is the one-way delay in µs plus 1; 0 = never.
	recv [numRoles][]int32

	received, ok, grace, leaks, whisperLeaks, pciLeaks, invalid, dups atomic.Uint64
	// leaksFrom counts leaks by speaker role (RoleUnknown: another call's
	// audio, the leg's own, or garbage).
	leaksFrom [numRoles]atomic.Uint64

	joinStart, ready, firstAudio atomic.Int64
}

func newLeg(c *Call, r Role) *Leg {
	l := &Leg{call: c, role: r, tag: Tag{Kind: KindVoice, Role: r, Conv: c.idx}.String()}
	if c.o.hint > 0 {
		l.sent = make([]int64, 0, c.o.hint)
	}
	return l
}

// Tag is the speaker tag this leg puts into its payloads.
func (l *Leg) Tag() string { return l.tag }

// Role is the leg's role.
func (l *Leg) Role() Role { return l.role }

// JoinStarted records when the leg began to join (the request carrying its
// offer; for a customer, the agent's accept, when the call is answered).
func (l *Leg) JoinStarted(at time.Time) { l.joinStart.Store(l.call.o.ns(at)) }

// Ready records when the leg's media connected (ICE, DTLS, SRTP up).
func (l *Leg) Ready(at time.Time) { l.ready.Store(l.call.o.ns(at)) }

// Next is the leg's microphone (leanrtc.Source): one payload carrying the
// tag, the next sequence number and the send time, recorded here.
func (l *Leg) Next(dst []byte, now time.Time) []byte {
	at := l.call.o.ns(now)
	l.sent = append(l.sent, at)
	seq := uint32(len(l.sent))
	l.nsent.Add(1)
	return mediatest.EncodePayload(dst, l.tag, seq, time.Unix(0, at))
}

// Received judges one payload that arrived at this leg at time at and
// records it. It runs on the leg's reader goroutine.
func (l *Leg) Received(payload []byte, at time.Time) Verdict {
	l.received.Add(1)
	arrival := l.call.o.ns(at)
	l.firstAudio.CompareAndSwap(0, arrival)
	speaker, seq, sentAt, ok := mediatest.DecodePayload(payload)
	if !ok {
		l.invalid.Add(1)
		return l.leak(RoleUnknown, false)
	}
	tag, err := ParseTag(speaker)
	if err != nil || tag.Kind != KindVoice || tag.Conv != l.call.idx || tag.Role == l.role || seq == 0 {
		// Another call's audio, our own, or garbage: never allowed.
		return l.leak(RoleUnknown, err == nil && tag.Role == RoleSupervisor)
	}
	sent := sentAt.UnixNano()
	v := l.call.judge(l.role, tag.Role, sent, arrival)
	switch v {
	case VerdictOK:
		l.ok.Add(1)
	case VerdictGrace:
		l.grace.Add(1)
	default:
		l.leak(tag.Role, tag.Role == RoleSupervisor)
		if tag.Role == RoleCustomer && l.role == RoleSupervisor && l.call.pausedDuring(sent, arrival) {
			// Customer audio at a supervisor while a payment was taken:
			// what the PCI pause exists to prevent.
			l.pciLeaks.Add(1)
		}
	}
	l.record(tag.Role, seq, arrival-sent)
	return v
}

// leak counts a leak from a speaker of this call (RoleUnknown: anything
// else); fromSupervisor makes it a whisper leak when this leg is a
// customer.
func (l *Leg) leak(speaker Role, fromSupervisor bool) Verdict {
	l.leaks.Add(1)
	l.leaksFrom[speaker].Add(1)
	if fromSupervisor && l.role == RoleCustomer {
		l.whisperLeaks.Add(1)
	}
	return VerdictLeak
}

// record stores the delay of packet seq from speaker, counting duplicates.
func (l *Leg) record(speaker Role, seq uint32, delayNS int64) {
	i := int(seq - 1)
	arr := l.recv[speaker]
	if i >= len(arr) {
		grow := max(i+1, 2*len(arr), l.call.o.hint)
		next := make([]int32, grow)
		copy(next, arr)
		arr = next
		l.recv[speaker] = arr
	}
	if arr[i] != 0 {
		l.dups.Add(1)
		return
	}
	us := max(delayNS/1000, 0) + 1
	arr[i] = int32(min(us, math.MaxInt32))
}
