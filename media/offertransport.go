package media

import (
	"crypto"
	_ "crypto/sha1"   // fingerprint algorithms an offer may name
	_ "crypto/sha256" // (registered for crypto.Hash.New)
	_ "crypto/sha512"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"
)

// audioLevelURI is the RFC 6464 client-to-mixer audio level extension.
const audioLevelURI = sdp.AudioLevelURI

// fingerprintHashes are the certificate fingerprint algorithms accepted
// (RFC 8122 names).
var fingerprintHashes = map[string]crypto.Hash{
	"sha-1":   crypto.SHA1,
	"sha-224": crypto.SHA224,
	"sha-256": crypto.SHA256,
	"sha-384": crypto.SHA384,
	"sha-512": crypto.SHA512,
}

// offerLine is what one offered m-line negotiates.
type offerLine struct {
	mid string
	// pt is the payload type the client uses for Opus on this m-line; the
	// slot writes its packets with it.
	pt uint8
	// audioLevelID is the RFC 6464 extension ID (0: not offered).
	audioLevelID uint8
}

// offerTransport is everything about the client's transport an offer
// carries: ICE credentials, the DTLS certificate fingerprint and role, the
// BUNDLE group and each m-line's codec details.
type offerTransport struct {
	ufrag, pwd  string
	hash        crypto.Hash
	fingerprint []byte
	// dtlsClient is true when this side must be the DTLS client (the offer
	// said setup:passive); an actpass or active offer makes it the server.
	dtlsClient bool
	lines      []offerLine
	// micSSRC is the SSRC the offer declares for its microphone (0: none
	// declared; the first one seen is then taken).
	micSSRC uint32
}

// parseOffer validates the offer's shape (validateOffer) and extracts its
// transport. Earshot carries every m-line on one BUNDLEd transport, so the
// offer must bundle all of them.
func parseOffer(raw string, slots int) (offerTransport, error) {
	if err := validateOffer(raw, slots); err != nil {
		return offerTransport{}, err
	}
	var desc sdp.SessionDescription
	if err := desc.UnmarshalString(raw); err != nil {
		return offerTransport{}, fmt.Errorf("%w: unparseable sdp: %v", ErrBadOffer, err)
	}
	var t offerTransport
	fp := ""
	setup := ""
	take := func(attrs []sdp.Attribute) {
		for _, a := range attrs {
			switch a.Key {
			case "ice-ufrag":
				t.ufrag = a.Value
			case "ice-pwd":
				t.pwd = a.Value
			case "fingerprint":
				fp = a.Value
			case "setup":
				setup = a.Value
			}
		}
	}
	take(desc.Attributes)
	var bundle []string
	for _, a := range desc.Attributes {
		if a.Key == "group" {
			if f := strings.Fields(a.Value); len(f) > 0 && f[0] == "BUNDLE" {
				bundle = f[1:]
			}
		}
	}
	for i, md := range desc.MediaDescriptions {
		if i == 0 {
			take(md.Attributes)
		}
		line := offerLine{pt: opusPayloadTypeOf(md)}
		for _, a := range md.Attributes {
			switch a.Key {
			case "mid":
				line.mid = a.Value
			case "extmap":
				if id, ok := extmapID(a.Value, audioLevelURI); ok {
					line.audioLevelID = id
				}
			case "ssrc":
				if i == 0 && t.micSSRC == 0 {
					v, _, _ := strings.Cut(a.Value, " ")
					if n, err := strconv.ParseUint(v, 10, 32); err == nil {
						t.micSSRC = uint32(n)
					}
				}
			}
		}
		if line.mid == "" {
			return offerTransport{}, fmt.Errorf("%w: m-line %d has no mid", ErrBadOffer, i)
		}
		if !slices.Contains(bundle, line.mid) {
			return offerTransport{}, fmt.Errorf("%w: m-line %d (mid %s) is not in the BUNDLE group", ErrBadOffer, i, line.mid)
		}
		t.lines = append(t.lines, line)
	}
	switch {
	case t.ufrag == "" || t.pwd == "":
		return offerTransport{}, fmt.Errorf("%w: no ice-ufrag/ice-pwd", ErrBadOffer)
	case len(t.ufrag) > 256 || len(t.pwd) > 256:
		return offerTransport{}, fmt.Errorf("%w: ice credentials too long", ErrBadOffer)
	}
	algo, value, _ := strings.Cut(strings.TrimSpace(fp), " ")
	h, ok := fingerprintHashes[strings.ToLower(algo)]
	if !ok {
		return offerTransport{}, fmt.Errorf("%w: no usable certificate fingerprint (%q)", ErrBadOffer, algo)
	}
	sum, err := hex.DecodeString(strings.ReplaceAll(strings.TrimSpace(value), ":", ""))
	if err != nil || len(sum) != h.Size() {
		return offerTransport{}, fmt.Errorf("%w: malformed %s fingerprint", ErrBadOffer, algo)
	}
	t.hash, t.fingerprint = h, sum
	switch setup {
	case "", "actpass", "active":
	case "passive":
		t.dtlsClient = true
	default:
		return offerTransport{}, fmt.Errorf("%w: setup:%s", ErrBadOffer, setup)
	}
	return t, nil
}

// opusPayloadTypeOf returns the first payload type of the m-line's formats
// whose rtpmap is opus/48000 (validateOffer guarantees there is one).
func opusPayloadTypeOf(md *sdp.MediaDescription) uint8 {
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
			if len(parts) >= 2 && strings.EqualFold(parts[0], "opus") && parts[1] == strconv.Itoa(opusClockRate) {
				if n, err := strconv.ParseUint(pt, 10, 7); err == nil {
					return uint8(n)
				}
			}
		}
	}
	return opusPayloadType
}

// extmapID parses "id[/direction] uri ..." and returns id if uri matches.
func extmapID(v, uri string) (uint8, bool) {
	f := strings.Fields(v)
	if len(f) < 2 || f[1] != uri {
		return 0, false
	}
	idStr, _, _ := strings.Cut(f[0], "/")
	id, err := strconv.Atoi(idStr)
	if err != nil || id < 1 || id > 14 {
		return 0, false
	}
	return uint8(id), true
}
