package leanrtc

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/pion/dtls/v3"
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
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("stack key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, fmt.Errorf("stack serial: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "earshot-loadtest"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(30 * 24 * time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("stack certificate: %w", err)
	}
	profiles := []dtls.SRTPProtectionProfile{dtls.SRTP_AES128_CM_HMAC_SHA1_80, dtls.SRTP_AEAD_AES_128_GCM}
	if p.PreferGCM {
		profiles[0], profiles[1] = profiles[1], profiles[0]
	}
	return &Stack{
		cert:        tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key},
		fingerprint: "sha-256 " + fingerprintOf(der),
		profiles:    profiles,
	}, nil
}

// fingerprintOf formats the SHA-256 of a DER certificate as SDP wants it.
func fingerprintOf(der []byte) string {
	sum := sha256.Sum256(der)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}
