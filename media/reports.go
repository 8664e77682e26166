package media

import (
	"math/rand/v2"
	"time"

	"github.com/pion/rtcp"
)

// RTCP report timing. RFC 3550 6.2 randomises every interval over
// [0.5, 1.5] times the nominal one so that many senders started together
// do not report in lockstep; a second is what browsers use for active
// streams. reportTick is how often the reporter looks for legs that are
// due: the spread it adds is far below the randomisation.
const (
	reportInterval = time.Second
	reportTick     = 100 * time.Millisecond
	// cnameLen is the length of a leg's random CNAME.
	cnameLen = 16
	// ntpEpochOffset is 1900-01-01 to 1970-01-01 in seconds.
	ntpEpochOffset = 2_208_988_800
)

// legReports is the reporter goroutine's state for one leg; nothing else
// touches it.
type legReports struct {
	next time.Time // when the next report is due; zero: not scheduled yet
	mic  recvReporter
	// sent and quiet track each slot's packet count at the previous
	// reports: a slot is a sender (and gets an SR) while it sent media in
	// this or the previous interval (RFC 3550 6.4).
	sent  []uint32
	quiet []int
}

// report is the reporter goroutine: for every connected leg, about once
// a second, one compound SRTCP packet (see buildReport). It runs beside
// the reader rather than inside it because the reader blocks in recvmmsg
// and its send batch is its own: handing it a packet would need a queue
// and a wake-up for what is one datagram per leg per second. The socket
// is safe for concurrent writers — DTLS and ICE answers already use it
// beside the reader's sendmmsg, and the kernel sends each UDP datagram
// whole — so the reporter writes its packets itself.
func (s *SFU) report() {
	t := time.NewTicker(reportTick)
	defer t.Stop()
	var (
		due []*Leg
		buf [packetSize]byte
	)
	for {
		select {
		case <-s.ctx.Done():
			return
		case now := <-t.C:
			due = s.dueReports(now, due[:0])
			for i, l := range due {
				s.sendReport(l, time.Now(), &buf)
				due[i] = nil // do not keep a closed leg alive until the next tick
			}
		}
	}
}

// dueReports appends the connected legs whose report is due at now and
// schedules their next one. It holds s.mu only to walk the legs; reports
// are built and sent without it.
func (s *SFU) dueReports(now time.Time, due []*Leg) []*Leg {
	s.mu.Lock()
	defer s.mu.Unlock()
	for l := range s.legs {
		select {
		case <-l.connected:
		default:
			continue
		}
		r := &l.reports
		if r.next.IsZero() {
			// The first report comes within half an interval, spread.
			r.next = now.Add(jittered(reportInterval / 2))
			continue
		}
		if now.Before(r.next) {
			continue
		}
		r.next = now.Add(jittered(reportInterval))
		due = append(due, l)
	}
	return due
}

// jittered returns d scaled by a uniform factor in [0.5, 1.5).
func jittered(d time.Duration) time.Duration {
	return d/2 + rand.N(d)
}

// sendReport builds, encrypts and sends one leg's report. The SRTP
// context's mutex is held for the encryption only, never across the
// write. Building allocates a little (pion/rtcp's marshalling), once a
// second per leg, never on the forwarding path.
func (s *SFU) sendReport(l *Leg, now time.Time, buf *[packetSize]byte) {
	o := l.out.Load()
	if o == nil {
		return // not connected, or gone
	}
	plain, ok := l.buildReport(now)
	if !ok {
		return
	}
	o.tx.mu.Lock()
	enc, err := o.tx.ctx.EncryptRTCP(buf[:0], plain, nil)
	o.tx.mu.Unlock()
	if err != nil {
		l.log.Debug("encrypt rtcp", "err", err)
		return
	}
	if err := s.send(path{addr: o.to, tcp: o.tcp}, enc); err != nil {
		l.log.Debug("send rtcp", "err", err)
		return
	}
	l.counters.rtcpSent.Add(1)
}

