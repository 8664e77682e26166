package media

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"sync/atomic"
)

// shard is one forwarding loop: its own socket on the media port, its
// own batched I/O and its own reader goroutine (reader.go). With
// SO_REUSEPORT the kernel hashes each client's address onto one of the
// shards' sockets, so a client's STUN, DTLS and SRTP always arrive at
// the same shard. A packet is forwarded on the shard it arrived at: the
// copies for every listener, whatever shard the listener's own packets
// arrive at, are encrypted into this shard's batch and sent from this
// shard's socket — the same local address and port, so each client sees
// one 5-tuple. Per-listener state is guarded where it lives (slot.mu for
// the munger, txContext.mu for SRTP), held for microseconds and never
// across a system call.
type shard struct {
	index int
	conn  *net.UDPConn
	io    *batchIO

	// received and sent count datagrams read from and written to this
	// shard's socket by its reader (STUN and DTLS answers, which go out
	// through the first shard's plain WriteTo, are not counted).
	received, sent atomic.Uint64
	// The shards are neighbouring allocations, each written per batch by
	// its own reader.
	_ cacheLinePad
}

var _ datagramSink = (*shard)(nil)

// writeBatch sends a batch from this shard's socket.
func (sh *shard) writeBatch(msgs []outMsg, bufs *[sendBatchSize][packetSize]byte) {
	sh.io.writeBatch(msgs, bufs)
	sh.sent.Add(uint64(len(msgs)))
}

// ShardStats are one forwarding shard's datagram counters.
type ShardStats struct {
	// Received counts datagrams read from the shard's socket (every kind:
	// STUN, DTLS, SRTP, SRTCP, garbage).
	Received uint64
	// Sent counts the forwarded SRTP datagrams the shard's batches sent.
	Sent uint64
}

// listenShards opens n UDP sockets on one address. The first is bound
// without SO_REUSEPORT, which fails if anyone holds the port and, for port
// 0, makes the kernel pick a port nobody holds; only then is SO_REUSEPORT
// set on it and the other shards' sockets join it. Binding them all with
// SO_REUSEPORT would let this SFU silently join (and take half the
// traffic of) another process's sockets on the same port, or be joined by
// one: with SO_REUSEPORT, a port held by sockets with it is "free" to a
// bind with it by the same user, even for a port-0 bind. (A program of the
// same user that binds the port with SO_REUSEPORT itself can still join
// the shards; the kernel allows it. Run the server as its own user.)
// Every socket gets large kernel buffers.
func listenShards(ip string, port, n int) ([]*net.UDPConn, error) {
	conns := make([]*net.UDPConn, 0, n)
	fail := func(err error) ([]*net.UDPConn, error) {
		for _, c := range conns {
			_ = c.Close()
		}
		return nil, err
	}
	var lc net.ListenConfig
	for i := range n {
		addr := net.JoinHostPort(ip, strconv.Itoa(port))
		pc, err := lc.ListenPacket(context.Background(), "udp", addr)
		if err != nil {
			return fail(fmt.Errorf("listen udp %s (shard %d): %w", addr, i, err))
		}
		conn := pc.(*net.UDPConn)
		conns = append(conns, conn)
		// Each socket must absorb the bursts that arrive while its reader
		// is busy sending (or descheduled). The default (~200 KiB, a few
		// hundred small datagrams) overflows in milliseconds at a few
		// hundred legs; the kernel caps the request at net.core.rmem_max
		// / wmem_max.
		_ = conn.SetReadBuffer(socketBuffer)
		_ = conn.SetWriteBuffer(socketBuffer)
		if i == 0 && n > 1 {
			port = int(conn.LocalAddr().(*net.UDPAddr).AddrPort().Port())
			if err := setReusePort(conn); err != nil {
				return fail(fmt.Errorf("listen udp %s: SO_REUSEPORT: %w", addr, err))
			}
			lc.Control = reusePort
		}
	}
	return conns, nil
}

// cacheLinePad keeps what follows it off the cache line of what precedes
// it. Objects that one shard writes per packet (a listener's SRTP lock, a
// slot's mutex and counters) are small and allocated side by side; without
// padding two shards writing neighbouring objects would bounce one cache
// line between their cores (false sharing). 128 bytes: x86 prefetches
// cache lines in pairs.
type cacheLinePad [128]byte
