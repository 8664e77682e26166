package media

import "time"

// extBase offsets every extended (64-bit) counter so that unwrapping a
// packet that arrives slightly out of order (a negative 16/32-bit
// difference) never underflows, and plain < comparisons stay valid.
const extBase = uint64(1) << 40

// mungeResult is the munger's decision for one packet: the header values the
// slot must write.
type mungeResult struct {
	SN uint16
	TS uint32
	// Marker is set on the first packet of a new source: for audio the
	// marker bit flags the start of a talkspurt, telling the receiver's
	// jitter buffer it may adapt its delay here.
	Marker bool
}

// munger rewrites RTP sequence numbers and timestamps for one slot, so that
// the slot stays ONE continuous stream while the speaker feeding it changes:
// the sequence number continues with +1 and the timestamp continues by the
// wall time elapsed since the slot's last packet (at least one 20 ms frame).
// Within one source, offsets are fixed, so the source's own gaps (loss),
// reordering and DTX pauses pass through unchanged.
//
// Counters are unwrapped to 64 bits internally (as LiveKit's RTP munger
// does), so 16-bit sequence and 32-bit timestamp wraparound is handled
// without special cases.
//
// A munger is not safe for concurrent use; the slot guards it with its
// mutex.
type munger struct {
	started bool // at least one packet was written
	rebase  bool // the next packet starts a new source epoch

	inSSRC   uint32 // SSRC of the current source's packets
	inHighSN uint64 // highest extended input sequence number of this epoch
	inHighTS uint64 // extended input timestamp of that packet

	snOffset uint64 // out = in + offset (mod 2^64)
	tsOffset uint64
	epochSN  uint64 // first output SN of this epoch; anything older is dropped

	lastSN uint64 // highest extended output sequence number written
	lastTS uint64 // extended output timestamp of that packet
	lastAt time.Time
}

// newMunger returns a munger whose first packet will carry sn and ts.
// Callers pass random values (RFC 3550 section 5.1) except in tests.
func newMunger(sn uint16, ts uint32) munger {
	return munger{
		rebase: true,
		lastSN: extBase + uint64(sn) - 1,
		lastTS: extBase + uint64(ts),
	}
}

// switchSource makes the next packet start a new epoch, whatever its
// sequence number and timestamp.
func (m *munger) switchSource() { m.rebase = true }

// needsRebase reports whether a packet with this SSRC would start a new
// epoch (a source switch, or the source itself restarting with a new SSRC).
func (m *munger) needsRebase(ssrc uint32) bool { return m.rebase || ssrc != m.inSSRC }

// update maps one input packet to its output header values. ok is false for
// a packet that must not be written: one from the current source that is
// older than the switch to it (it would go backwards on the wire).
func (m *munger) update(sn uint16, ts uint32, ssrc uint32, now time.Time) (res mungeResult, ok bool) {
	if m.needsRebase(ssrc) {
		return m.startEpoch(sn, ts, ssrc, now), true
	}

	extSN := uint64(int64(m.inHighSN) + int64(int16(sn-uint16(m.inHighSN))))
	extTS := uint64(int64(m.inHighTS) + int64(int32(ts-uint32(m.inHighTS))))
	outSN := extSN + m.snOffset
	if outSN < m.epochSN {
		return mungeResult{}, false
	}
	outTS := extTS + m.tsOffset
	if extSN > m.inHighSN {
		m.inHighSN, m.inHighTS = extSN, extTS
	}
	if outSN > m.lastSN {
		m.lastSN, m.lastTS, m.lastAt = outSN, outTS, now
	}
	return mungeResult{SN: uint16(outSN), TS: uint32(outTS)}, true
}

// startEpoch maps the first packet of a source onto the slot's stream right
// after the last packet written.
func (m *munger) startEpoch(sn uint16, ts uint32, ssrc uint32, now time.Time) mungeResult {
	outSN := m.lastSN + 1
	outTS := m.lastTS
	if m.started {
		outTS += ticksSince(m.lastAt, now)
	}
	m.inSSRC = ssrc
	m.inHighSN = extBase + uint64(sn)
	m.inHighTS = extBase + uint64(ts)
	m.snOffset = outSN - m.inHighSN
	m.tsOffset = outTS - m.inHighTS
	m.epochSN = outSN
	m.rebase = false
	m.started = true
	m.lastSN, m.lastTS, m.lastAt = outSN, outTS, now
	return mungeResult{SN: uint16(outSN), TS: uint32(outTS), Marker: true}
}

// ticksSince converts the wall time between two packets into 48 kHz RTP
// ticks, at least one 20 ms frame so that two packets never share a
// timestamp. Microsecond resolution keeps the multiplication far from
// overflow even for gaps of years.
func ticksSince(last, now time.Time) uint64 {
	elapsed := now.Sub(last)
	if elapsed <= 0 {
		return opusFrameTicks
	}
	ticks := uint64(elapsed.Microseconds()) * opusClockRate / 1_000_000
	if ticks < opusFrameTicks {
		return opusFrameTicks
	}
	return ticks
}
