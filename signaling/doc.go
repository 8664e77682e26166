// Package signaling is Earshot's WebSocket transport: versioned JSON
// requests with one response each, numbered server events, sessions that
// survive a dropped socket (resume with replay), bounded outbound queues,
// per-socket and per-user rate limits, and Origin checks. The domain plugs in
// through Handler; docs/protocol.md documents the wire format.
//
// Per socket there is a read loop (authenticate, parse, rate-limit, dispatch
// in order) and a write loop (drain the bounded queue, ping); a socket is
// closed once, with a CloseReason. A Session is the authenticated client and
// outlives its socket for Config.ResumeGrace.
package signaling
