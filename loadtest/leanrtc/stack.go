package leanrtc

import (
	"crypto/sha256"
	"crypto/tls"
	"fmt"
	"time"

	"github.com/pion/dtls/v3"

	"github.com/earshot/earshot/internal/dtlscert"
)

// Stack is what all endpoints of one load tester share: the DTLS
// certificate (generating an ECDSA key per leg would cost a lot of CPU
// during ramp-up for nothing) and the SRTP profiles offered.
type Stack struct {
	cert        tls.Certificate
	fingerprint string // "sha-256 AB:CD:..."
	profiles    []dtls.SRTPProtectionProfile
}

// StackParams configures NewStack.
type StackParams struct {
	// PreferGCM lists AEAD-AES-128-GCM before AES128-CM-HMAC-SHA1-80 in
	// this client's DTLS preferences. The DTLS server's order decides, so
	// with PreferGCM false the negotiated profile shows the server's own
	// preference whenever the server is the DTLS server.
	PreferGCM bool
}

// NewStack creates the shared certificate.
func NewStack(p StackParams) (*Stack, error) {
	cert, err := dtlscert.New(dtlscert.Params{CommonName: "earshot-loadtest", Lifetime: 30 * 24 * time.Hour})
	if err != nil {
		return nil, fmt.Errorf("stack: %w", err)
	}
	profiles := []dtls.SRTPProtectionProfile{dtls.SRTP_AES128_CM_HMAC_SHA1_80, dtls.SRTP_AEAD_AES_128_GCM}
	if p.PreferGCM {
		profiles[0], profiles[1] = profiles[1], profiles[0]
	}
	return &Stack{
		cert:        cert.TLS,
		fingerprint: cert.Fingerprint,
		profiles:    profiles,
	}, nil
}

// fingerprintOf formats the SHA-256 of a DER certificate as SDP wants it.
func fingerprintOf(der []byte) string {
	sum := sha256.Sum256(der)
	return dtlscert.FingerprintHex(sum[:])
}
