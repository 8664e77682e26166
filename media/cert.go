package media

import (
	"crypto/tls"
	"time"

	"github.com/earshot/earshot/internal/dtlscert"
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
	c, err := dtlscert.New(dtlscert.Params{CommonName: "earshot", Lifetime: certificateLifetime})
	if err != nil {
		return identity{}, err
	}
	return identity{cert: c.TLS, fingerprint: c.Fingerprint}, nil
}
