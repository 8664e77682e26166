package media

import (
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
)

// RFC 3550 A.1 limits: a jump forward of fewer than maxDropout sequence
// numbers is loss; a jump back of at most maxMisorder is a late packet;
// anything else is a source that restarted its sequence (believed once two
// packets in a row agree).
const (
	maxDropout  = 3000
	maxMisorder = 100
	seqMod      = 1 << 16
)

// recvStats is the reception state of one leg's microphone, kept as RFC
// 3550 appendix A.1 (sequence numbers, loss) and A.8 (interarrival jitter)
// describe. update runs only on the goroutine that holds the leg's rxMu
// (the reader of the shard its client's datagrams arrive at) and owns the
// plain fields; it publishes what a report needs through atomics, so the
// reporter never takes a lock the reader would wait for and the read path
// allocates nothing.
type recvStats struct {
	// Owned by the goroutine holding the leg's rxMu.
	started bool
	origin  time.Time // arrival clock zero, so arrival times fit 32 bits
	maxSeq  uint16
	cycles  uint32 // sequence wraps, times seqMod
	baseSeq uint32
	badSeq  uint32 // the sequence number that would confirm a restart
	transit uint32 // last arrival minus RTP timestamp, in RTP units
	jitter  uint32 // RFC 3550 A.8 estimate, times 16

	received uint32

	// Published for the reporter. counts packs the extended highest
	// sequence number (high half) and the packets received (low half) so
	// one load sees a consistent pair; base and restarts change only when
	// the source restarts its numbering.
	pubCounts   atomic.Uint64
	pubJitter   atomic.Uint32
	pubBase     atomic.Uint32
	pubRestarts atomic.Uint32
	// lastSR is the middle 32 bits of the NTP time of the client's last
	// sender report for this stream (high half) and the middle 32 bits of
	// the NTP time it arrived (low half): LSR and the start of DLSR.
	lastSR atomic.Uint64
}

// update accounts one packet of the stream that arrived at now.
func (s *recvStats) update(seq uint16, ts uint32, now time.Time) {
	if !s.started {
		s.started = true
		s.origin = now
		s.restart(seq)
		s.transit = s.arrival(now) - ts
		s.received = 1
		s.publish()
		return
	}
	switch udelta := seq - s.maxSeq; {
	case udelta < maxDropout:
		if seq < s.maxSeq {
			s.cycles += seqMod
		}
		s.maxSeq = seq
	case udelta <= seqMod-maxMisorder:
		if uint32(seq) != s.badSeq {
			// A very large jump: wait for the next packet to tell a
			// restarted source from a stray packet.
			s.badSeq = (uint32(seq) + 1) & (seqMod - 1)
			return
		}
		// The source restarted (new numbering, likely a new timestamp
		// base too): the transit time starts over rather than counting
		// the jump as jitter.
		s.restart(seq)
		s.received = 1
		s.transit = s.arrival(now) - ts
		s.publish()
		return
	default:
		// A duplicate or a late packet: received, but not the highest.
	}
	s.received++

	// A.8: the difference of relative transit times, smoothed by 1/16.
	transit := s.arrival(now) - ts
	d := int32(transit - s.transit)
	s.transit = transit
	if d < 0 {
		d = -d
	}
	s.jitter += uint32(d) - ((s.jitter + 8) >> 4)
	s.publish()
}

// restart begins counting a (re)started sequence at seq (A.1 init_seq).
func (s *recvStats) restart(seq uint16) {
	s.baseSeq = uint32(seq)
	s.maxSeq = seq
	s.badSeq = seqMod + 1
	s.cycles = 0
	s.received = 0
	s.pubBase.Store(s.baseSeq)
	s.pubRestarts.Add(1)
}

// arrival is now on the RTP clock (48 kHz for Opus), from the stream's
// first packet; only differences matter, and they survive the wrap.
func (s *recvStats) arrival(now time.Time) uint32 {
	return uint32(uint64(now.Sub(s.origin).Microseconds()) * opusClockRate / 1_000_000)
}

func (s *recvStats) publish() {
	s.pubCounts.Store(uint64(s.cycles+uint32(s.maxSeq))<<32 | uint64(s.received))
	s.pubJitter.Store(s.jitter >> 4)
}

// recordSR remembers the client's sender report for this stream (RFC 3550
// 6.4.1: LSR is the middle 32 bits of its NTP timestamp).
func (s *recvStats) recordSR(ntp uint64, arrived time.Time) {
	s.lastSR.Store(uint64(uint32(ntp>>16))<<32 | uint64(ntpMiddle(arrived)))
}

// recvReporter is the reporter's side of one stream's reception reports:
// the counts at the previous report, for the fraction lost in the
// interval. Only the reporter goroutine uses it.
type recvReporter struct {
	restarts      uint32
	expectedPrior uint32
	receivedPrior uint32
}

// block builds the reception report for the stream with SSRC ssrc at now.
// ok is false before the stream's first packet.
func (r *recvReporter) block(s *recvStats, ssrc uint32, now time.Time) (rtcp.ReceptionReport, bool) {
	restarts := s.pubRestarts.Load()
	if restarts == 0 {
		return rtcp.ReceptionReport{}, false
	}
	counts := s.pubCounts.Load()
	extMax, received := uint32(counts>>32), uint32(counts)
	if restarts != r.restarts {
		r.restarts, r.expectedPrior, r.receivedPrior = restarts, 0, 0
	}
	expected := extMax - s.pubBase.Load() + 1

	// Cumulative loss is signed in RFC 3550 (duplicates can make it
	// negative); SRTP's replay protection discards duplicates, so a
	// negative value here is only a count read mid-update: report 0.
	lost := int64(expected) - int64(received)
	lost = max(0, min(lost, 0x7fffff))

	var fraction uint8
	expInterval := int64(expected) - int64(r.expectedPrior)
	lostInterval := expInterval - (int64(received) - int64(r.receivedPrior))
	if expInterval > 0 && lostInterval > 0 {
		fraction = uint8(min(lostInterval<<8/expInterval, 255))
	}
	r.expectedPrior, r.receivedPrior = expected, received

	rr := rtcp.ReceptionReport{
		SSRC:               ssrc,
		FractionLost:       fraction,
		TotalLost:          uint32(lost),
		LastSequenceNumber: extMax,
		Jitter:             s.pubJitter.Load(),
	}
	if sr := s.lastSR.Load(); sr != 0 {
		rr.LastSenderReport = uint32(sr >> 32)
		rr.Delay = ntpMiddle(now) - uint32(sr)
	}
	return rr, true
}
