package mediatest

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
)

// frameInterval and frameTicks describe one 20 ms Opus frame.
const (
	frameInterval = 20 * time.Millisecond
	frameTicks    = 960
)

// DefaultAudioLevel is the RFC 6464 byte sent with every packet unless
// SetAudioLevel changes it: voice activity set, -30 dBov (speech).
const DefaultAudioLevel = 0x80 | 30

// SilentAudioLevel is the RFC 6464 byte of a silent microphone (a muted
// track): no voice activity, -127 dBov.
const SilentAudioLevel = 127

// sender is the synthetic microphone: one RTP packet every 20 ms. Sequence
// numbers and timestamps continue across StopSending/StartSending like a
// browser's muted-then-unmuted track.
type sender struct {
	client *Client

	mu      sync.Mutex
	stop    chan struct{} // nil when not sending
	done    chan struct{}
	started bool
	seq     uint32 // payload sequence, 1, 2, ...
	rtpSeq  uint16
	rtpTS   uint32
	last    time.Time
	sent    uint64
	// level is the audio-level byte of the next packets (0 until
	// SetAudioLevel: DefaultAudioLevel).
	level atomic.Uint32
}

// SetAudioLevel sets the RFC 6464 byte (V flag in the top bit, level in
// -dBov below) of every packet sent from now on, so tests can play a
// known voice-activity pattern; the payload is unchanged.
func (c *Client) SetAudioLevel(b byte) { c.sender.level.Store(uint32(b) | 1<<8) }

// StartSending starts the microphone: every 20 ms one Opus-sized RTP
// packet whose payload (EncodePayload) carries this client's speaker tag, a
// payload sequence number and the send time. Idempotent; does nothing after
// Close.
func (c *Client) StartSending() { c.sender.start() }

// StopSending stops the microphone and waits until no packet is being
// written. Idempotent.
func (c *Client) StopSending() { c.sender.halt() }

// Sent returns how many packets the microphone has written.
func (c *Client) Sent() uint64 {
	c.sender.mu.Lock()
	defer c.sender.mu.Unlock()
	return c.sender.sent
}

func (s *sender) start() {
	c := s.client
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if closed || s.stop != nil {
		return
	}
	if !s.started {
		s.started = true
		s.rtpSeq = uint16(rand.Uint32())
		s.rtpTS = rand.Uint32()
	} else {
		// Time went on while muted; so does the RTP clock.
		s.rtpTS += uint32(time.Since(s.last).Microseconds() * 48 / 1000)
	}
	s.stop = make(chan struct{})
	s.done = make(chan struct{})
	go s.loop(s.stop, s.done)
}

func (s *sender) halt() {
	s.mu.Lock()
	stop, done := s.stop, s.done
	s.stop, s.done = nil, nil
	s.mu.Unlock()
	if stop == nil {
		return
	}
	close(stop)
	<-done
}

func (s *sender) loop(stop, done chan struct{}) {
	defer close(done)
	levelID := uint8(0)
	for _, e := range s.client.micSender.GetParameters().HeaderExtensions {
		if e.URI == sdp.AudioLevelURI {
			levelID = uint8(e.ID)
		}
	}
	ticker := time.NewTicker(frameInterval)
	defer ticker.Stop()
	var (
		pkt   rtp.Packet
		buf   = make([]byte, 0, PayloadSize)
		level = []byte{DefaultAudioLevel}
		first = true
	)
	for {
		s.mu.Lock()
		s.seq++
		s.rtpSeq++
		s.rtpTS += frameTicks
		now := time.Now()
		s.last = now
		pkt.Header = rtp.Header{
			Version:        2,
			Marker:         first,
			PayloadType:    opusPayloadType,
			SequenceNumber: s.rtpSeq,
			Timestamp:      s.rtpTS,
		}
		pkt.Payload = EncodePayload(buf[:0], s.client.params.Speaker, s.seq, now)
		s.sent++
		s.mu.Unlock()
		if v := s.level.Load(); v != 0 {
			level[0] = byte(v)
		}
		if levelID != 0 {
			_ = pkt.SetExtension(levelID, level)
		}
		first = false
		// Errors only mean "not connected yet" or "closing": a microphone
		// keeps going regardless.
		_ = s.client.mic.WriteRTP(&pkt)

		select {
		case <-stop:
			return
		case <-ticker.C:
		}
	}
}
