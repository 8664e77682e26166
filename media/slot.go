package media

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
)

// fenceWait bounds how long a slot waits for a previous source's in-flight
// write before writing the first packet of a new source, and how long
// SetRoutes waits for writes begun under the old routing. A write is one
// SRTP encryption and one UDP send (microseconds); the bound only matters if
// the machine stalls, and then continuity is worth less than progress.
const fenceWait = 20 * time.Millisecond

// rtpVersion is the only RTP version in use (RFC 3550).
const rtpVersion = 2

// slot is one receive slot of a listener: its own stream (own SSRC) on
// one m-line, fed by at most one speaker at a time. It accepts packets only from its
// current source, checked under a mutex that is never held across the
// write, and rewrites them through its munger.
type slot struct {
	writer rtpWriter
	// ssrc is the slot's stream as the listener knows it (the writer
	// stamps it); the sender reports name it.
	ssrc uint32
	// audioLevelID is the RFC 6464 extension ID negotiated with the
	// listener (0: not negotiated). The speaker's ID may differ, so the
	// level is re-tagged, never copied blindly.
	audioLevelID uint8

	// inflight counts writes that passed the source check and have not
	// finished. A new source's first packet waits for it to reach zero so
	// that the old source's last sequence number reaches the wire first.
	inflight atomic.Int32

	// sentPackets and sentOctets (payload bytes) count what was written,
	// for the sender reports (RFC 3550 6.4.1). The forwarding shard of
	// the slot's current source adds (two shards only around a source
	// switch); the reporter reads once a second.
	sentPackets atomic.Uint32
	sentOctets  atomic.Uint32

	mu     sync.Mutex
	source uint64 // speaker identity allowed to write; 0 = silent. Guarded by mu.
	munger munger // guarded by mu
	// Slots of different listeners are neighbouring allocations written
	// per packet by possibly different shards: no shared cache line.
	_ cacheLinePad
}

// ingress is one packet read from a speaker, as the slots see it.
type ingress struct {
	source     uint64
	pkt        *rtp.Packet
	audioLevel []byte // the speaker's audio-level extension payload, nil if absent
	now        time.Time
}

// egress is the reader goroutine's reused output state: the packet every
// destination slot fills in turn, the buffer it is marshalled into, and
// the batch the encrypted datagrams queue in. Forwarding allocates nothing.
type egress struct {
	pkt   rtp.Packet
	ext   [1]rtp.Extension
	plain [packetSize]byte
	hdr   rtp.Header // scratch for EncryptRTP
	batch *sendBatch
}

// setSource makes src (0 = nobody) the only speaker this slot accepts and
// reports whether that changed. On a change the munger starts a new epoch at
// the next packet, so the stream stays continuous.
func (s *slot) setSource(src uint64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.source == src {
		return false
	}
	s.source = src
	s.munger.switchSource()
	return true
}

// forward writes one packet from a speaker if this slot currently carries
// that speaker. It reports whether the packet was written.
func (s *slot) forward(in *ingress, out *egress) bool {
	res, ok := s.claim(in)
	if !ok {
		return false
	}
	p := &out.pkt
	p.Header = rtp.Header{
		Version:        rtpVersion,
		Marker:         in.pkt.Marker || res.Marker,
		PayloadType:    in.pkt.PayloadType,
		SequenceNumber: res.SN,
		Timestamp:      res.TS,
		// Appending into the reused one-element array allocates nothing.
		Extensions: out.ext[:0],
	}
	if s.audioLevelID != 0 && in.audioLevel != nil {
		// Cannot fail: the header has no extension yet.
		_ = p.SetExtension(s.audioLevelID, in.audioLevel)
	}
	p.Payload = in.pkt.Payload
	p.PaddingSize = 0
	err := s.writer.writeRTP(p, out)
	s.inflight.Add(-1)
	if err != nil {
		return false
	}
	s.sentPackets.Add(1)
	s.sentOctets.Add(uint32(len(p.Payload)))
	return true
}

// rtpClock returns the RTP timestamp of the last packet the slot wrote and
// when it was read, the pair a sender report extrapolates from; ok is
// false before the first packet.
func (s *slot) rtpClock() (ts uint32, at time.Time, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return uint32(s.munger.lastTS), s.munger.lastAt, s.munger.started
}

// claim checks the source and munges under the slot mutex. On success the
// caller owns one inflight count and must release it after writing.
func (s *slot) claim(in *ingress) (mungeResult, bool) {
	var deadline time.Time
	for {
		s.mu.Lock()
		if s.source != in.source {
			s.mu.Unlock()
			return mungeResult{}, false
		}
		if s.munger.needsRebase(in.pkt.SSRC) && s.inflight.Load() != 0 {
			// The previous source's last packet is still being written.
			// Its source check already failed for anything newer, so this
			// wait is bounded by one write.
			s.mu.Unlock()
			if deadline.IsZero() {
				deadline = time.Now().Add(fenceWait)
			} else if time.Now().After(deadline) {
				return s.claimAnyway(in)
			}
			runtime.Gosched()
			continue
		}
		res, ok := s.munger.update(in.pkt.SequenceNumber, in.pkt.Timestamp, in.pkt.SSRC, in.now)
		if ok {
			s.inflight.Add(1)
		}
		s.mu.Unlock()
		return res, ok
	}
}

// claimAnyway is claim without the fence, for a stalled previous write.
func (s *slot) claimAnyway(in *ingress) (mungeResult, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.source != in.source {
		return mungeResult{}, false
	}
	res, ok := s.munger.update(in.pkt.SequenceNumber, in.pkt.Timestamp, in.pkt.SSRC, in.now)
	if ok {
		s.inflight.Add(1)
	}
	return res, ok
}

// waitIdle waits until no write is in flight (bounded by fenceWait). After a
// source change, this means every write admitted under the old source has
// reached the track.
func (s *slot) waitIdle() {
	if s.inflight.Load() == 0 {
		return
	}
	deadline := time.Now().Add(fenceWait)
	for s.inflight.Load() != 0 && time.Now().Before(deadline) {
		runtime.Gosched()
	}
}
