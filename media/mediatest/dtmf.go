package mediatest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// dtmfPayloadType is what the client offers for RFC 4733 telephone-event at
// 48 kHz, as Chromium does (its own numbers differ; the SFU answers the
// offerer's).
const dtmfPayloadType = 101

// dtmfDigits are the keys of RFC 4733 section 3.2, in event order.
const dtmfDigits = "0123456789*#ABCD"

// A key press as a browser sends it (RFC 4733 section 2.5): dtmfToneFrames
// packets 20 ms apart with the event's start timestamp and a growing
// duration, the first with the marker bit, then dtmfEndFrames copies of the
// final packet with the end bit; dtmfGapFrames audio frames before the next
// key. The microphone sends no audio while a key is down, as browsers do.
const (
	dtmfToneFrames = 5
	dtmfEndFrames  = 3
	dtmfGapFrames  = 2
)

// ErrNoDTMF is returned by SendDigits when the answer did not negotiate
// telephone-event (or the client is not connected yet).
var ErrNoDTMF = errors.New("telephone-event not negotiated")

// micTrack is the microphone track. Audio goes through the embedded
// TrackLocalStaticRTP, which writes every packet with the negotiated Opus
// payload type; key presses need another payload type on the same SSRC and
// sequence space, so Bind keeps the sender's write stream for them.
type micTrack struct {
	*webrtc.TrackLocalStaticRTP

	mu     sync.Mutex
	ws     webrtc.TrackLocalWriter
	ssrc   webrtc.SSRC
	dtmfPT uint8
}

// Bind binds the Opus track and notes the write stream and the negotiated
// telephone-event payload type.
func (t *micTrack) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	codec, err := t.TrackLocalStaticRTP.Bind(ctx)
	if err != nil {
		return codec, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.ws, t.ssrc, t.dtmfPT = ctx.WriteStream(), ctx.SSRC(), 0
	for _, c := range ctx.CodecParameters() {
		if strings.EqualFold(c.MimeType, "audio/telephone-event") && c.ClockRate == 48000 {
			t.dtmfPT = uint8(c.PayloadType)
		}
	}
	return codec, nil
}

// Unbind forgets the write stream.
func (t *micTrack) Unbind(ctx webrtc.TrackLocalContext) error {
	t.mu.Lock()
	t.ws = nil
	t.mu.Unlock()
	return t.TrackLocalStaticRTP.Unbind(ctx)
}

// negotiatedDTMF is the telephone-event payload type, 0 if none.
func (t *micTrack) negotiatedDTMF() uint8 {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ws == nil {
		return 0
	}
	return t.dtmfPT
}

// writeEvent writes one telephone-event packet.
func (t *micTrack) writeEvent(h rtp.Header, payload []byte) error {
	t.mu.Lock()
	ws, ssrc, pt := t.ws, t.ssrc, t.dtmfPT
	t.mu.Unlock()
	if ws == nil || pt == 0 {
		return ErrNoDTMF
	}
	h.SSRC, h.PayloadType = uint32(ssrc), pt
	_, err := ws.WriteRTP(&h, payload)
	return err
}

// dtmfState is the sender's key presses in progress; guarded by sender.mu.
type dtmfState struct {
	queue  []byte // events still to send
	active bool   // a key is down
	event  byte
	step   int    // packets of the current key sent
	ts     uint32 // its start timestamp
	gap    int    // audio frames before the next key
	sent   uint64 // keys completely sent
}

// SendDigits presses the keys of digits (0-9, *, #, A-D) on the
// microphone, as RFC 4733 telephone-events on the negotiated payload type,
// and waits until the last key's end packets were written. The microphone
// must be sending (StartSending): key presses take its place in its 20 ms
// rhythm.
func (c *Client) SendDigits(ctx context.Context, digits string) error {
	events := make([]byte, 0, len(digits))
	for _, r := range digits {
		i := strings.IndexRune(dtmfDigits, r)
		if i < 0 {
			return fmt.Errorf("send digits: %q is not a DTMF key: %w", r, ErrBadParams)
		}
		events = append(events, byte(i))
	}
	if c.mic.negotiatedDTMF() == 0 {
		return fmt.Errorf("send digits: %w", ErrNoDTMF)
	}
	s := &c.sender
	s.mu.Lock()
	want := s.dtmf.sent + uint64(len(s.dtmf.queue)) + uint64(len(events))
	if s.dtmf.active {
		want++
	}
	s.dtmf.queue = append(s.dtmf.queue, events...)
	s.mu.Unlock()
	for {
		s.mu.Lock()
		done := s.dtmf.sent >= want
		s.mu.Unlock()
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("send digits: %w", ctx.Err())
		case <-time.After(pollInterval):
		}
	}
}

// nextEventLocked returns the telephone-event packet to send in this frame
// instead of audio, if a key is down or due. s.mu is held; rtpSeq and rtpTS
// are already this frame's.
func (s *sender) nextEventLocked() (rtp.Header, [4]byte, bool) {
	d := &s.dtmf
	if !d.active {
		if d.gap > 0 {
			d.gap--
			return rtp.Header{}, [4]byte{}, false
		}
		if len(d.queue) == 0 {
			return rtp.Header{}, [4]byte{}, false
		}
		d.event, d.queue = d.queue[0], d.queue[1:]
		d.active, d.step, d.ts = true, 0, s.rtpTS
	}
	d.step++
	duration := min(d.step, dtmfToneFrames) * frameTicks
	flags := byte(10) // volume -10 dBm0
	if d.step > dtmfToneFrames {
		flags |= 0x80 // end
	}
	if d.step == dtmfToneFrames+dtmfEndFrames {
		d.active, d.gap = false, dtmfGapFrames
		d.sent++
	}
	h := rtp.Header{Version: 2, Marker: d.step == 1, SequenceNumber: s.rtpSeq, Timestamp: d.ts}
	return h, [4]byte{d.event, flags, byte(duration >> 8), byte(duration)}, true
}
