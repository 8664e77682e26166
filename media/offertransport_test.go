package media

import (
	"crypto"
	"errors"
	"strings"
	"testing"
)

// transportOffer is goodOffer with the transport attributes a real client
// sends: ICE credentials, fingerprint, setup, mids, audio level, SSRC.
var transportOffer = strings.NewReplacer(
	"t=0 0\r\n", "t=0 0\r\na=fingerprint:sha-256 "+strings.Repeat("AB:", 31)+"AB\r\n",
	"a=mid:0\r\n", "a=mid:0\r\na=ice-ufrag:cli1\r\na=ice-pwd:clientpasswordclientpassword\r\na=setup:actpass\r\na=extmap:3 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\na=ssrc:424242 cname:x\r\n",
	"a=mid:2\r\n", "a=mid:2\r\na=extmap:5/sendrecv urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n",
).Replace(goodOffer)

func TestParseOffer(t *testing.T) {
	ot, err := parseOffer(transportOffer, 3)
	if err != nil {
		t.Fatal(err)
	}
	if ot.ufrag != "cli1" || ot.pwd != "clientpasswordclientpassword" || len(ot.fingerprints) != 1 || ot.fingerprints[0].hash != crypto.SHA256 || len(ot.fingerprints[0].sum) != 32 || ot.fingerprints[0].sum[0] != 0xAB {
		t.Fatalf("transport %+v", ot)
	}
	if ot.dtlsClient || ot.micSSRC != 424242 {
		t.Fatalf("role/ssrc %+v", ot)
	}
	want := []offerLine{{mid: "0", pt: 111, audioLevelID: 3}, {mid: "1", pt: 111}, {mid: "2", pt: 109, audioLevelID: 5}}
	for i, l := range ot.lines {
		if l != want[i] {
			t.Errorf("line %d = %+v, want %+v", i, l, want[i])
		}
	}

	t.Run("passive offer makes this side the DTLS client", func(t *testing.T) {
		ot, err := parseOffer(strings.Replace(transportOffer, "setup:actpass", "setup:passive", 1), 3)
		if err != nil || !ot.dtlsClient {
			t.Fatalf("%v %+v", err, ot)
		}
	})

	bad := map[string]struct{ offer, reason string }{
		"shape":             {strings.Replace(transportOffer, "a=recvonly", "a=sendrecv", 1), "m-line 1 is sendrecv"},
		"no bundle":         {strings.Replace(transportOffer, "a=group:BUNDLE 0 1 2\r\n", "", 1), "not in the BUNDLE group"},
		"partial bundle":    {strings.Replace(transportOffer, "BUNDLE 0 1 2", "BUNDLE 0 1", 1), "mid 2"},
		"no mid":            {strings.Replace(transportOffer, "a=mid:1\r\n", "", 1), "m-line 1 has no mid"},
		"no ice":            {strings.Replace(transportOffer, "a=ice-ufrag:cli1\r\n", "", 1), "ice-ufrag"},
		"no fingerprint":    {strings.Replace(transportOffer, "a=fingerprint:", "a=x-fingerprint:", 1), "fingerprint"},
		"short fingerprint": {strings.Replace(transportOffer, "AB:AB\r\n", "AB\r\n", 1), "malformed"},
		"md5 fingerprint":   {strings.Replace(transportOffer, "sha-256", "md5", 1), "fingerprint"},
		"holdconn setup":    {strings.Replace(transportOffer, "setup:actpass", "setup:holdconn", 1), "setup:holdconn"},
	}
	for name, c := range bad {
		t.Run(name, func(t *testing.T) {
			_, err := parseOffer(c.offer, 3)
			if !errors.Is(err, ErrBadOffer) || !strings.Contains(err.Error(), c.reason) {
				t.Fatalf("got %v, want ErrBadOffer with %q", err, c.reason)
			}
		})
	}
}
