package media

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
)

// Bits of the fuzzers' mode byte.
const (
	modeAESCM   = 1 << iota // AES-CM + HMAC-SHA1-80 instead of AEAD-AES-128-GCM
	modeEncrypt             // encrypt the input as the speaker's client would
)

// fuzzMicSSRC is the microphone SSRC the RTCP rig's offer declared.
const fuzzMicSSRC = 42

// inputDeadline bounds one fuzz input: far beyond any honest run even on
// a loaded machine, and far below the whole test's timeout.
const inputDeadline = 10 * time.Second

// hangGuard crashes the fuzz worker with every goroutine's stack if one
// input runs past inputDeadline, so that a hang is reported with its input
// like a crash (go test -fuzz only notices a hang at the test's timeout,
// and a stalled worker looks like a long minimisation). Call the returned
// function when the input is done.
func hangGuard() (stop func()) {
	t := time.AfterFunc(inputDeadline, func() {
		buf := make([]byte, 1<<20)
		panic(fmt.Sprintf("input still running after %s:\n%s", inputDeadline, buf[:runtime.Stack(buf, true)]))
	})
	return func() { t.Stop() }
}

// captureSink keeps every datagram the reader sends.
type captureSink struct{ sent []outMsgCopy }

type outMsgCopy struct {
	to netip.AddrPort
	b  []byte
}

func (c *captureSink) writeBatch(msgs []outMsg, bufs *[sendBatchSize][packetSize]byte) {
	for i, m := range msgs {
		c.sent = append(c.sent, outMsgCopy{to: m.to, b: append([]byte(nil), bufs[i][:m.n]...)})
	}
}

// fuzzListener is one connected listener of the speaker: where its
// datagrams go, what its slot stamps, and its client's decryption.
type fuzzListener struct {
	to      netip.AddrPort
	ssrc    uint32
	pt      uint8
	levelID uint8
	dec     *srtp.Context
}

// ingressRig is a fresh reader per input (so that every input replays
// alike) with one speaker whose microphone is routed to two listeners that
// negotiated other payload types and audio-level extension IDs; the
// speaker's client context encrypts, a twin of the server's (with the
// production options, replay protection included) decrypts independently
// but without replay protection, and each listener's client context
// decrypts what it got.
type ingressRig struct {
	rd        *reader
	speaker   *Leg
	from      netip.AddrPort
	client    *srtp.Context // the speaker's client: encrypts
	twin      *srtp.Context // authenticates like the server, without replay state
	listeners []fuzzListener
	sink      *captureSink
	// newest is the sequence number of the newest authentic RTP packet of
	// each SSRC so far, the state replay protection must keep.
	newest map[uint32]uint16
}

func newIngressRig(t *testing.T, mode uint8) *ingressRig {
	t.Helper()
	profile := srtp.ProtectionProfileAeadAes128Gcm
	if mode&modeAESCM != 0 {
		profile = srtp.ProtectionProfileAes128CmHmacSha1_80
	}
	ctx := func(opts ...srtp.ContextOption) *srtp.Context {
		c, err := srtp.CreateContext(testKey, testSaltFor(profile), profile, opts...)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	sp := &Leg{id: "S"}
	sp.recv = receiver{source: 1, audioLevelID: 1, counters: &sp.counters}
	sp.rx.Store(ctx(srtpReceiveOptions()...))
	r := &ingressRig{speaker: sp, from: netip.MustParseAddrPort("127.0.0.1:40001"), client: ctx(), twin: ctx(), sink: &captureSink{}, newest: map[uint32]uint16{}}
	var slots []*slot
	for i, l := range []fuzzListener{{ssrc: 1001, pt: 111, levelID: 1}, {ssrc: 1002, pt: 109, levelID: 7}} {
		l.to = netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(40010+i))
		l.dec = ctx()
		leg := &Leg{id: LegID(fmt.Sprint("L", i)), txc: &txContext{ctx: ctx()}}
		leg.setRemote(path{addr: l.to})
		s := &slot{writer: &slotWriter{leg: leg, ssrc: l.ssrc, pt: l.pt}, ssrc: l.ssrc, audioLevelID: l.levelID, munger: newMunger(1, 1)}
		s.setSource(1)
		slots = append(slots, s)
		r.listeners = append(r.listeners, l)
	}
	sp.recv.setDestinations(slots)
	r.rd = &reader{paths: map[netip.AddrPort]*Leg{r.from: sp}, now: time.Unix(1700000000, 0), out: &egress{batch: &sendBatch{sink: r.sink}}}
	return r
}

