package media

import (
	"fmt"
	"slices"
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

// maxOfferBytes bounds an offer before it is parsed. A browser's offer for
// Earshot's few audio m-lines is 2–6 KB; the largest seen (Firefox with
// every candidate form, three m-lines) is under 8 KB.
const maxOfferBytes = 64 << 10

// validateOffer checks that an offer has the single shape Earshot
// negotiates, before anything else reads it. Each error wraps ErrBadOffer
// and says which m-line is wrong and why.
func validateOffer(raw string, slots int) error {
	desc, err := unmarshalOffer(raw)
	if err != nil {
		return err
	}
	return checkShape(desc, slots)
}

// unmarshalOffer parses an offer of bounded size.
func unmarshalOffer(raw string) (*sdp.SessionDescription, error) {
	if len(raw) > maxOfferBytes {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrBadOffer, len(raw), maxOfferBytes)
	}
	var desc sdp.SessionDescription
	if err := desc.UnmarshalString(raw); err != nil {
		return nil, fmt.Errorf("%w: unparseable sdp: %v", ErrBadOffer, err)
	}
	return &desc, nil
}

// checkShape requires exactly `slots` audio m-lines offering Opus, the
// first sendrecv (the microphone and slot 0) and the others recvonly.
//
// Port 0 normally rejects an m-line (RFC 8866), with one exception from
// BUNDLE (RFC 8843 section 6, JSEP section 5.2.1): an m-line marked
// a=bundle-only is offered with port 0 and is accepted only inside a BUNDLE
// group whose tagged (first) m-line has a real port. Firefox offers every
// m-line after the first that way.
func checkShape(desc *sdp.SessionDescription, slots int) error {
	if n := len(desc.MediaDescriptions); n != slots {
		return fmt.Errorf("%w: %d m-lines, want exactly %d audio m-lines", ErrBadOffer, n, slots)
	}
	group := bundleGroup(desc)
	sessionDir := directionOf(desc.Attributes, dirSendrecv)
	for i, md := range desc.MediaDescriptions {
		if md.MediaName.Media != "audio" {
			return fmt.Errorf("%w: m-line %d is %q, want audio", ErrBadOffer, i, md.MediaName.Media)
		}
		if md.MediaName.Port.Value == 0 {
			if !hasAttribute(md.Attributes, "bundle-only") {
				return fmt.Errorf("%w: m-line %d is rejected (port 0)", ErrBadOffer, i)
			}
			mid, _ := md.Attribute("mid")
			if len(group) == 0 || mid == "" || !slices.Contains(group[1:], mid) {
				return fmt.Errorf("%w: m-line %d is bundle-only (port 0) but not bundled behind a tagged m-line", ErrBadOffer, i)
			}
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

// bundleGroup returns the mids of the offer's first BUNDLE group, the
// offerer-tagged mid first (RFC 8843 section 7.2), or nil.
func bundleGroup(desc *sdp.SessionDescription) []string {
	for _, a := range desc.Attributes {
		if a.Key != "group" {
			continue
		}
		if f := strings.Fields(a.Value); len(f) > 0 && f[0] == "BUNDLE" {
			return f[1:]
		}
	}
	return nil
}

// hasAttribute reports whether attrs hold a property attribute key.
func hasAttribute(attrs []sdp.Attribute, key string) bool {
	for _, a := range attrs {
		if a.Key == key {
			return true
		}
	}
	return false
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
	_, ok := opusPayloadTypeOf(md)
	return ok
}

// opusPayloadTypeOf returns the first payload type, in the m-line's format
// order (the offerer's preference), whose rtpmap is opus/48000.
func opusPayloadTypeOf(md *sdp.MediaDescription) (uint8, bool) {
	return payloadTypeOf(md, "opus", opusClockRate)
}

// dtmfPayloadTypeOf returns the RFC 4733 telephone-event payload type to
// answer and its clock rate: telephone-event/48000 when offered (the rate
// of the Opus stream it shares a sequence space with, as RFC 4733 section
// 2.1 asks), else telephone-event/8000 (Firefox offers only that; the
// digits decode the same at either rate). ok is false when neither is
// offered: the leg then has no DTMF.
func dtmfPayloadTypeOf(md *sdp.MediaDescription) (pt uint8, rate int, ok bool) {
	for _, r := range []int{opusClockRate, 8000} {
		if pt, ok := payloadTypeOf(md, "telephone-event", r); ok {
			return pt, r, true
		}
	}
	return 0, 0, false
}

// payloadTypeOf returns the first dynamic payload type, in the m-line's
// format order, whose rtpmap names codec at rate.
func payloadTypeOf(md *sdp.MediaDescription, codecName string, wantRate int) (uint8, bool) {
	for _, f := range md.MediaName.Formats {
		for _, a := range md.Attributes {
			if a.Key != "rtpmap" {
				continue
			}
			pt, codec, ok := strings.Cut(a.Value, " ")
			if !ok || pt != f {
				continue
			}
			parts := strings.Split(strings.TrimSpace(codec), "/")
			if len(parts) < 2 || !strings.EqualFold(parts[0], codecName) {
				continue
			}
			if rate, err := strconv.Atoi(parts[1]); err != nil || rate != wantRate {
				continue
			}
			// Dynamic payload types only (RFC 3551): 96–127.
			if n, err := strconv.ParseUint(pt, 10, 7); err == nil && n >= 96 {
				return uint8(n), true
			}
		}
	}
	return 0, false
}
