package media

import (
	"net/netip"
	"time"

	"github.com/pion/rtp"
)

// sweepInterval is how often the reader forgets the paths of closed legs.
const sweepInterval = 10 * time.Second

// reader is the state of one shard's reader goroutine, which does all of
// the forwarding of what arrives at that shard: read a batch of
// datagrams, demultiplex each (RFC 7983:
// STUN, DTLS, SRTP/SRTCP), decrypt the microphone's RTP, route it to the
// slots that carry its speaker, encrypt each copy for its listener, and
// send the whole batch. Nothing on the way hands a packet to another
// goroutine, and nothing allocates.
type reader struct {
	s *SFU
	// shard is the shard this reader serves (nil for ICE-TCP readers).
	shard *shard
	now   time.Time
	// paths maps every address a valid ICE check came from to its leg.
	// Only this reader goroutine touches it (the kernel keeps each client
	// address on one shard, so it is the only one that learns and uses
	// that address); legs that closed are removed
	// lazily (gone) and by sweep.
	paths     map[netip.AddrPort]*Leg
	lastSweep time.Time

	hdr rtp.Header // scratch for DecryptRTP
	in  rtp.Packet
	dec [packetSize]byte
	out *egress
	rtcpIn
}

// read is a shard's reader goroutine. It ends when the shard's socket is
// closed.
func (s *SFU) read(sh *shard) {
	rd := &reader{
		s:         s,
		shard:     sh,
		paths:     make(map[netip.AddrPort]*Leg),
		lastSweep: time.Now(),
		out:       &egress{batch: &sendBatch{sink: sh}},
	}
	for {
		n, err := sh.io.read()
		if err != nil {
			if s.ctx.Err() != nil {
				return
			}
			// ICMP errors surface on the next read (ECONNREFUSED); a real
			// fault repeats: say so, but never more than once a second.
			if time.Since(rd.now) > time.Second {
				s.log.Debug("udp read", "err", err)
				rd.now = time.Now()
			}
			continue
		}
		rd.now = time.Now()
		sh.received.Add(uint64(n))
		for i := range n {
			b, from := sh.io.packet(i)
			rd.handle(b, from)
		}
		rd.out.batch.flush()
		if rd.now.Sub(rd.lastSweep) > sweepInterval {
			rd.sweep()
		}
	}
}

// handle demultiplexes one datagram by its first byte (RFC 7983).
func (rd *reader) handle(b []byte, from netip.AddrPort) {
	if len(b) == 0 {
		return
	}
	switch c := b[0]; {
	case c < 4:
		if l := rd.s.answerCheck(b, path{addr: from}, rd.now); l != nil {
			rd.bind(from, l)
		}
	case c >= 20 && c <= 63:
		if l := rd.leg(from); l != nil {
			l.dc.Deliver(b)
		}
	case c >= 128 && c <= 191:
		if l := rd.leg(from); l != nil {
			rd.media(l, b)
		}
	}
}

// leg returns the live leg a path belongs to.
func (rd *reader) leg(from netip.AddrPort) *Leg {
	l := rd.paths[from]
	if l == nil {
		return nil
	}
	if l.gone.Load() {
		delete(rd.paths, from)
		return nil
	}
	return l
}

// bind records that a valid check for l came from addr.
func (rd *reader) bind(addr netip.AddrPort, l *Leg) {
	rd.paths[addr] = l
	if rd.shard != nil {
		l.shard.Store(int32(rd.shard.index))
	}
}

// media handles one SRTP or SRTCP datagram from l's client. Only the
// goroutine holding l.rxMu may decrypt for l; a packet that finds it held
// (the client is sending on two paths at once, UDP and TCP) is dropped.
func (rd *reader) media(l *Leg, b []byte) {
	if len(b) < 2 || !l.rxMu.TryLock() {
		return
	}
	rd.ingress(l, b)
	l.rxMu.Unlock()
}

// ingress decrypts and dispatches one SRTP or SRTCP datagram; l.rxMu is
// held.
func (rd *reader) ingress(l *Leg, b []byte) {
	if pt := b[1] & 0x7f; pt >= 64 && pt <= 95 {
		rd.rtcp(l, b) // SRTCP (RFC 5761: packet types 192-223)
		return
	}
	if len(b) < 12 {
		return
	}
	rx := l.rx.Load()
	if rx == nil {
		return // before the handshake finished
	}
	dec, err := rx.DecryptRTP(rd.dec[:], b, &rd.hdr)
	if err != nil {
		return // forged, replayed or garbled: not the client's
	}
	if err := rd.in.Unmarshal(dec); err != nil {
		l.counters.received.Add(1)
		l.counters.dropped.Add(1)
		return
	}
	if mic := l.micSSRC.Load(); mic != rd.in.SSRC {
		if mic != 0 || !l.micSSRC.CompareAndSwap(0, rd.in.SSRC) {
			// Only the first m-line sends; another stream is not forwarded.
			l.counters.received.Add(1)
			l.counters.dropped.Add(1)
			return
		}
	}
	l.mic.update(rd.in.SequenceNumber, rd.in.Timestamp, rd.now)
	if l.dtmfPT != 0 && rd.in.PayloadType == l.dtmfPT {
		// A key press, not audio: never routed, never recorded.
		l.counters.dtmf.Add(1)
		if d, ok := l.dtmf.packet(rd.in.Timestamp, rd.in.Payload); ok {
			rd.s.digits.offer(l, d)
		}
		return
	}
	l.recv.dispatch(&rd.in, rd.now, rd.out)
}

// sweep forgets the paths of legs that closed and sent nothing since.
func (rd *reader) sweep() {
	rd.lastSweep = rd.now
	for addr, l := range rd.paths {
		if l.gone.Load() {
			delete(rd.paths, addr)
		}
	}
}