// datagram is what the client sends for a fuzzed packet: the input itself,
// or, with modeEncrypt, its encryption when pion can encrypt it.
func (r *ingressRig) datagram(in []byte, mode uint8, rtcpPacket bool) []byte {
	if mode&modeEncrypt == 0 {
		return append([]byte(nil), in...)
	}
	var enc []byte
	var err error
	if rtcpPacket {
		enc, err = r.client.EncryptRTCP(nil, in, nil)
	} else {
		enc, err = r.client.EncryptRTP(nil, in, nil)
	}
	if err != nil {
		return append([]byte(nil), in...)
	}
	return enc
}

// FuzzRTPIngress fuzzes the reader's RTP path (demultiplexing, SRTP
// decryption, parsing, SSRC latch, routing, munging, the audio-level
// header extension, re-encryption) with two datagrams from a speaker's
// path, raw or encrypted with the real SRTP context so that authenticated
// packets reach the parser. Only what the speaker's SRTP context
// authenticates may be forwarded; each forwarded copy must decrypt for its
// listener to the speaker's payload under the listener's SSRC and payload
// type, with the level re-tagged to the listener's extension ID; a replay
// is never forwarded; counters must add up and no datagram may exceed the
// MTU buffer.
func FuzzRTPIngress(f *testing.F) {
	opus := func(seq uint16, ssrc uint32, ext bool) []byte {
		p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 111, SequenceNumber: seq, Timestamp: uint32(seq) * 960, SSRC: ssrc}, Payload: bytes.Repeat([]byte{0xfc}, 60)}
		if ext {
			_ = p.SetExtension(1, []byte{0x80 | 30}) // voice, -30 dBov
		}
		b, err := p.Marshal()
		if err != nil {
			f.Fatal(err)
		}
		return b
	}
	twoByteExt := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 111, SequenceNumber: 7, SSRC: 5, Extension: true, ExtensionProfile: 0x1000}, Payload: []byte{1, 2, 3}}
	if err := twoByteExt.SetExtension(1, bytes.Repeat([]byte{1}, 40)); err != nil {
		f.Fatal(err)
	}
	twoByte, err := twoByteExt.Marshal()
	if err != nil {
		f.Fatal(err)
	}
	padded := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 111, SequenceNumber: 9, SSRC: 5, Padding: true}, Payload: []byte{1, 2}, PaddingSize: 3}
	pad, err := padded.Marshal()
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []struct {
		a, b []byte
		mode uint8
	}{
		{opus(1, 42, true), opus(2, 42, true), modeEncrypt},
		{opus(1, 42, true), opus(2, 43, false), modeEncrypt | modeAESCM},
		{opus(65535, 42, false), opus(0, 42, false), modeEncrypt},
		{opus(5, 42, true), opus(5, 42, true), modeEncrypt}, // a replay
		{twoByte, pad, modeEncrypt},
		{opus(1, 42, false), opus(2, 42, false), 0},
		{[]byte{0x80, 0x6f, 0, 1}, []byte{0x90, 0xe0}, modeEncrypt},
		{[]byte{0x01, 0x01}, []byte{0x16, 0xfe, 0xfd}, 0},
	} {
		f.Add(s.a, s.b, s.mode)
	}
	f.Fuzz(func(t *testing.T, a, b []byte, mode uint8) {
		if len(a) > packetSize || len(b) > packetSize {
			return // the socket never delivers more
		}
		defer hangGuard()()
		r := newIngressRig(t, mode)
		for _, in := range [][]byte{a, b} {
			dg := r.datagram(in, mode, false)
			if len(dg) > packetSize || len(dg) == 0 || dg[0] < 128 || dg[0] > 191 || len(dg) >= 2 && dg[1]&0x7f >= 64 && dg[1]&0x7f <= 95 {
				continue // not RTP by RFC 7983 and RFC 5761 (FuzzRTCPIngress covers RTCP)
			}
			r.feedRTP(t, dg)
		}
	})
}

