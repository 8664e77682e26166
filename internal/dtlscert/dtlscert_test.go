package dtlscert

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"testing"
	"time"
)

func TestNew(t *testing.T) {
	c, err := New(Params{CommonName: "test", Lifetime: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("certificate", func(t *testing.T) {
		x, err := x509.ParseCertificate(c.TLS.Certificate[0])
		if err != nil {
			t.Fatal(err)
		}
		if x.Subject.CommonName != "test" {
			t.Fatalf("subject %q", x.Subject.CommonName)
		}
		now := time.Now()
		if now.Before(x.NotBefore) || now.After(x.NotAfter) || x.NotAfter.After(now.Add(25*time.Hour)) {
			t.Fatalf("validity %s..%s", x.NotBefore, x.NotAfter)
		}
		if _, ok := c.TLS.PrivateKey.(*ecdsa.PrivateKey); !ok {
			t.Fatalf("key %T", c.TLS.PrivateKey)
		}
	})
	t.Run("fingerprint", func(t *testing.T) {
		sum := sha256.Sum256(c.TLS.Certificate[0])
		if want := "sha-256 " + FingerprintHex(sum[:]); c.Fingerprint != want {
			t.Fatalf("fingerprint %q, want %q", c.Fingerprint, want)
		}
	})
}

func TestFingerprintHex(t *testing.T) {
	for _, tc := range []struct {
		in   []byte
		want string
	}{
		{nil, ""},
		{[]byte{0x0a}, "0A"},
		{[]byte{0xab, 0x01, 0xff}, "AB:01:FF"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			if got := FingerprintHex(tc.in); got != tc.want {
				t.Fatalf("FingerprintHex(% x) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
