package media

import (
	"fmt"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// discardWriter stands in for pion's SRTP stream: it accepts a packet and
// drops it, so the benchmark measures Earshot's path plus pion's track.
type discardWriter struct{ packets int }

func (d *discardWriter) WriteRTP(_ *rtp.Header, payload []byte) (int, error) {
	d.packets++
	return len(payload), nil
}
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }

// fakeBinding is the TrackLocalContext pion would pass to Bind after
// negotiation.
type fakeBinding struct {
	id   string
	ssrc webrtc.SSRC
	w    webrtc.TrackLocalWriter
}

func (f *fakeBinding) CodecParameters() []webrtc.RTPCodecParameters {
	return []webrtc.RTPCodecParameters{{RTPCodecCapability: opusCapability(), PayloadType: opusPayloadType}}
}
func (f *fakeBinding) HeaderExtensions() []webrtc.RTPHeaderExtensionParameter {
	return []webrtc.RTPHeaderExtensionParameter{{URI: sdp.AudioLevelURI, ID: 1}}
}
func (f *fakeBinding) SSRC() webrtc.SSRC                       { return f.ssrc }
func (f *fakeBinding) SSRCRetransmission() webrtc.SSRC         { return 0 }
func (f *fakeBinding) SSRCForwardErrorCorrection() webrtc.SSRC { return 0 }
func (f *fakeBinding) WriteStream() webrtc.TrackLocalWriter    { return f.w }
func (f *fakeBinding) ID() string                              { return f.id }
func (f *fakeBinding) RTCPReader() interceptor.RTCPReader      { return nil }

var _ webrtc.TrackLocalContext = (*fakeBinding)(nil)

// forwardRig is one speaker routed to n slots, each a real
// TrackLocalStaticRTP bound to a discarding writer.
type forwardRig struct {
	recv    *receiver
	slots   []*slot
	writers []*discardWriter
	pkt     rtp.Packet
	out     egress
}

func newForwardRig(tb testing.TB, listeners int) *forwardRig {
	tb.Helper()
	r := &forwardRig{recv: &receiver{source: 1, audioLevelID: 3, counters: &legCounters{}}}
	for i := range listeners {
		track, err := webrtc.NewTrackLocalStaticRTP(opusCapability(), fmt.Sprintf("slot%d", i), "bench")
		if err != nil {
			tb.Fatal(err)
		}
		w := &discardWriter{}
		if _, err := track.Bind(&fakeBinding{id: fmt.Sprint(i), ssrc: webrtc.SSRC(1000 + i), w: w}); err != nil {
			tb.Fatal(err)
		}
		s := &slot{writer: track, audioLevelID: 1, munger: newMunger(1, 1)}
		s.setSource(1)
		r.slots = append(r.slots, s)
		r.writers = append(r.writers, w)
	}
	r.recv.setDestinations(r.slots)
	r.pkt = rtp.Packet{
		Header:  rtp.Header{Version: 2, PayloadType: 111, SequenceNumber: 1, Timestamp: 960, SSRC: 42},
		Payload: make([]byte, 80),
	}
	if err := r.pkt.Header.SetExtension(3, []byte{0x80 | 30}); err != nil {
		tb.Fatal(err)
	}
	return r
}

// next forwards one packet, as the reader goroutine does.
func (r *forwardRig) next(now time.Time) {
	r.pkt.SequenceNumber++
	r.pkt.Timestamp += opusFrameTicks
	r.recv.dispatch(&r.pkt, now, &r.out)
}

// BenchmarkForward measures the in-process path of one received packet:
// routing decision (atomic load), per-slot source check and munging, and
// the write through a real TrackLocalStaticRTP to a discarding writer. SRTP
// and the socket are pion's cost and not included.
func BenchmarkForward(b *testing.B) {
	for _, n := range []int{0, 1, 2, 3} {
		name := fmt.Sprintf("listeners=%d", n)
		if n == 0 {
			name = "gated"
		}
		b.Run(name, func(b *testing.B) {
			r := newForwardRig(b, n)
			now := time.Now()
			b.ReportAllocs()
			for b.Loop() {
				now = now.Add(20 * time.Millisecond)
				r.next(now)
			}
		})
	}
	b.Run("switching", func(b *testing.B) {
		// Every 50th packet the slot changes source (a mode switch).
		r := newForwardRig(b, 2)
		now := time.Now()
		i := 0
		b.ReportAllocs()
		for b.Loop() {
			if i%50 == 0 {
				r.slots[0].setSource(0)
				r.slots[0].setSource(1)
			}
			i++
			now = now.Add(20 * time.Millisecond)
			r.next(now)
		}
	})
}

// TestForwardAllocatesNothing makes "no allocation per forwarded packet" a
// checked property rather than a benchmark reading.
func TestForwardAllocatesNothing(t *testing.T) {
	for _, n := range []int{0, 3} {
		t.Run(fmt.Sprintf("listeners=%d", n), func(t *testing.T) {
			r := newForwardRig(t, n)
			now := time.Now()
			r.next(now) // first packet of each slot's epoch
			allocs := testing.AllocsPerRun(1000, func() {
				now = now.Add(20 * time.Millisecond)
				r.next(now)
			})
			if allocs != 0 {
				t.Fatalf("%.1f allocations per packet", allocs)
			}
			// AllocsPerRun adds one warm-up run to the 1000.
			for i, w := range r.writers {
				if w.packets != 1002 {
					t.Fatalf("slot %d wrote %d packets, want 1002", i, w.packets)
				}
			}
		})
	}
}

// TestForwardRewrites checks what a slot writes: the munged sequence and
// timestamp, the audio level re-tagged to the listener's extension ID, and
// nothing for a speaker that is not the slot's source.
func TestForwardRewrites(t *testing.T) {
	var got []rtp.Header
	rec := &recordWriter{onWrite: func(p *rtp.Packet) { got = append(got, p.Header.Clone()) }}
	s := &slot{writer: rec, audioLevelID: 5, munger: newMunger(500, 9000)}
	s.setSource(7)
	r := &receiver{source: 7, audioLevelID: 2, counters: &legCounters{}}
	r.setDestinations([]*slot{s})
	pkt := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 111, SequenceNumber: 10, Timestamp: 100, SSRC: 1}, Payload: []byte{1}}
	if err := pkt.SetExtension(2, []byte{0x9e}); err != nil {
		t.Fatal(err)
	}
	var out egress
	r.dispatch(&pkt, time.Now(), &out)

	other := &receiver{source: 8, counters: &legCounters{}}
	other.setDestinations([]*slot{s}) // a stale list: the slot's source check refuses it
	other.dispatch(&pkt, time.Now(), &out)

	if len(got) != 1 {
		t.Fatalf("%d packets written, want 1", len(got))
	}
	h := got[0]
	if h.SequenceNumber != 500 || h.Timestamp != 9000 || !h.Marker {
		t.Fatalf("header %+v", h)
	}
	if lvl := h.GetExtension(5); len(lvl) != 1 || lvl[0] != 0x9e || h.GetExtension(2) != nil {
		t.Fatalf("extensions %+v", h.Extensions)
	}
	if st := other.counters.snapshot(); st.Forwarded != 0 || st.Received != 1 || st.Dropped != 0 {
		t.Fatalf("stale speaker stats %+v", st)
	}
	if st := r.counters.snapshot(); st.Forwarded != 1 {
		t.Fatalf("speaker stats %+v", st)
	}
}

type recordWriter struct{ onWrite func(*rtp.Packet) }

func (w *recordWriter) WriteRTP(p *rtp.Packet) error {
	w.onWrite(p)
	return nil
}
