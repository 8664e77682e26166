package media

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/pion/sdp/v3"
)

func TestBuildAnswer(t *testing.T) {
	ot, err := parseOffer(transportOffer, 3)
	if err != nil {
		t.Fatal(err)
	}
	raw := buildAnswer(answerParams{
		offer: ot, ufrag: "srvufrag", pwd: "serverpasswordserverpassword", fingerprint: "sha-256 AA:BB",
		candidates: []netip.AddrPort{netip.MustParseAddrPort("192.0.2.1:3478"), netip.MustParseAddrPort("[2001:db8::1]:3478")},
		ssrcs:      []uint32{11, 22, 33}, sessionID: 7,
	})
	var d sdp.SessionDescription
	if err := d.UnmarshalString(raw); err != nil {
		t.Fatalf("answer does not parse: %v\n%s", err, raw)
	}
	if _, ok := d.Attribute("ice-lite"); !ok {
		t.Fatal("not ice-lite")
	}
	if g, _ := d.Attribute("group"); g != "BUNDLE 0 1 2" {
		t.Fatalf("group %q", g)
	}
	wantDir := []string{"sendrecv", "sendonly", "sendonly"}
	wantPT := []string{"111", "111", "109"}
	for i, md := range d.MediaDescriptions {
		attr := func(k string) string { v, _ := md.Attribute(k); return v }
		if _, ok := md.Attribute(wantDir[i]); !ok {
			t.Errorf("m-line %d not %s", i, wantDir[i])
		}
		if md.MediaName.Formats[0] != wantPT[i] {
			t.Errorf("m-line %d pt %v", i, md.MediaName.Formats)
		}
		if attr("setup") != "passive" || attr("ice-ufrag") != "srvufrag" || attr("fingerprint") != "sha-256 AA:BB" {
			t.Errorf("m-line %d transport attributes", i)
		}
		if !strings.HasPrefix(attr("ssrc"), []string{"11 ", "22 ", "33 "}[i]) {
			t.Errorf("m-line %d ssrc %q", i, attr("ssrc"))
		}
		if _, ok := md.Attribute("rtcp-mux"); !ok {
			t.Errorf("m-line %d: no rtcp-mux", i)
		}
	}
	if !strings.Contains(raw, "a=extmap:3 "+audioLevelURI) || !strings.Contains(raw, "a=extmap:5 "+audioLevelURI) {
		t.Error("audio level IDs not echoed")
	}
	if strings.Count(raw, "a=candidate:") != 2 || !strings.Contains(raw, " 192.0.2.1 3478 typ host") || !strings.Contains(raw, " 2001:db8::1 3478 typ host") {
		t.Errorf("candidates:\n%s", raw)
	}

	t.Run("active when the offer is passive", func(t *testing.T) {
		ot.dtlsClient = true
		if a := buildAnswer(answerParams{offer: ot, ssrcs: []uint32{1, 2, 3}}); !strings.Contains(a, "a=setup:active") {
			t.Fatal(a)
		}
	})
}

func TestCandidatePriority(t *testing.T) {
	if candidatePriority(0) != 2130706431 || candidatePriority(1) >= candidatePriority(0) {
		t.Fatal(candidatePriority(0), candidatePriority(1))
	}
}
