package media

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

// certificateLifetime is how long the SFU's self-signed DTLS certificate
// is valid. WebRTC checks the fingerprint, not the validity, but browsers
// refuse certificates that expired; the SFU makes a new one at each start.
const certificateLifetime = 30 * 24 * time.Hour

// identity is the SFU's DTLS certificate: one for every leg. Generating an
// ECDSA key per PeerConnection, as a browser does, would cost a
// millisecond of CPU per join for no gain: the fingerprint in each answer
// binds the certificate to the signaling that carried it.
type identity struct {
	cert        tls.Certificate
	fingerprint string // SDP form: "sha-256 AB:CD:..."
}

func newIdentity() (identity, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return identity{}, fmt.Errorf("certificate key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return identity{}, fmt.Errorf("certificate serial: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "earshot"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(certificateLifetime),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return identity{}, fmt.Errorf("certificate: %w", err)
	}
	return identity{
		cert:        tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key},
		fingerprint: "sha-256 " + fingerprintHex(sha256Sum(der)),
	}, nil
}

func sha256Sum(b []byte) []byte {
	s := sha256.Sum256(b)
	return s[:]
}

// fingerprintHex formats a digest as SDP does: uppercase hex pairs joined
// by colons.
func fingerprintHex(sum []byte) string {
	h := strings.ToUpper(hex.EncodeToString(sum))
	parts := make([]string, 0, len(sum))
	for i := 0; i < len(h); i += 2 {
		parts = append(parts, h[i:i+2])
	}
	return strings.Join(parts, ":")
}
