// Package mediatest is a scriptable WebRTC client for testing Earshot's
// media path without a browser. It is used by media's own tests and by the
// integration tests of the packages above it.
//
// A Client negotiates exactly like an Earshot browser client: one offer with
// Slots audio m-lines (the first sendrecv: microphone and receive slot 0;
// the rest recvonly: slots 1..Slots-1), a non-trickle offer created after
// ICE gathering, one answer, and never a renegotiation. Typical use:
//
//	c, err := mediatest.NewClient(mediatest.ClientParams{Speaker: "agent-1"})
//	offer, err := c.Offer(ctx)
//	leg, err := group.AddLeg(ctx, media.LegParams{ID: "agent-1", Offer: offer})
//	err = c.SetAnswer(leg.Answer())
//	err = c.WaitConnected(ctx)
//	c.StartSending()
//	err = other.WaitReceived(ctx, "agent-1", 50)
//
// The synthetic microphone sends one RTP packet every 20 ms. Its payload
// (EncodePayload) is a valid, silent Opus packet whose padding carries the
// speaker tag, a sequence number and the send time, so every receiver can
// tell exactly whom it hears — which is what the hear-matrix tests assert.
//
// What a client receives is counted per speaker (Received, ReceivedAll,
// WaitReceived) and per slot (SlotStats): SSRC changes, sequence
// discontinuities and timestamps going backwards, which must all stay zero
// across the SFU's source switches, plus marker bits and audio-level
// extensions. Renegotiations counts any negotiation event after the answer.
// The RTCP the client receives is recorded too: the last sender report per
// SSRC with the slot's count at its arrival (SenderReport), and the last
// reception report about its microphone (MicReport).
//
// By default a client uses only 127.0.0.1, gathering a single host
// candidate; set ClientParams.ListenIP for other setups.
package mediatest
