package leanrtc

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"
)

// dtlsRole is which side of the DTLS handshake this client plays.
type dtlsRole int

const (
	roleUnknown dtlsRole = iota
	roleClient
	roleServer
)

// String names the role as SDP's setup attribute would for this side.
func (r dtlsRole) String() string {
	switch r {
	case roleClient:
		return "active"
	case roleServer:
		return "passive"
	}
	return "unknown"
}

// answer is what the client needs from the server's SDP answer.
type answer struct {
	ufrag, pwd  string
	fingerprint string // uppercase hex with colons, sha-256
	role        dtlsRole
	candidate   netip.AddrPort
	// audioLevelID is the extension ID for the audio level on the
	// microphone m-line (0: not negotiated, do not send it).
	audioLevelID uint8
}

// parseAnswer extracts ICE credentials, the DTLS fingerprint and role, the
// first IPv4 UDP host candidate and the audio-level extension ID. Session-
// level attributes are used when a media section lacks them.
func parseAnswer(raw string) (answer, error) {
	var d sdp.SessionDescription
	if err := d.UnmarshalString(raw); err != nil {
		return answer{}, fmt.Errorf("%w: %v", ErrBadAnswer, err)
	}
	if len(d.MediaDescriptions) == 0 {
		return answer{}, fmt.Errorf("%w: no media", ErrBadAnswer)
	}
	var a answer
	take := func(attrs []sdp.Attribute) {
		for _, at := range attrs {
			switch at.Key {
			case "ice-ufrag":
				a.ufrag = at.Value
			case "ice-pwd":
				a.pwd = at.Value
			case "fingerprint":
				if algo, fp, ok := strings.Cut(at.Value, " "); ok && strings.EqualFold(algo, "sha-256") {
					a.fingerprint = strings.ToUpper(strings.TrimSpace(fp))
				}
			case "setup":
				switch at.Value {
				case "active":
					a.role = roleServer // the server connects: we accept
				case "passive":
					a.role = roleClient
				}
			case "candidate":
				if a.candidate.IsValid() {
					continue
				}
				if ap, ok := hostCandidate(at.Value); ok {
					a.candidate = ap
				}
			}
		}
	}
	take(d.Attributes)
	first := d.MediaDescriptions[0]
	take(first.Attributes)
	for _, at := range first.Attributes {
		if at.Key != "extmap" {
			continue
		}
		id, uri, ok := strings.Cut(at.Value, " ")
		if !ok || strings.TrimSpace(uri) != audioLevelURI {
			continue
		}
		id, _, _ = strings.Cut(id, "/")
		if n, err := strconv.Atoi(id); err == nil && n > 0 && n < 15 {
			a.audioLevelID = uint8(n)
		}
	}
	switch {
	case a.ufrag == "" || a.pwd == "":
		return answer{}, fmt.Errorf("%w: no ice credentials", ErrBadAnswer)
	case a.fingerprint == "":
		return answer{}, fmt.Errorf("%w: no sha-256 fingerprint", ErrBadAnswer)
	case a.role == roleUnknown:
		return answer{}, fmt.Errorf("%w: setup must be active or passive", ErrBadAnswer)
	case !a.candidate.IsValid():
		return answer{}, fmt.Errorf("%w: no udp ipv4 host candidate", ErrBadAnswer)
	}
	return a, nil
}

// hostCandidate parses "foundation component udp priority ip port typ host
// ..." and returns the address of an IPv4 UDP RTP candidate.
func hostCandidate(v string) (netip.AddrPort, bool) {
	f := strings.Fields(v)
	if len(f) < 8 || f[1] != "1" || !strings.EqualFold(f[2], "udp") || f[6] != "typ" {
		return netip.AddrPort{}, false
	}
	ip, err := netip.ParseAddr(f[4])
	if err != nil || !ip.Is4() {
		return netip.AddrPort{}, false
	}
	port, err := strconv.ParseUint(f[5], 10, 16)
	if err != nil || port == 0 {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(ip, uint16(port)), true
}
