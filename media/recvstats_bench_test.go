package media

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/report"
	"github.com/pion/rtp"
)

// The receive-statistics benchmarks feed the same microphone stream (Opus
// every 20 ms, one packet in 50 lost) through Earshot's recvStats, as the
// reader does, and through pion/interceptor's receiver-report interceptor
// (pkg/report), the RTPReader chain a pion PeerConnection runs per packet.
// docs/architecture.md ("RTCP reports") records the numbers and why the
// SFU keeps recvStats.

// statsStream is the benchmarks' packet source: one marshalled RTP packet
// whose sequence number and timestamp are rewritten in place for each
// step, and a synthetic arrival clock.
type statsStream struct {
	buf []byte
	seq uint16
	ts  uint32
	n   int
	now time.Time
}

func newStatsStream(tb testing.TB) *statsStream {
	tb.Helper()
	pkt := rtp.Packet{
		Header:  rtp.Header{Version: 2, PayloadType: 111, SequenceNumber: 1000, Timestamp: 96000, SSRC: 0x1234abcd},
		Payload: make([]byte, 60),
	}
	buf, err := pkt.Marshal()
	if err != nil {
		tb.Fatal(err)
	}
	return &statsStream{buf: buf, seq: 1000, ts: 96000, now: time.Unix(1_700_000_000, 0)}
}

// next writes the next packet of the stream into buf and advances the clock.
func (s *statsStream) next() []byte {
	s.n++
	s.seq++
	if s.n%50 == 0 {
		s.seq++ // one packet in 50 lost
	}
	s.ts += opusFrameTicks
	s.now = s.now.Add(20 * time.Millisecond)
	binary.BigEndian.PutUint16(s.buf[2:], s.seq)
	binary.BigEndian.PutUint32(s.buf[4:], s.ts)
	return s.buf
}

func (s *statsStream) clock() time.Time { return s.now }

// BenchmarkReceiverStats is Earshot's path: parse the header into the
// reader's reused packet, then recvStats.update.
func BenchmarkReceiverStats(b *testing.B) {
	s := newStatsStream(b)
	var (
		in rtp.Packet
		st recvStats
	)
	b.ReportAllocs()
	for b.Loop() {
		if err := in.Unmarshal(s.next()); err != nil {
			b.Fatal(err)
		}
		st.update(in.SequenceNumber, in.Timestamp, s.now)
	}
	if st.pubRestarts.Load() != 1 {
		b.Fatalf("stream restarted %d times", st.pubRestarts.Load())
	}
}

// BenchmarkReceiverStatsInterceptor is pion/interceptor's receiver-report
// interceptor on the same packets, in three ways of calling it:
//
//   - "pion": as a pion PeerConnection does, with no attributes (the
//     interceptor makes an attribute map and parses the header itself);
//   - "reused-attributes": one attribute map per stream, cleared before
//     each packet (the header is still parsed into a new rtp.Header);
//   - "primed-header": the header pointer the interceptor cached in the
//     map on the first packet is found and parsed into before each read —
//     this leans on the package's unexported cache key and is the best
//     case any caller can reach.
func BenchmarkReceiverStatsInterceptor(b *testing.B) {
	bind := func(b *testing.B, s *statsStream) interceptor.RTPReader {
		f, err := report.NewReceiverInterceptor(report.ReceiverNow(s.clock), report.ReceiverInterval(time.Hour))
		if err != nil {
			b.Fatal(err)
		}
		i, err := f.NewInterceptor("")
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = i.Close() })
		// The packet is already in the caller's buffer (decrypted in place
		// by the reader): the innermost reader only reports its length.
		src := interceptor.RTPReaderFunc(func(p []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
			return len(p), a, nil
		})
		return i.BindRemoteStream(&interceptor.StreamInfo{SSRC: 0x1234abcd, ClockRate: opusClockRate}, src)
	}

	b.Run("pion", func(b *testing.B) {
		s := newStatsStream(b)
		rd := bind(b, s)
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := rd.Read(s.next(), nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("reused-attributes", func(b *testing.B) {
		s := newStatsStream(b)
		rd := bind(b, s)
		attrs := interceptor.Attributes{}
		b.ReportAllocs()
		for b.Loop() {
			clear(attrs)
			if _, _, err := rd.Read(s.next(), attrs); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("primed-header", func(b *testing.B) {
		s := newStatsStream(b)
		rd := bind(b, s)
		attrs := interceptor.Attributes{}
		if _, _, err := rd.Read(s.next(), attrs); err != nil {
			b.Fatal(err)
		}
		var hdr *rtp.Header
		for _, v := range attrs {
			if h, ok := v.(*rtp.Header); ok {
				hdr = h
			}
		}
		if hdr == nil {
			b.Fatal("the interceptor cached no header")
		}
		b.ReportAllocs()
		for b.Loop() {
			buf := s.next()
			if _, err := hdr.Unmarshal(buf); err != nil {
				b.Fatal(err)
			}
			if _, _, err := rd.Read(buf, attrs); err != nil {
				b.Fatal(err)
			}
		}
	})
}
