// Package oracle decides, for every packet and chat message the load tester
// receives, whether the receiver was allowed to get it at that moment, and
// turns what was sent and received into the run's numbers: leaks, whisper
// leaks, losses, duplicates, latency, mode-switch latency and join time.
//
// It is an independent, deliberately small restatement of the
// who-hears-whom rules for the one call shape the load tester drives (a
// customer, an agent, a supervisor; hold; Listen, Whisper, Barge), written
// from docs/hear-matrix.md rather than imported from callcenter, so that a
// bug in the server's hear-matrix cannot hide itself here. A test checks
// the two agree on every state of that shape.
//
// # Judging a packet
//
// Each call has a Timeline: the state after each change, with the time the
// change was requested (recorded before the request leaves) and the time
// it was acknowledged. Between the two, either state may be in force. The
// server routes a packet when it processes it, at some moment between its
// send time (carried in its payload) and its arrival, so a packet is
// judged over [sent − grace, arrival]:
//
//   - OK: every state that may have been in force then lets the listener
//     hear the speaker;
//   - Grace: a switch was under way (or within grace of the send time) and
//     only some of those states allow it;
//   - Leak: no state that may have been in force allows it. A packet from
//     another call, from the listener itself, or that does not decode is
//     always a leak.
//
// The interval ends at the packet's arrival, not at a fixed bound: on an
// overloaded server a packet may wait in a queue and be routed by the
// state after a switch, which is what the server did, not a misroute.
// Its delay shows in the latency figures instead.
//
// A whisper leak is a leak that reached a customer from a supervisor: the
// worst failure the product can have. Chat whispers that reach a customer
// count as whisper leaks too. A PCI leak is a leak of customer audio at a
// supervisor while a PCI pause may have been in force (card numbers on the
// monitor path).
//
// # Expected packets and losses
//
// A packet is expected at a listener when every state that may have been
// in force over [sent − grace, sent + grace] allows it and both legs had
// been connected for at least the warm-up; a lost packet is an expected
// one that never arrived.
// Packets sent while a switch was under way are neither expected nor
// counted lost: they may legitimately go either way.
package oracle