// feedRTP hands one RTP datagram to the reader and checks the outcome.
func (r *ingressRig) feedRTP(t *testing.T, dg []byte) {
	t.Helper()
	before := r.speaker.Stats()
	// What the server should see, decrypted independently.
	var plain []byte
	var in rtp.Packet
	authentic := false
	if len(dg) >= 12 {
		p, err := r.twin.DecryptRTP(nil, dg, nil)
		authentic = err == nil
		plain = p
	}
	parsed := authentic && in.Unmarshal(plain) == nil
	mustAccept, mustRefuse := authentic, false
	if authentic {
		var h rtp.Header
		_, _ = h.Unmarshal(plain) // cannot fail: DecryptRTP parsed it
		if last, seen := r.newest[h.SSRC]; seen {
			d := int16(h.SequenceNumber - last)
			switch {
			case d == 0:
				mustAccept, mustRefuse = false, true // a replay
			case d < 0 && d > -replayWindow/2 || d > 0 && d < 32000:
				// Within the window or newer: accepted.
			default:
				mustAccept = false // too old, or a rollover guess
			}
			if d > 0 {
				r.newest[h.SSRC] = h.SequenceNumber
			}
		} else {
			r.newest[h.SSRC] = h.SequenceNumber
		}
	}
	r.sink.sent = r.sink.sent[:0]
	r.rd.handle(append([]byte(nil), dg...), r.from)
	r.rd.out.batch.flush()
	after := r.speaker.Stats()
	forwarded := after.Forwarded - before.Forwarded
	if uint64(len(r.sink.sent)) != forwarded {
		t.Fatalf("%d datagrams sent, %d counted as forwarded", len(r.sink.sent), forwarded)
	}
	if !authentic || mustRefuse {
		if after != before {
			t.Fatalf("unauthenticated or replayed datagram %x changed the counters: %+v -> %+v", dg, before, after)
		}
		return
	}
	if n := after.Received - before.Received; n > 1 || mustAccept && n != 1 {
		t.Fatalf("authenticated datagram counted %d times", n)
	}
	if !parsed && forwarded != 0 {
		t.Fatalf("unparseable packet forwarded: %x", plain)
	}
	for _, sent := range r.sink.sent {
		r.checkForwarded(t, sent, &in)
	}
}

// checkForwarded decrypts one forwarded copy as its listener would.
func (r *ingressRig) checkForwarded(t *testing.T, sent outMsgCopy, in *rtp.Packet) {
	t.Helper()
	if len(sent.b) > packetSize {
		t.Fatalf("datagram of %d bytes", len(sent.b))
	}
	var l *fuzzListener
	for i := range r.listeners {
		if r.listeners[i].to == sent.to {
			l = &r.listeners[i]
		}
	}
	if l == nil {
		t.Fatalf("datagram sent to %s, no listener there", sent.to)
	}
	plain, err := l.dec.DecryptRTP(nil, sent.b, nil)
	if err != nil {
		t.Fatalf("listener %s cannot decrypt: %v", sent.to, err)
	}
	var out rtp.Packet
	if err := out.Unmarshal(plain); err != nil {
		t.Fatalf("listener %s cannot parse: %v", sent.to, err)
	}
	if out.SSRC != l.ssrc || out.PayloadType != l.pt || out.Version != 2 || !bytes.Equal(out.Payload, in.Payload) {
		t.Fatalf("listener %s got ssrc %d pt %d payload %x; want ssrc %d pt %d payload %x", sent.to, out.SSRC, out.PayloadType, out.Payload, l.ssrc, l.pt, in.Payload)
	}
	level := in.GetExtension(r.speaker.recv.audioLevelID)
	got := out.GetExtension(l.levelID)
	if !bytes.Equal(got, level) || len(out.Extensions) > 1 {
		t.Fatalf("listener %s got extensions %+v, speaker's level %x", sent.to, out.Extensions, level)
	}
}

