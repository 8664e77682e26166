package media

import (
	"context"
	"fmt"

	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// negotiated is what answering an offer produced.
type negotiated struct {
	answer  string
	tracks  []*webrtc.TrackLocalStaticRTP
	senders []*webrtc.RTPSender
	mic     *webrtc.RTPReceiver
	// micAudioLevelID and slotAudioLevelIDs are the RFC 6464 extension IDs
	// negotiated for the microphone and each slot (0: none).
	micAudioLevelID   uint8
	slotAudioLevelIDs []uint8
}

// negotiate answers an already validated offer on pc: it sets the remote
// offer, binds one Opus track per slot to the offered m-lines (pion's
// AddTrack takes the first unused audio transceiver, i.e. m-line order), and
// returns the answer once ICE gathering is complete, so no trickle is needed
// towards the client.
func negotiate(ctx context.Context, pc *webrtc.PeerConnection, offer string, slots int) (*negotiated, error) {
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return nil, fmt.Errorf("%w: set remote description: %v", ErrBadOffer, err)
	}
	trs := pc.GetTransceivers()
	if len(trs) != slots {
		return nil, fmt.Errorf("%d transceivers for %d slots: %w", len(trs), slots, errSlotBinding)
	}

	n := &negotiated{
		tracks:            make([]*webrtc.TrackLocalStaticRTP, slots),
		senders:           make([]*webrtc.RTPSender, slots),
		mic:               trs[0].Receiver(),
		slotAudioLevelIDs: make([]uint8, slots),
	}
	for i := range slots {
		id := fmt.Sprintf("slot%d", i)
		// Each slot is its own stream, so a browser plays each through its
		// own MediaStream and element.
		track, err := webrtc.NewTrackLocalStaticRTP(opusCapability(), id, "earshot-"+id)
		if err != nil {
			return nil, fmt.Errorf("slot %d track: %w", i, err)
		}
		sender, err := pc.AddTrack(track)
		if err != nil {
			return nil, fmt.Errorf("slot %d add track: %w", i, err)
		}
		// The whole design rests on this binding; check it, don't trust it.
		if trs[i].Sender() != sender {
			return nil, fmt.Errorf("slot %d: %w", i, errSlotBinding)
		}
		n.tracks[i] = track
		n.senders[i] = sender
		n.slotAudioLevelIDs[i] = audioLevelID(sender.GetParameters().HeaderExtensions)
	}
	if n.mic != nil {
		n.micAudioLevelID = audioLevelID(n.mic.GetParameters().HeaderExtensions)
	}

	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		return nil, fmt.Errorf("create answer: %w", err)
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(answer); err != nil {
		return nil, fmt.Errorf("set local description: %w", err)
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		return nil, fmt.Errorf("gathering candidates: %w", ctx.Err())
	}
	local := pc.LocalDescription()
	if local == nil {
		return nil, errNoAnswer
	}
	n.answer = local.SDP
	return n, nil
}

// audioLevelID finds the negotiated ID of the RFC 6464 audio level
// extension; 0 when it was not negotiated (valid IDs are 1..14).
func audioLevelID(exts []webrtc.RTPHeaderExtensionParameter) uint8 {
	for _, e := range exts {
		if e.URI == sdp.AudioLevelURI && e.ID > 0 && e.ID < 15 {
			return uint8(e.ID)
		}
	}
	return 0
}
