package media

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/stun/v4"
)

// sdpAttr returns the first "a=key:value" value of an SDP.
func sdpAttr(sdp, key string) string {
	for _, line := range strings.Split(sdp, "\r\n") {
		if v, ok := strings.CutPrefix(line, "a="+key+":"); ok {
			return v
		}
	}
	return ""
}

// check is one ICE connectivity check as a controlling client sends it.
func check(t *testing.T, username, pwd string, useCandidate bool) (*stun.Message, [stun.TransactionIDSize]byte) {
	t.Helper()
	tid := stun.NewTransactionID()
	setters := []stun.Setter{stun.BindingRequest, stun.NewTransactionIDSetter(tid), stun.NewUsername(username), ice.AttrControlling(7), ice.PriorityAttr(1)}
	if useCandidate {
		setters = append(setters, ice.UseCandidate())
	}
	setters = append(setters, stun.NewShortTermIntegrity(pwd), stun.Fingerprint)
	m, err := stun.Build(setters...)
	if err != nil {
		t.Fatal(err)
	}
	return m, tid
}

// TestICELite: the SFU answers only checks that authenticate, and takes
// the nominated address as the leg's path.
func TestICELite(t *testing.T) {
	s := newTestSFU(t, testConfig())
	offer := offerOf(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), connectDeadline)
	defer cancel()
	l, err := s.NewGroup("ice").AddLeg(ctx, LegParams{ID: "I", Offer: offer})
	if err != nil {
		t.Fatal(err)
	}
	srvUfrag, srvPwd := sdpAttr(l.Answer(), "ice-ufrag"), sdpAttr(l.Answer(), "ice-pwd")
	cliUfrag := sdpAttr(offer, "ice-ufrag")
	if srvUfrag == "" || len(srvPwd) < 22 || sdpAttr(l.Answer(), "setup") != "passive" {
		t.Fatalf("answer transport: %q %q", srvUfrag, srvPwd)
	}

	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	me := conn.LocalAddr().(*net.UDPAddr).AddrPort()
	server := s.UDPAddr().(*net.UDPAddr)

	// Refused checks first, then a good one: the first answer must be for
	// the good one, so the others were dropped, without waiting for
	// silence.
	bad := []*stun.Message{}
	m, _ := check(t, srvUfrag+":"+cliUfrag, "wrong password for this leg", true)
	bad = append(bad, m)
	m, _ = check(t, "nosuchufrag:"+cliUfrag, srvPwd, true)
	bad = append(bad, m)
	m, _ = check(t, srvUfrag+":someoneelse", srvPwd, true)
	bad = append(bad, m)
	good, tid := check(t, srvUfrag+":"+cliUfrag, srvPwd, true)
	for _, msg := range append(bad, good) {
		if _, err := conn.WriteToUDP(msg.Raw, server); err != nil {
			t.Fatal(err)
		}
	}
	_ = conn.SetReadDeadline(time.Now().Add(flowDeadline))
	buf := make([]byte, 1500)
	n, err := conn.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	resp := &stun.Message{Raw: buf[:n]}
	if err := resp.Decode(); err != nil {
		t.Fatal(err)
	}
	if resp.Type != stun.BindingSuccess || resp.TransactionID != tid {
		t.Fatalf("first answer is %s for %x, want success for the good check", resp.Type, resp.TransactionID)
	}
	if err := stun.NewShortTermIntegrity(srvPwd).Check(resp); err != nil {
		t.Fatalf("answer integrity: %v", err)
	}
	var mapped stun.XORMappedAddress
	if err := mapped.GetFrom(resp); err != nil || mapped.Port != int(me.Port()) || !mapped.IP.Equal(net.IP(me.Addr().AsSlice())) {
		t.Fatalf("mapped address %v (%v), want %s", mapped, err, me)
	}
	eventually(t, flowDeadline, "nominated path", func() error {
		if r := l.remote.Load(); r == nil || r.addr != me || r.tcp != nil {
			return errors.New("leg path not set to the nominating address")
		}
		return nil
	})
}

