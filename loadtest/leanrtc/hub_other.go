//go:build !(linux && (amd64 || arm64 || riscv64 || ppc64le || s390x || loong64 || mips64 || mips64le))

package leanrtc

import (
	"errors"
	"net/netip"
)

// errUnsupported: the hub needs Linux (127/8 loopback, IP_PKTINFO,
// recvmmsg/sendmmsg).
var errUnsupported = errors.New("leanrtc: the hub needs 64-bit Linux")

// Hub is unavailable on this platform.
type Hub struct{ stack *Stack }

// HubParams configures NewHub.
type HubParams struct {
	Stack        *Stack
	MaxEndpoints int
}

// NewHub fails on this platform.
func NewHub(HubParams) (*Hub, error) { return nil, errUnsupported }

// SendErrors is always 0 here.
func (h *Hub) SendErrors() uint64 { return 0 }

// Close does nothing here.
func (h *Hub) Close() error { return nil }

func (h *Hub) add(*Endpoint) (netip.AddrPort, int, error)                { return netip.AddrPort{}, 0, errUnsupported }
func (h *Hub) remove(int, *Endpoint)                                     {}
func (h *Hub) writeFrom(netip.Addr, []byte, netip.AddrPort) (int, error) { return 0, errUnsupported }
func (h *Hub) queueBuf() []byte                                          { return nil }
func (h *Hub) commit(int, netip.Addr, netip.AddrPort)                    {}
func (h *Hub) flush()                                                    {}
