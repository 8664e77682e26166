package mediatest

import (
	"context"
	"fmt"
	"maps"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// pollInterval is how often WaitReceived re-checks its condition.
const pollInterval = 5 * time.Millisecond

// SlotStats describe what arrived on one receive slot (slot 0 is the
// sendrecv m-line, 1.. the recvonly ones).
type SlotStats struct {
	// SSRC is the last SSRC seen on the slot.
	SSRC uint32
	// SSRCChanges counts packets whose SSRC differed from the previous
	// packet's: a slot must keep one SSRC for its whole life.
	SSRCChanges uint64
	// Packets counts RTP packets received on the slot.
	Packets uint64
	// SeqDiscontinuities counts packets whose sequence number is not the
	// previous one plus 1 (loss, reordering, or a bad source switch).
	SeqDiscontinuities uint64
	// TimestampBackwards counts packets whose RTP timestamp is before the
	// previous packet's.
	TimestampBackwards uint64
	// Markers counts packets with the RTP marker bit; the SFU sets it on the
	// first packet after a source switch.
	Markers uint64
	// AudioLevels counts packets carrying the RFC 6464 audio level at the ID
	// negotiated for this slot.
	AudioLevels uint64
	// Speakers counts packets per speaker tag ("" for payloads that did not
	// decode).
	Speakers map[string]uint64
	// LastSpeaker is the speaker tag of the last packet.
	LastSpeaker string
}

// slotState is SlotStats plus what is needed to check continuity.
type slotState struct {
	SlotStats
	lastSeq uint16
	lastTS  uint32
}

// onTrack runs on a pion goroutine per incoming track and reads it until
// the PeerConnection closes.
func (c *Client) onTrack(t *webrtc.TrackRemote, r *webrtc.RTPReceiver) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.workers.Add(1)
	c.mu.Unlock()
	defer c.workers.Done()

	index := -1
	for i, tr := range c.transceivers {
		if tr.Receiver() == r {
			index = i
		}
	}
	levelID := uint8(0)
	for _, e := range r.GetParameters().HeaderExtensions {
		if e.URI == sdp.AudioLevelURI {
			levelID = uint8(e.ID)
		}
	}
	buf := make([]byte, 1500)
	var pkt rtp.Packet
	for {
		n, _, err := t.Read(buf)
		if err != nil {
			return
		}
		if index < 0 || pkt.Unmarshal(buf[:n]) != nil {
			continue
		}
		c.record(index, &pkt, levelID)
	}
}

// record updates the counters for one received packet.
func (c *Client) record(index int, pkt *rtp.Packet, levelID uint8) {
	speaker, seq, _, ok := DecodePayload(pkt.Payload)
	if !ok {
		speaker = ""
	}
	hasLevel := levelID != 0 && pkt.GetExtension(levelID) != nil

	c.mu.Lock()
	defer c.mu.Unlock()
	s := &c.slots[index]
	if s.Packets > 0 {
		if pkt.SSRC != s.SSRC {
			s.SSRCChanges++
		} else {
			if pkt.SequenceNumber != s.lastSeq+1 {
				s.SeqDiscontinuities++
			}
			if int32(pkt.Timestamp-s.lastTS) < 0 {
				s.TimestampBackwards++
			}
		}
	}
	s.SSRC = pkt.SSRC
	s.lastSeq = pkt.SequenceNumber
	s.lastTS = pkt.Timestamp
	s.Packets++
	if pkt.Marker {
		s.Markers++
	}
	if hasLevel {
		s.AudioLevels++
	}
	if s.Speakers == nil {
		s.Speakers = make(map[string]uint64)
	}
	s.Speakers[speaker]++
	s.LastSpeaker = speaker
	c.received[speaker]++
	c.seqs[speaker] = append(c.seqs[speaker], seq)
}

// ReceivedSeqs returns the payload sequence numbers of every packet received
// from speaker, in arrival order. A sender's sequence numbers start at 1 and
// match its Sent count, so a test can tell whether a packet was sent before
// or after a moment it recorded with Sent.
func (c *Client) ReceivedSeqs(speaker string) []uint32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]uint32(nil), c.seqs[speaker]...)
}

// Received returns how many packets from speaker arrived, over all slots.
func (c *Client) Received(speaker string) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.received[speaker]
}

// ReceivedAll returns the packet count per speaker tag over all slots.
func (c *Client) ReceivedAll() map[string]uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.received)
}

// WaitReceived waits until at least atLeast packets from speaker have
// arrived (in total since the client started).
func (c *Client) WaitReceived(ctx context.Context, speaker string, atLeast uint64) error {
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	for {
		got := c.Received(speaker)
		if got >= atLeast {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: got %d packets from %q, want %d: %w",
				c.params.Speaker, got, speaker, atLeast, ctx.Err())
		case <-t.C:
		}
	}
}

// SlotStats returns a copy of every slot's counters, indexed by slot.
func (c *Client) SlotStats() []SlotStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]SlotStats, len(c.slots))
	for i, s := range c.slots {
		out[i] = s.SlotStats
		out[i].Speakers = maps.Clone(s.Speakers)
	}
	return out
}
