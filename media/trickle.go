package media

import (
	"strconv"
	"strings"
)

// maxCandidateBytes bounds a trickled candidate line.
const maxCandidateBytes = 1024

// checkCandidate checks the syntax of a trickled candidate attribute
// (RFC 8839 section 5.1), as a browser's RTCIceCandidate.candidate carries
// it: "candidate:<foundation> <component> <transport> <priority> <address>
// <port> typ <type> [extensions]". The SFU never uses trickled candidates
// (it is ICE-lite and learns paths from the client's checks), so only the
// syntax is checked: unknown transports, types and extensions and mDNS
// host names pass, as they must for future browsers. "" (the end of
// candidates) is valid.
func checkCandidate(c string) bool {
	if c == "" {
		return true
	}
	if len(c) > maxCandidateBytes {
		return false
	}
	c = strings.TrimPrefix(c, "a=")
	c = strings.TrimPrefix(c, "candidate:")
	f := strings.Fields(c)
	if len(f) < 8 || f[6] != "typ" || !isToken(f[0]) || !isToken(f[2]) || !isToken(f[7]) || f[4] == "" {
		return false
	}
	if comp, err := strconv.ParseUint(f[1], 10, 16); err != nil || comp < 1 || comp > 256 {
		return false
	}
	if _, err := strconv.ParseUint(f[3], 10, 32); err != nil {
		return false
	}
	if _, err := strconv.ParseUint(f[5], 10, 16); err != nil {
		return false
	}
	return len(f)%2 == 0 // extensions come as name-value pairs
}

// isToken reports whether s is a non-empty run of printable ASCII.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}
