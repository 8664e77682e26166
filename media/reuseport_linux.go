//go:build linux

package media

import (
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// reusePortSupported: on Linux several sockets can share the media port,
// and the kernel spreads clients over them by a hash of their address, so
// each client's datagrams always reach the same socket (one shard).
const reusePortSupported = true

// reusePort sets SO_REUSEPORT before the socket is bound.
func reusePort(_, _ string, c syscall.RawConn) error {
	var serr error
	if err := c.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
	}); err != nil {
		return err
	}
	return serr
}

// setReusePort sets SO_REUSEPORT on a socket already bound, so that the
// other shards' sockets can join its port. See listenShards for why the
// first socket is bound without it.
func setReusePort(conn *net.UDPConn) error {
	rc, err := conn.SyscallConn()
	if err != nil {
		return err
	}
	return reusePort("", "", rc)
}
