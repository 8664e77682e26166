package media

import (
	"crypto/rand"
	"fmt"
	"math/big"

	"github.com/pion/dtls/v3"
	"github.com/pion/srtp/v3"
)

// srtpProfiles is the SRTP preference the SFU offers as DTLS server, which
// decides: AEAD-AES-128-GCM first (encryption and authentication in one
// pass, about 2.5x cheaper than AES-CM + HMAC-SHA1 in pion's benchmarks,
// supported by every current browser), AES-CM + HMAC-SHA1-80 for old
// clients.
var srtpProfiles = []dtls.SRTPProtectionProfile{dtls.SRTP_AEAD_AES_128_GCM, dtls.SRTP_AES128_CM_HMAC_SHA1_80}

// replayWindow is how far behind the newest packet a microphone's SRTP or
// SRTCP packet may arrive and still be accepted once (libsrtp's default).
// Audio arrives in order within a few packets; 128 packets is 2.5 s of Opus.
const replayWindow = 128

// srtpReceiveOptions are the options of every context that decrypts a
// client's packets: pion/srtp has no replay protection unless asked, and
// without it a packet captured on the path could be sent again and again
// and be forwarded to every listener each time (RFC 3711 section 3.3.2).
func srtpReceiveOptions() []srtp.ContextOption {
	return []srtp.ContextOption{srtp.SRTPReplayProtection(replayWindow), srtp.SRTCPReplayProtection(replayWindow)}
}

// srtpProfileOf maps the DTLS-negotiated profile to pion/srtp's.
func srtpProfileOf(p dtls.SRTPProtectionProfile) (srtp.ProtectionProfile, string, error) {
	switch p {
	case dtls.SRTP_AEAD_AES_128_GCM:
		return srtp.ProtectionProfileAeadAes128Gcm, "SRTP_AEAD_AES_128_GCM", nil
	case dtls.SRTP_AES128_CM_HMAC_SHA1_80:
		return srtp.ProtectionProfileAes128CmHmacSha1_80, "SRTP_AES128_CM_HMAC_SHA1_80", nil
	}
	return 0, "", fmt.Errorf("profile %d: %w", p, errNoSRTPProfile)
}

// randomString returns n characters of the ICE alphabet from crypto/rand.
func randomString(n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	max := big.NewInt(int64(len(alphabet)))
	b := make([]byte, n)
	for i := range b {
		v, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic(fmt.Sprintf("crypto/rand failed: %v", err)) // the OS has no entropy: nothing is safe
		}
		b[i] = alphabet[v.Int64()]
	}
	return string(b)
}
