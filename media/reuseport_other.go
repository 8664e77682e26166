//go:build !linux

package media

import (
	"net"
	"syscall"
)

// reusePortSupported: elsewhere SO_REUSEPORT either does not spread
// datagrams over the sockets (BSDs, macOS: the last bound socket gets
// them all) or does not exist, so the SFU runs one shard.
const reusePortSupported = false

// reusePort is never used where reusePortSupported is false.
func reusePort(_, _ string, _ syscall.RawConn) error { return nil }

// setReusePort is never used where reusePortSupported is false.
func setReusePort(*net.UDPConn) error { return nil }
