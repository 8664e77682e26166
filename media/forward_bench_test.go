package media

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
)

// discardSink stands in for the socket: it counts the datagrams of each
// flushed batch and drops them.
type discardSink struct{ datagrams int }

func (d *discardSink) writeBatch(msgs []outMsg, _ *[sendBatchSize][packetSize]byte) {
	d.datagrams += len(msgs)
}

// Fixed SRTP keying for tests: 16-byte key, 12-byte (GCM) or 14-byte (CM)
// salt.
var (
	testKey  = []byte("0123456789abcdef")
	testSalt = []byte("0123456789abcd")
)

func testSaltFor(p srtp.ProtectionProfile) []byte {
	n, err := p.SaltLen()
	if err != nil {
		panic(err)
	}
	return testSalt[:n]
}

// connectedListener is a leg as the slots see it once connected: an SRTP
// context and a path, without any socket.
func connectedListener(tb testing.TB, id LegID, profile srtp.ProtectionProfile) *Leg {
	tb.Helper()
	tx, err := srtp.CreateContext(testKey, testSaltFor(profile), profile)
	if err != nil {
		tb.Fatal(err)
	}
	l := &Leg{id: id, txc: &txContext{ctx: tx}}
	l.setRemote(path{addr: netip.MustParseAddrPort("127.0.0.1:40000")})
	return l
}

// withSlotContexts gives l's first n slots their own SRTP contexts, as
// startSRTP does.
func withSlotContexts(tb testing.TB, l *Leg, n int, profile srtp.ProtectionProfile) {
	tb.Helper()
	l.slotTx = nil
	for range n {
		tx, err := srtp.CreateContext(testKey, testSaltFor(profile), profile)
		if err != nil {
			tb.Fatal(err)
		}
		l.slotTx = append(l.slotTx, &txContext{ctx: tx})
	}
	l.publishOut()
}

// forwardRig is one speaker routed to n slots of n listeners, each writing
// through its real slotWriter (marshal, SRTP encryption, send batch) to a
// discarding sink.
type forwardRig struct {
	recv  *receiver
	slots []*slot
	sink  *discardSink
	pkt   rtp.Packet
	out   egress
}

func newForwardRig(tb testing.TB, listeners int, profile srtp.ProtectionProfile) *forwardRig {
	tb.Helper()
	r := &forwardRig{recv: &receiver{source: 1, audioLevelID: 3, counters: &legCounters{}, levels: newLevelMeter(DefaultSpeechLevel)}, sink: &discardSink{}}
	r.out.batch = &sendBatch{sink: r.sink}
	for i := range listeners {
		l := connectedListener(tb, LegID(fmt.Sprint("L", i)), profile)
		withSlotContexts(tb, l, 1, profile)
		s := &slot{writer: &slotWriter{leg: l, ssrc: uint32(1000 + i), pt: 111}, audioLevelID: 1, munger: newMunger(1, 1)}
		s.setSource(1)
		r.slots = append(r.slots, s)
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

// next forwards one packet, as the reader goroutine does for each packet
// of a batch, and flushes the batch (here: one packet per batch, the worst
// case).
func (r *forwardRig) next(now time.Time) {
	r.pkt.SequenceNumber++
	r.pkt.Timestamp += opusFrameTicks
	r.recv.dispatch(&r.pkt, now, &r.out)
	r.out.batch.flush()
}

// BenchmarkForward measures the in-process path of one received packet,
// once it is decrypted: routing decision (atomic load), per-slot source
// check and munging, and for each listener the marshal, the SRTP
// encryption (AEAD-AES-128-GCM as negotiated; AES-CM+HMAC for comparison)
// and the queueing into the send batch. The system calls are not included
// (BenchmarkReadPath in reader_test.go covers decryption).
func BenchmarkForward(b *testing.B) {
	for _, n := range []int{0, 1, 2, 3} {
		name := fmt.Sprintf("listeners=%d", n)
		if n == 0 {
			name = "gated"
		}
		b.Run(name, func(b *testing.B) {
			r := newForwardRig(b, n, srtp.ProtectionProfileAeadAes128Gcm)
			now := time.Now()
			b.ReportAllocs()
			for b.Loop() {
				now = now.Add(20 * time.Millisecond)
				r.next(now)
			}
		})
	}
	b.Run("listeners=2/aes-cm-hmac", func(b *testing.B) {
		r := newForwardRig(b, 2, srtp.ProtectionProfileAes128CmHmacSha1_80)
		now := time.Now()
		b.ReportAllocs()
		for b.Loop() {
			now = now.Add(20 * time.Millisecond)
			r.next(now)
		}
	})
	b.Run("listeners=2/recording", func(b *testing.B) {
		// The forwarding goroutine's share of recording: the copy into the
		// queue. The writer's share (Ogg pages, file writes) runs on its
		// own goroutine: BenchmarkRecordingWriter.
		r := newForwardRig(b, 2, srtp.ProtectionProfileAeadAes128Gcm)
		rec := r.record(b, 1024)
		now := time.Now()
		i := 0
		b.ReportAllocs()
		for b.Loop() {
			if i++; i%512 == 0 {
				rec.discard()
			}
			now = now.Add(20 * time.Millisecond)
			r.next(now)
		}
		if rec.dropped.Load() != 0 {
			b.Fatalf("%d packets dropped from the recording", rec.dropped.Load())
		}
	})
	b.Run("switching", func(b *testing.B) {
		// Every 50th packet the slot changes source (a mode switch).
		r := newForwardRig(b, 2, srtp.ProtectionProfileAeadAes128Gcm)
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

// record turns recording on for the rig's speaker, with a queue of size
// entries and no writer goroutine (the caller drains it).
func (r *forwardRig) record(tb testing.TB, size int) *recorder {
	tb.Helper()
	rec := newRecorder(size, testLogger())
	rec.alloc()
	r.recv.rec.Store(newLegFile(rec, tb.TempDir(), "S", time.Now()))
	return rec
}

// discard empties the queue without writing, as a writer that keeps up
// would.
func (r *recorder) discard() {
	for {
		select {
		case e := <-r.queue:
			r.free <- e
		default:
			return
		}
	}
}

// TestForwardAllocatesNothing makes "no allocation per forwarded packet" a
// checked property rather than a benchmark reading, with and without
// recording.
func TestForwardAllocatesNothing(t *testing.T) {
	for _, n := range []int{0, 3, -3} {
		name := fmt.Sprintf("listeners=%d", n)
		if n < 0 {
			n = -n
			name = fmt.Sprintf("listeners=%d/recording", n)
		}
		t.Run(name, func(t *testing.T) {
			r := newForwardRig(t, n, srtp.ProtectionProfileAeadAes128Gcm)
			var rec *recorder
			if strings.HasSuffix(name, "recording") {
				rec = r.record(t, 2048)
			}
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
			if want := 1002 * n; r.sink.datagrams != want {
				t.Fatalf("%d datagrams sent, want %d", r.sink.datagrams, want)
			}
			if rec != nil && (len(rec.queue) != 1002 || rec.dropped.Load() != 0) {
				t.Fatalf("%d packets queued for the recording (%d dropped), want 1002", len(rec.queue), rec.dropped.Load())
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

func (w *recordWriter) writeRTP(p *rtp.Packet, _ *egress) error {
	w.onWrite(p)
	return nil
}
