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
	// dtmfPT is the RFC 4733 telephone-event payload type and dtmfRate
	// its clock rate (0: not offered; the answer then has no DTMF).
	dtmfPT   uint8
	dtmfRate int
}

// fingerprint is one certificate fingerprint of the offer (RFC 8122).
type fingerprint struct {
	hash crypto.Hash
	sum  []byte
}

// offerTransport is everything about the client's transport an offer
// carries: ICE credentials, the DTLS certificate fingerprints and role, the
// BUNDLE group and each m-line's codec details.
type offerTransport struct {
	ufrag, pwd string
	// fingerprints are the offer's usable certificate fingerprints; the
	// client's certificate must match one (RFC 8122 section 5 allows
	// several, of different hash functions).
	fingerprints []fingerprint
	// dtlsClient is true when this side must be the DTLS client (the offer
	// said setup:passive); an actpass or active offer makes it the server.
	dtlsClient bool
	lines      []offerLine
	// bundle is the BUNDLE group's mids in the offer's order: the first is
	// the offerer-tagged m-line, which the answer keeps first (RFC 8843
	// section 7.3.1).
	bundle []string
	// tagged is the index of the offerer-tagged m-line: it carries the
	// shared transport, and the answer's candidates.
	tagged int
	// micSSRC is the SSRC the offer declares for its microphone (0: none
	// declared; the first one seen is then taken).
	micSSRC uint32
}

// parseOffer validates the offer's shape (checkShape) and extracts its
// transport. Earshot carries every m-line on one BUNDLEd transport, so the
// offer must bundle all of them in one group; the transport attributes are
// the tagged m-line's, falling back to the session level (RFC 8843 section
// 7.2: only the tagged m-line needs to carry them, and a bundle-only
// m-line may carry none).
func parseOffer(raw string, slots int) (offerTransport, error) {
	desc, err := unmarshalOffer(raw)
	if err != nil {
		return offerTransport{}, err
	}
	if err := checkShape(desc, slots); err != nil {
		return offerTransport{}, err
	}
	t := offerTransport{bundle: bundleGroup(desc), tagged: -1}
	for i, md := range desc.MediaDescriptions {
		pt, _ := opusPayloadTypeOf(md) // checkShape: present
		line := offerLine{pt: pt}
		if dpt, rate, ok := dtmfPayloadTypeOf(md); ok && dpt != pt {
			line.dtmfPT, line.dtmfRate = dpt, rate
		}
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
		switch {
		case line.mid == "":
			return offerTransport{}, fmt.Errorf("%w: m-line %d has no mid", ErrBadOffer, i)
		case len(line.mid) > 32:
			return offerTransport{}, fmt.Errorf("%w: m-line %d has a mid of %d bytes (at most 32)", ErrBadOffer, i, len(line.mid))
		case !slices.Contains(t.bundle, line.mid):
			return offerTransport{}, fmt.Errorf("%w: m-line %d (mid %s) is not in the BUNDLE group", ErrBadOffer, i, line.mid)
		}
		for _, prev := range t.lines {
			if prev.mid == line.mid {
				return offerTransport{}, fmt.Errorf("%w: m-line %d repeats mid %s", ErrBadOffer, i, line.mid)
			}
		}
		if line.mid == t.bundle[0] {
			t.tagged = i
		}
		t.lines = append(t.lines, line)
	}
	if len(t.bundle) != len(t.lines) {
		return offerTransport{}, fmt.Errorf("%w: the BUNDLE group names %d mids for %d m-lines", ErrBadOffer, len(t.bundle), len(t.lines))
	}
	if t.tagged < 0 {
		return offerTransport{}, fmt.Errorf("%w: no m-line has the tagged mid %s", ErrBadOffer, t.bundle[0])
	}
	if err := t.takeTransport(desc.Attributes, desc.MediaDescriptions[t.tagged].Attributes); err != nil {
		return offerTransport{}, err
	}
	return t, nil
}

// takeTransport reads ICE credentials, fingerprints and the DTLS role,
// the media level (the tagged m-line) overriding the session level.
func (t *offerTransport) takeTransport(session, media []sdp.Attribute) error {
	value := func(key string) string {
		for _, attrs := range [][]sdp.Attribute{media, session} {
			for _, a := range attrs {
				if a.Key == key {
					return a.Value
				}
			}
		}
		return ""
	}
	t.ufrag, t.pwd = value("ice-ufrag"), value("ice-pwd")
	switch {
	case t.ufrag == "" || t.pwd == "":
		return fmt.Errorf("%w: no ice-ufrag/ice-pwd", ErrBadOffer)
	case len(t.ufrag) > 256 || len(t.pwd) > 256:
		return fmt.Errorf("%w: ice credentials too long", ErrBadOffer)
	case !isICEChars(t.ufrag) || !isICEChars(t.pwd):
		return fmt.Errorf("%w: ice credentials use characters outside ice-char (RFC 8839)", ErrBadOffer)
	}
	// Media-level fingerprints replace session-level ones (RFC 8122
	// section 5); each must be well formed, and at least one must use a
	// hash function this side knows.
	fps := attributeValues(media, "fingerprint")
	if len(fps) == 0 {
		fps = attributeValues(session, "fingerprint")
	}
	var unknown []string
	for _, fp := range fps {
		algo, v, _ := strings.Cut(strings.TrimSpace(fp), " ")
		h, ok := fingerprintHashes[strings.ToLower(algo)]
		if !ok {
			unknown = append(unknown, algo)
			continue
		}
		sum, err := hex.DecodeString(strings.ReplaceAll(strings.TrimSpace(v), ":", ""))
		if err != nil || len(sum) != h.Size() {
			return fmt.Errorf("%w: malformed %s fingerprint", ErrBadOffer, algo)
		}
		t.fingerprints = append(t.fingerprints, fingerprint{hash: h, sum: sum})
	}
	if len(t.fingerprints) == 0 {
		return fmt.Errorf("%w: no usable certificate fingerprint (%q)", ErrBadOffer, strings.Join(unknown, ","))
	}
	switch setup := value("setup"); setup {
	case "", "actpass", "active":
	case "passive":
		t.dtlsClient = true
	default:
		return fmt.Errorf("%w: setup:%s", ErrBadOffer, setup)
	}
	return nil
}

// attributeValues returns the values of every attribute named key.
func attributeValues(attrs []sdp.Attribute, key string) []string {
	var out []string
	for _, a := range attrs {
		if a.Key == key {
			out = append(out, a.Value)
		}
	}
	return out
}

// isICEChars reports whether s uses only ice-char: ALPHA / DIGIT / "+" / "/"
// (RFC 8839 section 5.4). Credentials end up in STUN USERNAME comparisons
// and in the answer; nothing else may reach either.
func isICEChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '/') {
			return false
		}
	}
	return true
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