// buildReport returns the leg's compound RTCP packet (RFC 3550
// 6.1, with one report per SSRC as RFC 8108 5.3 allows):
//
//   - an SR for every slot that sent media in this or the previous
//     interval: its SSRC, NTP time now, the RTP timestamp of now on the
//     slot's clock, its packet and octet counts. Receivers map the RTP
//     clock to wall time with it and see what was sent against what
//     arrived.
//   - the reception report of the leg's microphone, in the first SR, or
//     in an RR from slot 0's SSRC when no slot is sending: loss, jitter
//     and LSR/DLSR, so the client (and its congestion control) sees the
//     path to the SFU.
//   - an SDES with the leg's CNAME for each SSRC above, which RFC 3550
//     requires in every compound packet.
//
// ok is false when there is nothing to report yet.
func (l *Leg) buildReport(now time.Time) ([]byte, bool) {
	r := &l.reports
	if len(r.sent) != len(l.slots) {
		r.sent, r.quiet = make([]uint32, len(l.slots)), make([]int, len(l.slots))
	}
	ntp := ntpTime(now)
	var pkts []rtcp.Packet
	var sdes rtcp.SourceDescription
	for i, s := range l.slots {
		sent := s.sentPackets.Load()
		if sent != r.sent[i] {
			r.sent[i], r.quiet[i] = sent, 0
		} else {
			r.quiet[i]++
		}
		if sent == 0 || r.quiet[i] >= 2 {
			continue
		}
		ts, at, ok := s.rtpClock()
		if !ok {
			continue
		}
		pkts = append(pkts, &rtcp.SenderReport{
			SSRC:        s.ssrc,
			NTPTime:     ntp,
			RTPTime:     ts + rtpTicks(now.Sub(at)),
			PacketCount: sent,
			OctetCount:  s.sentOctets.Load(),
		})
		sdes.Chunks = append(sdes.Chunks, l.cnameChunk(s.ssrc))
	}
	if mic := l.micSSRC.Load(); mic != 0 {
		if rr, ok := r.mic.block(&l.mic, mic, now); ok {
			if len(pkts) > 0 {
				sr := pkts[0].(*rtcp.SenderReport)
				sr.Reports = []rtcp.ReceptionReport{rr}
			} else if len(l.slots) > 0 {
				pkts = append(pkts, &rtcp.ReceiverReport{SSRC: l.slots[0].ssrc, Reports: []rtcp.ReceptionReport{rr}})
				sdes.Chunks = append(sdes.Chunks, l.cnameChunk(l.slots[0].ssrc))
			}
		}
	}
	if len(pkts) == 0 {
		return nil, false
	}
	pkts = append(pkts, &sdes)
	b, err := rtcp.Marshal(pkts)
	if err != nil {
		l.log.Debug("marshal rtcp", "err", err)
		return nil, false
	}
	return b, true
}

func (l *Leg) cnameChunk(ssrc uint32) rtcp.SourceDescriptionChunk {
	return rtcp.SourceDescriptionChunk{Source: ssrc, Items: []rtcp.SourceDescriptionItem{{Type: rtcp.SDESCNAME, Text: l.cname}}}
}

// rtpTicks converts a (possibly negative) duration into 48 kHz RTP ticks.
func rtpTicks(d time.Duration) uint32 {
	return uint32(d.Microseconds() * opusClockRate / 1_000_000)
}

// ntpTime is t as a 64-bit NTP timestamp (seconds since 1900, 32.32 fixed
// point), the sender report's wall clock.
func ntpTime(t time.Time) uint64 {
	ns := t.UnixNano()
	sec := uint64(ns/1e9) + ntpEpochOffset
	frac := uint64(ns%1e9) << 32 / 1e9
	return sec<<32 | frac
}

// ntpMiddle is the middle 32 bits of t's NTP timestamp: the unit of LSR
// and DLSR (1/65536 s).
func ntpMiddle(t time.Time) uint32 { return uint32(ntpTime(t) >> 16) }
