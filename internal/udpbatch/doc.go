// Package udpbatch holds the Linux recvmmsg/sendmmsg plumbing that the
// SFU's shared socket (media) and the load tester's hub (loadtest/leanrtc)
// both batch their UDP I/O with: the mmsghdr layout, the raw-conn loops
// that retry on EAGAIN/EINTR and skip datagrams the kernel refuses, and
// port byte-order conversion for raw sockaddrs.
//
// It is only the system-call layer: each caller owns its header, iovec,
// name and control arrays (so nothing is allocated per batch and the
// caller decides address families and control messages). The package is
// empty outside 64-bit Linux, where callers use their portable fallbacks.
package udpbatch
