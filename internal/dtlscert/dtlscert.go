// Package dtlscert makes the self-signed ECDSA P-256 certificate a WebRTC
// peer presents in its DTLS handshake, and its SDP fingerprint. The SFU
// (media) and the load tester's client (loadtest/leanrtc) each make one
// per process and share it across every leg: WebRTC authenticates the
// certificate by the fingerprint carried in the signaling, not by a CA,
// so a key per connection would only cost CPU.
package dtlscert

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// Params configures New.
type Params struct {
	// CommonName is the certificate's subject (informational only).
	CommonName string
	// Lifetime is how long the certificate stays valid from now. WebRTC
	// checks the fingerprint, not the validity, but browsers refuse
	// certificates that expired.
	Lifetime time.Duration
}

// Certificate is a DTLS certificate and its SDP fingerprint.
type Certificate struct {
	// TLS is the certificate with its private key, for dtls.Config.
	TLS tls.Certificate
	// Fingerprint is the SDP a=fingerprint value: "sha-256 AB:CD:...".
	Fingerprint string
}

// New generates a key and a self-signed certificate. Its validity starts
// an hour ago so that a peer whose clock is a little behind accepts it.
func New(p Params) (Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return Certificate{}, fmt.Errorf("certificate key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return Certificate{}, fmt.Errorf("certificate serial: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: p.CommonName},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(p.Lifetime),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return Certificate{}, fmt.Errorf("certificate: %w", err)
	}
	sum := sha256.Sum256(der)
	return Certificate{
		TLS:         tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key},
		Fingerprint: "sha-256 " + FingerprintHex(sum[:]),
	}, nil
}

// FingerprintHex formats a digest as SDP does: uppercase hex pairs joined
// by colons.
func FingerprintHex(sum []byte) string {
	h := strings.ToUpper(hex.EncodeToString(sum))
	parts := make([]string, 0, len(sum))
	for i := 0; i < len(h); i += 2 {
		parts = append(parts, h[i:i+2])
	}
	return strings.Join(parts, ":")
}
