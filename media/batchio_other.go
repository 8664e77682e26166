//go:build !(linux && (amd64 || arm64 || riscv64 || ppc64le || s390x || loong64 || mips64 || mips64le))

package media

import (
	"net"
	"net/netip"
)

// batchIO is the portable fallback: one datagram per system call.
type batchIO struct {
	conn *net.UDPConn
	buf  [packetSize]byte
	n    int
	from netip.AddrPort
}

func newBatchIO(conn *net.UDPConn) (*batchIO, error) { return &batchIO{conn: conn}, nil }

func (b *batchIO) read() (int, error) {
	n, from, err := b.conn.ReadFromUDPAddrPort(b.buf[:])
	if err != nil {
		return 0, err
	}
	b.n, b.from = n, netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
	return 1, nil
}

func (b *batchIO) packet(int) ([]byte, netip.AddrPort) { return b.buf[:b.n], b.from }

func (b *batchIO) writeBatch(msgs []outMsg, bufs *[sendBatchSize][packetSize]byte) {
	for i, m := range msgs {
		_, _ = b.conn.WriteToUDPAddrPort(bufs[i][:m.n], m.to)
	}
}
