package media

import (
	"github.com/pion/rtp"
)

// rtpWriter is what a slot writes to. In production it is the slot's
// slotWriter; benchmarks and tests put recorders in its place.
type rtpWriter interface {
	writeRTP(p *rtp.Packet, out *egress) error
}

// slotWriter is one slot's output: it stamps the slot's SSRC and the
// payload type the listener negotiated on that m-line, encrypts with the
// slot's own SRTP context (keyed like the listener's) and queues the
// datagram in the forwarding shard's send batch (or, for a listener reached
// over ICE-TCP, its connection's write queue). The context's mutex is held
// for the encryption only, never across I/O; it is uncontended unless the
// slot's source changes while a packet of the previous source is being
// written on another shard.
type slotWriter struct {
	leg   *Leg // the listener
	index int  // the slot's index in the listener's slots
	ssrc  uint32
	pt    uint8
}

var _ rtpWriter = (*slotWriter)(nil)

func (w *slotWriter) writeRTP(p *rtp.Packet, out *egress) error {
	o := w.leg.out.Load()
	if o == nil {
		return errNotConnected
	}
	p.SSRC = w.ssrc
	p.PayloadType = w.pt
	n, err := p.MarshalTo(out.plain[:])
	if err != nil {
		return err
	}
	buf := out.batch.next()
	tx := o.tx
	if w.index < len(o.slotTx) {
		tx = o.slotTx[w.index]
	}
	tx.mu.Lock()
	enc, err := tx.ctx.EncryptRTP(buf[:0], out.plain[:n], &out.hdr)
	tx.mu.Unlock()
	if err != nil {
		return err
	}
	if len(enc) > len(buf) || &enc[0] != &buf[0] {
		return errPacketTooLarge // SRTP had to allocate: never for Opus
	}
	if o.tcp != nil {
		// An ICE-TCP listener: framed into its connection's write queue
		// (copied; the batch buffer is reused by the next write).
		return o.tcp.send(enc)
	}
	out.batch.commit(len(enc), o.to)
	return nil
}