// FuzzRTCPIngress fuzzes the reader's SRTCP path (demultiplexing, SRTCP
// decryption and the compound-packet walk that records the microphone's
// sender report), raw or encrypted with the real SRTP context. Every SRTCP
// datagram is counted once, as received or dropped; it is received only if
// it authenticates and an independent walk finds a valid compound packet
// (RFC 3550 A.2); the same datagram sent again is a replay and dropped; the
// microphone's last SR changes only for an accepted packet holding an SR of
// the microphone's SSRC; nothing is ever sent.
func FuzzRTCPIngress(f *testing.F) {
	marshal := func(pkts ...rtcp.Packet) []byte {
		b, err := rtcp.Marshal(pkts)
		if err != nil {
			f.Fatal(err)
		}
		return b
	}
	sdes := &rtcp.SourceDescription{Chunks: []rtcp.SourceDescriptionChunk{{Source: fuzzMicSSRC, Items: []rtcp.SourceDescriptionItem{{Type: rtcp.SDESCNAME, Text: "{c0ffee}"}}}}}
	browser := marshal(&rtcp.SenderReport{SSRC: fuzzMicSSRC, NTPTime: 0xe8f1a2b3c4d5e6f7, RTPTime: 960, PacketCount: 50, OctetCount: 3000,
		Reports: []rtcp.ReceptionReport{{SSRC: 1001, FractionLost: 3, TotalLost: 7, LastSequenceNumber: 1234, Jitter: 20, LastSenderReport: 1, Delay: 2}}}, sdes)
	for _, s := range []struct {
		p    []byte
		mode uint8
	}{
		{browser, modeEncrypt},
		{browser, modeEncrypt | modeAESCM},
		{marshal(&rtcp.ReceiverReport{SSRC: 1, Reports: []rtcp.ReceptionReport{{SSRC: 1001}}}, sdes, &rtcp.Goodbye{Sources: []uint32{fuzzMicSSRC}}), modeEncrypt},
		{marshal(&rtcp.ReceiverReport{SSRC: 1}, &rtcp.TransportLayerNack{SenderSSRC: 1, MediaSSRC: 1001, Nacks: []rtcp.NackPair{{PacketID: 5}}}, &rtcp.PictureLossIndication{}), modeEncrypt},
		{marshal(sdes), modeEncrypt},
		{marshal(&rtcp.ReceiverReport{SSRC: 9}, &rtcp.RawPacket{0x81, 200, 0, 1, 0, 0, 0, 42}), modeEncrypt},
		{browser, 0},
		{[]byte{0x80, 200, 0, 1}, modeEncrypt},
	} {
		f.Add(s.p, s.mode)
	}
	f.Fuzz(func(t *testing.T, p []byte, mode uint8) {
		if len(p) > packetSize {
			return
		}
		defer hangGuard()()
		r := newIngressRig(t, mode)
		r.speaker.micSSRC.Store(fuzzMicSSRC)
		dg := r.datagram(p, mode, true)
		if len(dg) > packetSize || len(dg) < 2 || dg[0] < 128 || dg[0] > 191 || dg[1]&0x7f < 64 || dg[1]&0x7f > 95 {
			return // not SRTCP by RFC 7983 and RFC 5761
		}
		plain, err := r.twin.DecryptRTCP(nil, dg, nil)
		authentic := err == nil
		valid, micSR := authentic && validCompound(plain), authentic && hasSROf(plain, fuzzMicSSRC)
		r.rd.handle(append([]byte(nil), dg...), r.from)
		r.rd.out.batch.flush()
		st := r.speaker.Stats()
		defer func() {
			r.rd.handle(append([]byte(nil), dg...), r.from)
			if again := r.speaker.Stats(); again.RTCPReceived != st.RTCPReceived || again.RTCPDropped != st.RTCPDropped+1 {
				t.Fatalf("replayed SRTCP datagram counted as %+v after %+v", again, st)
			}
		}()
		if st.RTCPReceived+st.RTCPDropped != 1 {
			t.Fatalf("one SRTCP datagram counted as %+v", st)
		}
		if st.RTCPReceived == 1 && !valid {
			t.Fatalf("accepted %x (plain %x), which is not a valid authenticated compound packet", dg, plain)
		}
		if st.RTCPReceived == 0 && valid && allSRsParse(plain) {
			t.Fatalf("refused a valid compound packet %x", plain)
		}
		if recorded := r.speaker.mic.lastSR.Load() != 0; recorded && (st.RTCPReceived == 0 || !micSR) {
			t.Fatalf("microphone SR recorded from %x", plain)
		}
		if len(r.sink.sent) != 0 {
			t.Fatalf("RTCP caused %d datagrams", len(r.sink.sent))
		}
	})
}

// rtcpPackets splits a compound packet by its headers' lengths; ok is false
// if a header is short or a length runs past the end.
func rtcpPackets(b []byte) (pkts [][]byte, ok bool) {
	for len(b) > 0 {
		if len(b) < 4 {
			return nil, false
		}
		n := (int(binary.BigEndian.Uint16(b[2:])) + 1) * 4
		if n > len(b) {
			return nil, false
		}
		pkts = append(pkts, b[:n])
		b = b[n:]
	}
	return pkts, true
}

// validCompound is RFC 3550 A.2's check: version 2 throughout, an SR or RR
// first, padding only in the last packet, lengths adding up.
func validCompound(b []byte) bool {
	pkts, ok := rtcpPackets(b)
	if !ok || len(pkts) == 0 {
		return false
	}
	for i, p := range pkts {
		if p[0]>>6 != 2 || p[0]&0x20 != 0 && i != len(pkts)-1 {
			return false
		}
	}
	return pkts[0][1] == 200 || pkts[0][1] == 201
}

// allSRsParse reports whether pion parses every sender report in b.
func allSRsParse(b []byte) bool {
	pkts, _ := rtcpPackets(b)
	for _, p := range pkts {
		var sr rtcp.SenderReport
		if p[1] == 200 && sr.Unmarshal(p) != nil {
			return false
		}
	}
	return true
}

// hasSROf reports whether b holds a sender report from ssrc.
func hasSROf(b []byte, ssrc uint32) bool {
	pkts, _ := rtcpPackets(b)
	for _, p := range pkts {
		if p[1] == 200 && len(p) >= 8 && binary.BigEndian.Uint32(p[4:]) == ssrc {
			return true
		}
	}
	return false
}
