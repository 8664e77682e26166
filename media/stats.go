package media

import "sync/atomic"

// Stats are the SFU's totals since New: every leg that ever lived counts.
type Stats struct {
	// Legs is the number of legs currently alive.
	Legs int
	// PacketsReceived counts RTP packets read from speakers' microphones.
	PacketsReceived uint64
	// PacketsForwarded counts packet copies written to listeners' slots
	// (one received packet heard by two listeners counts twice).
	PacketsForwarded uint64
	// PacketsDropped counts packets gated at ingress: their speaker had no
	// listener at that moment (or the packet was not valid RTP).
	PacketsDropped uint64
	// RTCPReceived counts valid SRTCP packets from clients; RTCPDropped
	// those that did not decrypt or parse (RTCP is never forwarded).
	RTCPReceived, RTCPDropped uint64
	// RTCPSent counts the SRTCP report packets sent to clients.
	RTCPSent uint64
	// TCPConnections is the number of open ICE-TCP connections, bound to
	// a leg or waiting for a valid check.
	TCPConnections int
	// TCPDropped counts packets dropped because an ICE-TCP connection's
	// write queue was full (a client that does not keep up).
	TCPDropped uint64
	// RecordingWritten counts packets written to recording files;
	// RecordingDropped those left out of a recording because the
	// recording queue was full (forwarding never waits for the disk).
	RecordingWritten, RecordingDropped uint64
	// RecordingBytes counts the bytes written to recording files.
	RecordingBytes uint64
	// Shards are the forwarding shards' datagram counters, in order.
	Shards []ShardStats
}

// LegStats are one leg's counters as a speaker.
type LegStats struct {
	// Received counts RTP packets read from this leg's microphone.
	Received uint64
	// Forwarded counts copies of those packets written to listeners' slots.
	Forwarded uint64
	// Dropped counts packets gated at ingress because nobody may hear this
	// leg at that moment.
	Dropped uint64
	// RTCPReceived counts valid SRTCP packets from this leg's client,
	// RTCPDropped those that did not decrypt or parse.
	RTCPReceived, RTCPDropped uint64
	// RTCPSent counts the report packets sent to this leg's client.
	RTCPSent uint64
}

// legCounters are written by the goroutine holding the leg's rxMu (the
// reader of the shard the leg's datagrams arrive at; rtcpSent by the
// reporter), so the atomic adds never contend; the SFU sums them on demand
// instead of sharing one hot counter between all shards.
type legCounters struct {
	received, forwarded, dropped atomic.Uint64

	rtcpReceived, rtcpDropped, rtcpSent atomic.Uint64
}

func (c *legCounters) snapshot() LegStats {
	return LegStats{
		Received:  c.received.Load(),
		Forwarded: c.forwarded.Load(),
		Dropped:   c.dropped.Load(),

		RTCPReceived: c.rtcpReceived.Load(),
		RTCPDropped:  c.rtcpDropped.Load(),
		RTCPSent:     c.rtcpSent.Load(),
	}
}

func (c *legCounters) add(s LegStats) {
	c.received.Add(s.Received)
	c.forwarded.Add(s.Forwarded)
	c.dropped.Add(s.Dropped)
	c.rtcpReceived.Add(s.RTCPReceived)
	c.rtcpDropped.Add(s.RTCPDropped)
	c.rtcpSent.Add(s.RTCPSent)
}
