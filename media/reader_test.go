package media

import (
	"net/netip"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
)

// readRig is a reader with one connected speaker routed to two connected
// listeners, and the speaker's client side SRTP context to make packets.
type readRig struct {
	rd      *reader
	speaker *Leg
	from    netip.AddrPort
	client  *srtp.Context
	sink    *discardSink
	plain   []byte
}

func newReadRig(tb testing.TB, rxOpts ...srtp.ContextOption) *readRig {
	tb.Helper()
	profile := srtp.ProtectionProfileAeadAes128Gcm
	rx, err := srtp.CreateContext(testKey, testSaltFor(profile), profile, rxOpts...)
	if err != nil {
		tb.Fatal(err)
	}
	client, err := srtp.CreateContext(testKey, testSaltFor(profile), profile)
	if err != nil {
		tb.Fatal(err)
	}
	sp := &Leg{id: "S"}
	sp.levels = newLevelMeter(DefaultSpeechLevel)
	sp.recv = receiver{source: 1, audioLevelID: 3, counters: &sp.counters, levels: sp.levels}
	sp.rx.Store(rx)
	var slots []*slot
	for _, id := range []LegID{"L1", "L2"} {
		s := &slot{writer: &slotWriter{leg: connectedListener(tb, id, profile), ssrc: 7, pt: 111}, munger: newMunger(1, 1)}
		s.setSource(1)
		slots = append(slots, s)
	}
	sp.recv.setDestinations(slots)
	r := &readRig{speaker: sp, from: netip.MustParseAddrPort("127.0.0.1:40001"), client: client, sink: &discardSink{}}
	r.rd = &reader{paths: map[netip.AddrPort]*Leg{r.from: sp}, now: time.Now(), out: &egress{batch: &sendBatch{sink: r.sink}}}
	return r
}

// packet encrypts one 80-byte Opus-sized RTP packet as the client would.
func (r *readRig) packet(tb testing.TB, seq uint16, ssrc uint32) []byte {
	tb.Helper()
	p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 111, SequenceNumber: seq, Timestamp: uint32(seq) * 960, SSRC: ssrc}, Payload: make([]byte, 80)}
	// The audio level, as browsers send it: counted for call health.
	if err := p.Header.SetExtension(3, []byte{0x80 | 30}); err != nil {
		tb.Fatal(err)
	}
	plain, err := p.Marshal()
	if err != nil {
		tb.Fatal(err)
	}
	out, err := r.client.EncryptRTP(nil, plain, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// BenchmarkReadPath is the whole per-packet work of the reader goroutine
// except the system calls: demultiplex, SRTP decrypt (AES-GCM), parse,
// route, and for each of two listeners munge, marshal, encrypt and queue
// in the send batch. (Replay protection is off so one packet can be fed
// again and again.)
func BenchmarkReadPath(b *testing.B) {
	r := newReadRig(b, srtp.SRTPNoReplayProtection())
	pkt := r.packet(b, 1, 42)
	buf := make([]byte, len(pkt))
	b.ReportAllocs()
	b.SetBytes(int64(len(pkt)))
	for b.Loop() {
		copy(buf, pkt)
		r.rd.handle(buf, r.from)
		r.rd.out.batch.flush()
	}
	if r.sink.datagrams == 0 {
		b.Fatal("nothing forwarded")
	}
}

func TestReadPathAllocatesNothing(t *testing.T) {
	r := newReadRig(t, srtp.SRTPNoReplayProtection())
	pkt := r.packet(t, 1, 42)
	buf := make([]byte, len(pkt))
	copy(buf, pkt)
	r.rd.handle(buf, r.from) // learns the SSRC
	allocs := testing.AllocsPerRun(500, func() {
		copy(buf, pkt)
		r.rd.handle(buf, r.from)
		r.rd.out.batch.flush()
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations per packet", allocs)
	}
	if r.sink.datagrams != 2*502 { // the first packet, AllocsPerRun's warm-up, 500 runs
		t.Fatalf("%d datagrams", r.sink.datagrams)
	}
	if got := r.speaker.levels.snapshot("S"); got.Packets != 502 || got.Speech != 502 || got.Voiced != 502 {
		t.Fatalf("levels %+v, want 502 speech packets counted", got)
	}
}
