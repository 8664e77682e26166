package media

import "net/netip"

// Batching of the shared socket's I/O: the reader takes up to
// readBatchSize datagrams per system call and sends what they produced in
// batches of up to sendBatchSize, so that per-packet system call overhead
// (and the goroutine park/unpark of a blocking read) is paid once per batch.
const (
	readBatchSize = 32
	sendBatchSize = 64
	// packetSize holds any datagram on a 1500-byte MTU path.
	packetSize = 1500
)

// outMsg is one datagram queued for sending.
type outMsg struct {
	n  int
	to netip.AddrPort
}

// datagramSink sends a batch of datagrams; msgs[i] is bufs[i][:msgs[i].n].
// The production sink is the SFU's batchIO; tests count or discard.
type datagramSink interface {
	writeBatch(msgs []outMsg, bufs *[sendBatchSize][packetSize]byte)
}

// sendBatch collects the reader's outgoing datagrams until flush.
type sendBatch struct {
	sink datagramSink
	bufs [sendBatchSize][packetSize]byte
	msgs [sendBatchSize]outMsg
	n    int
}

// next returns the buffer for the next datagram.
func (b *sendBatch) next() []byte { return b.bufs[b.n][:] }

// commit queues the datagram written into next()[:n]; a full batch is sent
// at once.
func (b *sendBatch) commit(n int, to netip.AddrPort) {
	b.msgs[b.n] = outMsg{n: n, to: to}
	b.n++
	if b.n == sendBatchSize {
		b.flush()
	}
}

// flush sends everything queued.
func (b *sendBatch) flush() {
	if b.n == 0 {
		return
	}
	b.sink.writeBatch(b.msgs[:b.n], &b.bufs)
	b.n = 0
}
