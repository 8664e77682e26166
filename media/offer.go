package media

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"
)

// SDP direction attribute names (RFC 8866 section 6.7).
const (
	dirSendrecv = "sendrecv"
	dirRecvonly = "recvonly"
	dirSendonly = "sendonly"
	dirInactive = "inactive"
)

// validateOffer checks that an offer has the single shape Earshot
// negotiates, before pion's PeerConnection sees it: pion accepts many shapes
// and would happily create transceivers Earshot never forwards to, or bind
// the slot tracks to the wrong m-lines. Each error wraps ErrBadOffer and says
// which m-line is wrong and why.
func validateOffer(raw string, slots int) error {
	var desc sdp.SessionDescription
	if err := desc.UnmarshalString(raw); err != nil {
		return fmt.Errorf("%w: unparseable sdp: %v", ErrBadOffer, err)
	}
	if n := len(desc.MediaDescriptions); n != slots {
		return fmt.Errorf("%w: %d m-lines, want exactly %d audio m-lines", ErrBadOffer, n, slots)
	}
	sessionDir := directionOf(desc.Attributes, dirSendrecv)
	for i, md := range desc.MediaDescriptions {
		if md.MediaName.Media != "audio" {
			return fmt.Errorf("%w: m-line %d is %q, want audio", ErrBadOffer, i, md.MediaName.Media)
		}
		if md.MediaName.Port.Value == 0 {
			return fmt.Errorf("%w: m-line %d is rejected (port 0)", ErrBadOffer, i)
		}
		if !offersOpus(md) {
			return fmt.Errorf("%w: m-line %d offers no opus/48000/2", ErrBadOffer, i)
		}
		want := dirRecvonly
		if i == 0 {
			want = dirSendrecv
		}
		if got := directionOf(md.Attributes, sessionDir); got != want {
			return fmt.Errorf("%w: m-line %d is %s, want %s", ErrBadOffer, i, got, want)
		}
	}
	return nil
}

// directionOf returns the direction attribute among attrs, or def when there
// is none (media level inherits session level, which defaults to sendrecv).
func directionOf(attrs []sdp.Attribute, def string) string {
	for _, a := range attrs {
		switch a.Key {
		case dirSendrecv, dirRecvonly, dirSendonly, dirInactive:
			return a.Key
		}
	}
	return def
}

// offersOpus reports whether an m-line lists a payload type whose rtpmap is
// opus/48000 (channel count 2 per RFC 7587, tolerated when omitted).
func offersOpus(md *sdp.MediaDescription) bool {
	formats := make(map[string]bool, len(md.MediaName.Formats))
	for _, f := range md.MediaName.Formats {
		formats[f] = true
	}
	for _, a := range md.Attributes {
		if a.Key != "rtpmap" {
			continue
		}
		pt, codec, ok := strings.Cut(a.Value, " ")
		if !ok || !formats[pt] {
			continue
		}
		parts := strings.Split(strings.TrimSpace(codec), "/")
		if len(parts) < 2 || !strings.EqualFold(parts[0], "opus") {
			continue
		}
		if rate, err := strconv.Atoi(parts[1]); err == nil && rate == opusClockRate {
			return true
		}
	}
	return false
}
