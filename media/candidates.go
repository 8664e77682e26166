package media

import (
	"fmt"
	"net"
	"net/netip"
)

// hostCandidates lists the addresses every answer advertises, all on the
// one shared port: the configured public IPs (1:1 NAT) if any, else the
// listen IP, else every usable address of the machine's interfaces
// (loopback only when listening on loopback, link-local never: a client
// cannot reach it without a zone).
func hostCandidates(cfg Config, port uint16) ([]netip.AddrPort, error) {
	var out []netip.AddrPort
	add := func(ip netip.Addr) {
		ap := netip.AddrPortFrom(ip.Unmap(), port)
		for _, have := range out {
			if have == ap {
				return
			}
		}
		out = append(out, ap)
	}
	if len(cfg.PublicIPs) > 0 {
		for _, s := range cfg.PublicIPs {
			ip, err := netip.ParseAddr(s)
			if err != nil {
				return nil, fmt.Errorf("public ip %q: %w", s, ErrBadConfig)
			}
			add(ip)
		}
		return out, nil
	}
	if cfg.ListenIP != "" {
		ip, err := netip.ParseAddr(cfg.ListenIP)
		if err != nil {
			return nil, fmt.Errorf("listen ip %q: %w", cfg.ListenIP, ErrBadConfig)
		}
		if !ip.IsUnspecified() {
			add(ip)
			return out, nil
		}
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil, fmt.Errorf("interface addresses: %w", err)
	}
	var loopback []netip.Addr
	for _, a := range addrs {
		n, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		ip, ok := netip.AddrFromSlice(n.IP)
		if !ok {
			continue
		}
		ip = ip.Unmap()
		switch {
		case ip.IsLoopback():
			loopback = append(loopback, ip)
		case ip.IsLinkLocalUnicast() || ip.IsMulticast() || ip.IsUnspecified():
		default:
			add(ip)
		}
	}
	if len(out) == 0 {
		// A machine with no network but loopback: still usable locally.
		for _, ip := range loopback {
			add(ip)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no usable interface address for candidates: %w", ErrBadConfig)
	}
	return out, nil
}