// TestFingerprintMismatch: a client whose certificate is not the one its
// offer announced never connects; its leg fails.
func TestFingerprintMismatch(t *testing.T) {
	s := newTestSFU(t, testConfig())
	log := newClosedLog()
	c := newTestClient(t, "forger", 3)
	ctx, cancel := context.WithTimeout(context.Background(), connectDeadline)
	defer cancel()
	offer, err := c.Offer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fp := sdpAttr(offer, "fingerprint")
	algo, value, _ := strings.Cut(fp, " ")
	forged := strings.ReplaceAll(offer, fp, algo+" "+strings.Repeat("00:", len(value)/3)+"00")
	l, err := s.NewGroup("forged").AddLeg(ctx, LegParams{ID: "F", Offer: forged, OnClosed: log.onClosed})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetAnswer(l.Answer()); err != nil {
		t.Fatal(err)
	}
	log.wait(t, "F", ErrPeerFailed, connectDeadline)
	select {
	case <-l.Connected():
		t.Fatal("connected with a forged certificate")
	default:
	}
}

// TestConsentExpiry: a connected leg whose last consent check is older
// than ConsentTimeout fails; a fresh one does not. (consent_test.go shows
// it with real clients whose checks stop.)
func TestConsentExpiry(t *testing.T) {
	s := newTestSFU(t, testConfig())
	log := newClosedLog()
	g := s.NewGroup("consent")
	quiet := join(t, g, "Q", newTestClient(t, "Q", 3), log)
	join(t, g, "T", newTestClient(t, "T", 3), log)

	s.checkConsentAt(time.Now()) // both fresh: nothing happens
	if log.count("Q")+log.count("T") != 0 {
		t.Fatal("a fresh leg failed")
	}
	// Q's last check is made old; T's stays fresh.
	quiet.lastConsent.Store(time.Now().Add(-2 * s.cfg.ConsentTimeout).UnixNano())
	s.checkConsentAt(time.Now())
	log.wait(t, "Q", ErrPeerFailed, flowDeadline)
	if log.count("T") != 0 {
		t.Fatal("a talking leg failed")
	}
}

// TestReaderDrops: what does not come from a leg's path, or is not its
// microphone, is not forwarded.
func TestReaderDrops(t *testing.T) {
	rig := newReadRig(t)
	other := netip.MustParseAddrPort("127.0.0.1:9")
	rig.rd.handle(rig.packet(t, 1, 42), other)
	if got := rig.sink.datagrams; got != 0 {
		t.Fatalf("unknown path forwarded %d", got)
	}
	rig.rd.handle(rig.packet(t, 2, 42), rig.from) // learns SSRC 42
	rig.rd.handle(rig.packet(t, 3, 43), rig.from) // another SSRC: dropped
	rig.rd.out.batch.flush()
	if got := rig.sink.datagrams; got != 2 {
		t.Fatalf("%d datagrams, want 2 (one packet to two listeners)", got)
	}
	if st := rig.speaker.Stats(); st.Received != 2 || st.Dropped != 1 || st.Forwarded != 2 {
		t.Fatalf("stats %+v", st)
	}
	rtcp := rig.packet(t, 4, 42)
	rtcp[1] = 200 // SR
	rig.rd.handle(rtcp, rig.from)
	if st := rig.speaker.Stats(); st.Received != 2 {
		t.Fatalf("RTCP counted as media: %+v", st)
	}
	rig.speaker.gone.Store(true)
	rig.rd.handle(rig.packet(t, 5, 42), rig.from)
	if st := rig.speaker.Stats(); st.Received != 2 {
		t.Fatalf("closed leg forwarded: %+v", st)
	}
	if len(rig.rd.paths) != 0 {
		t.Fatal("closed leg's path kept")
	}
}
