package media

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/srtp/v3"
)

// rtcpPacket encrypts a compound packet as the speaker's client would.
func (r *readRig) rtcpPacket(tb testing.TB, plain []byte) []byte {
	tb.Helper()
	out, err := r.client.EncryptRTCP(nil, plain, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func marshalRTCP(tb testing.TB, pkts ...rtcp.Packet) []byte {
	tb.Helper()
	b, err := rtcp.Marshal(pkts)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// clientReport is what a browser sends for its microphone: an SR with a
// reception report of what it hears, and its CNAME.
func clientReport(tb testing.TB, ssrc uint32, ntp uint64) []byte {
	return marshalRTCP(tb,
		&rtcp.SenderReport{SSRC: ssrc, NTPTime: ntp, RTPTime: 1, PacketCount: 2, OctetCount: 3,
			Reports: []rtcp.ReceptionReport{{SSRC: 7, LastSequenceNumber: 9}}},
		&rtcp.SourceDescription{Chunks: []rtcp.SourceDescriptionChunk{{Source: ssrc, Items: []rtcp.SourceDescriptionItem{{Type: rtcp.SDESCNAME, Text: "c"}}}}},
	)
}

func TestReadRTCP(t *testing.T) {
	t.Run("the microphone's SR is recorded", func(t *testing.T) {
		r := newReadRig(t)
		r.speaker.micSSRC.Store(42)
		r.rd.handle(r.rtcpPacket(t, clientReport(t, 42, 0x1122334455667788)), r.from)
		st := r.speaker.Stats()
		if st.RTCPReceived != 1 || st.RTCPDropped != 0 {
			t.Fatalf("stats %+v", st)
		}
		if got := r.speaker.mic.lastSR.Load(); uint32(got>>32) != 0x33445566 || uint32(got) != ntpMiddle(r.rd.now) {
			t.Fatalf("last SR %#x", got)
		}
		if r.sink.datagrams != 0 {
			t.Fatal("RTCP was forwarded")
		}
	})
	t.Run("another SSRC's SR is counted, not recorded", func(t *testing.T) {
		r := newReadRig(t)
		r.speaker.micSSRC.Store(42)
		r.rd.handle(r.rtcpPacket(t, clientReport(t, 43, 1<<40)), r.from)
		if st := r.speaker.Stats(); st.RTCPReceived != 1 || r.speaker.mic.lastSR.Load() != 0 {
			t.Fatalf("stats %+v", st)
		}
	})
	t.Run("malformed and undecryptable are counted and dropped", func(t *testing.T) {
		r := newReadRig(t)
		r.speaker.micSSRC.Store(42)
		good := clientReport(t, 42, 1<<40)
		tooLong := append([]byte(nil), good...)
		tooLong[3] += 20 // the first packet's length runs past the datagram
		sdesFirst := marshalRTCP(t, &rtcp.SourceDescription{Chunks: []rtcp.SourceDescriptionChunk{{Source: 42, Items: []rtcp.SourceDescriptionItem{{Type: rtcp.SDESCNAME, Text: "c"}}}}})
		// The first header is authenticated as it is; the second's
		// version is what a parser must check.
		badVersion := marshalRTCP(t, &rtcp.ReceiverReport{SSRC: 42}, &rtcp.RawPacket{0x01, 202, 0, 0})
		truncatedSR := marshalRTCP(t, &rtcp.ReceiverReport{SSRC: 42}, &rtcp.RawPacket{0x81, 200, 0, 1, 0, 0, 0, 42})
		garbage := []byte{0x80, 200, 0, 6, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26}
		tampered := r.rtcpPacket(t, good)
		tampered[len(tampered)/2] ^= 1
		cases := map[string][]byte{
			"length past the end":  r.rtcpPacket(t, tooLong),
			"SDES first":           r.rtcpPacket(t, sdesFirst),
			"bad version":          r.rtcpPacket(t, badVersion),
			"truncated SR":         r.rtcpPacket(t, truncatedSR),
			"not encrypted":        garbage,
			"tampered":             tampered,
			"only an SRTCP header": {0x80, 200, 0, 1},
			// The microphone's SR is valid; the byte after it is not.
			"SR then a stray byte": r.rtcpPacket(t, append(append([]byte(nil), good...), 0)),
		}
		for name, b := range cases {
			before := r.speaker.Stats().RTCPDropped
			r.rd.handle(b, r.from)
			if st := r.speaker.Stats(); st.RTCPDropped != before+1 || st.RTCPReceived != 0 {
				t.Errorf("%s: stats %+v", name, st)
			}
		}
		if r.speaker.mic.lastSR.Load() != 0 {
			t.Fatal("a bad packet was recorded")
		}
	})
	t.Run("random bytes never crash", func(t *testing.T) {
		r := newReadRig(t, srtp.SRTCPNoReplayProtection())
		rng := rand.New(rand.NewPCG(1, 2))
		for range 5000 {
			b := make([]byte, 8+rng.IntN(200))
			for i := range b {
				b[i] = byte(rng.Uint32())
			}
			b[0], b[1] = 0x80|b[0]&0x3f, 192+b[1]%32
			r.rd.handle(b, r.from)
			// Valid encryption around random content exercises the parser.
			r.rd.handle(r.rtcpPacket(t, b), r.from)
		}
		if st := r.speaker.Stats(); st.RTCPDropped+st.RTCPReceived != 10000 {
			t.Fatalf("stats %+v", st)
		}
	})
}

// TestReadRTCPAllocations: parsing a client's report costs the reader no
// allocation once the first has been seen. pion/srtp's AEAD-GCM SRTCP
// decryption allocates its 12-byte AAD (it escapes through the
// cipher.AEAD interface): one allocation per received report, about one
// a second per stream, against none per RTP packet.
func TestReadRTCPAllocations(t *testing.T) {
	r := newReadRig(t, srtp.SRTCPNoReplayProtection())
	r.speaker.micSSRC.Store(42)
	plain := clientReport(t, 42, 1<<40)
	pkt := r.rtcpPacket(t, plain)
	buf := make([]byte, len(pkt))
	copy(buf, pkt)
	r.rd.handle(buf, r.from)
	t.Run("parse", func(t *testing.T) {
		allocs := testing.AllocsPerRun(500, func() {
			r.rd.now = r.rd.now.Add(time.Millisecond)
			if !r.rd.readCompound(r.speaker, plain) {
				t.Fatal("valid report refused")
			}
		})
		if allocs != 0 {
			t.Fatalf("%.1f allocations per report", allocs)
		}
	})
	t.Run("decrypt and parse", func(t *testing.T) {
		allocs := testing.AllocsPerRun(500, func() {
			copy(buf, pkt)
			r.rd.handle(buf, r.from)
		})
		if allocs > 1 {
			t.Fatalf("%.1f allocations per report, want pion's one at most", allocs)
		}
		if st := r.speaker.Stats(); st.RTCPReceived != 502 || st.RTCPDropped != 0 {
			t.Fatalf("stats %+v", st)
		}
	})
}
