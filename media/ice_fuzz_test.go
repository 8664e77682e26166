package media

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/binary"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/pion/stun/v4"
)

// Fixed ICE credentials of the leg FuzzSTUN checks against, so that the
// seed corpus can hold correctly authenticated requests.
const (
	fuzzLocalUfrag  = "SrvUfragFuzz0001"
	fuzzRemoteUfrag = "CliU"
	fuzzLocalPwd    = "ServerPasswordForFuzzing01234567"
)

// How FuzzSTUN treats its input before the SFU sees it.
const (
	stunRaw        = iota // as is
	stunRightCreds        // USERNAME replaced by the leg's, signed with its password
	stunOwnUser           // the input's own USERNAME, signed with the leg's password
	stunWrongPwd          // USERNAME replaced by the leg's, signed with another password
	stunModes
)

// stunRig is a live SFU with one leg known by its ufrag, a client socket
// the fuzzed requests claim to come from, and a sentinel request whose
// answer marks the end of the answers to the fuzzed one (the socket
// delivers in order), so that "no answer" is observed without a sleep.
type stunRig struct {
	sfu      *SFU
	leg      *Leg
	client   *net.UDPConn
	from     netip.AddrPort
	other    netip.AddrPort // the path the leg uses before each input
	sentinel []byte
	buf      []byte
}

func newSTUNRig(f *testing.F) *stunRig {
	s, err := New(Params{Config: testConfig(), Logger: testLogger()})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = s.Close() })
	client, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = client.Close() })
	l := &Leg{id: "fuzz", localUfrag: fuzzLocalUfrag, localPwd: fuzzLocalPwd, remoteUfrag: fuzzRemoteUfrag}
	s.ufragMu.Lock()
	s.byUfrag[l.localUfrag] = l
	s.ufragMu.Unlock()
	sentinel, err := stun.Build(stun.BindingRequest, stun.NewTransactionIDSetter(sentinelTxID),
		stun.NewUsername(fuzzLocalUfrag+":"+fuzzRemoteUfrag), stun.NewShortTermIntegrity(fuzzLocalPwd), stun.Fingerprint)
	if err != nil {
		f.Fatal(err)
	}
	return &stunRig{
		sfu: s, leg: l, client: client,
		from:     client.LocalAddr().(*net.UDPAddr).AddrPort(),
		other:    netip.MustParseAddrPort("127.0.0.1:9"),
		sentinel: sentinel.Raw,
		buf:      make([]byte, 2048),
	}
}

var sentinelTxID = [stun.TransactionIDSize]byte{'s', 'e', 'n', 't', 'i', 'n', 'e', 'l', '-', 'f', 'u', 'z'}

// exchange hands msg to the SFU as if it came from the client, then the
// sentinel, and returns every answer the client got before the
// sentinel's.
func (r *stunRig) exchange(t *testing.T, msg []byte) [][]byte {
	t.Helper()
	r.sfu.answerCheck(msg, path{addr: r.from}, time.Now())
	r.sfu.answerCheck(r.sentinel, path{addr: r.from}, time.Now())
	var answers [][]byte
	_ = r.client.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		n, err := r.client.Read(r.buf)
		if err != nil {
			t.Fatalf("no answer to the sentinel: %v", err)
		}
		b := r.buf[:n]
		if len(b) >= 20 && bytes.Equal(b[8:20], sentinelTxID[:]) {
			return answers
		}
		answers = append(answers, append([]byte(nil), b...))
	}
}

// FuzzSTUN fuzzes the ICE-lite binding-request handling on the media
// socket (SFU.answerCheck over UDP), raw and re-signed (so that the checks behind MESSAGE-INTEGRITY are
// reached). A request is answered if and only if an independent check
// accepts it: a binding request naming the leg's ufrag pair exactly, whose
// MESSAGE-INTEGRITY is the HMAC-SHA1 under the leg's password and whose
// FINGERPRINT is right; the answer must be an authenticated success for the
// same transaction telling the client its own address. Anything signed with
// another password is never answered. Only a USE-CANDIDATE covered by the
// integrity moves the leg's media path.
func FuzzSTUN(f *testing.F) {
	user := stun.NewUsername(fuzzLocalUfrag + ":" + fuzzRemoteUfrag)
	tx := stun.NewTransactionIDSetter([stun.TransactionIDSize]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	build := func(setters ...stun.Setter) []byte {
		m, err := stun.Build(setters...)
		if err != nil {
			f.Fatal(err)
		}
		return m.Raw
	}
	// Shaped like Chrome's checks: ICE-CONTROLLING, PRIORITY, USE-CANDIDATE.
	chrome := build(stun.BindingRequest, tx, user, stun.RawAttribute{Type: stun.AttrICEControlling, Value: make([]byte, 8)},
		stun.RawAttribute{Type: stun.AttrPriority, Value: []byte{0x6e, 0x7f, 0x1e, 0xff}}, stun.RawAttribute{Type: stun.AttrUseCandidate},
		stun.NewShortTermIntegrity(fuzzLocalPwd), stun.Fingerprint)
	seeds := []struct {
		msg  []byte
		mode uint8
	}{
		{chrome, stunRaw},
		{build(stun.BindingRequest, tx, user, stun.NewShortTermIntegrity(fuzzLocalPwd), stun.Fingerprint), stunRaw},
		{build(stun.BindingRequest, tx, user, stun.NewShortTermIntegrity("wrong-password-wrong-password-xx"), stun.Fingerprint), stunRaw},
		{build(stun.BindingRequest, tx, stun.NewUsername(fuzzLocalUfrag+":other"), stun.NewShortTermIntegrity(fuzzLocalPwd), stun.Fingerprint), stunRaw},
		{build(stun.BindingRequest, tx, user, stun.NewShortTermIntegrity(fuzzLocalPwd)), stunRaw},
		{build(stun.NewType(stun.MethodBinding, stun.ClassIndication), tx, user, stun.NewShortTermIntegrity(fuzzLocalPwd), stun.Fingerprint), stunRaw},
		{build(stun.BindingSuccess, tx, user, stun.NewShortTermIntegrity(fuzzLocalPwd), stun.Fingerprint), stunRaw},
		// USE-CANDIDATE after MESSAGE-INTEGRITY: not covered by it.
		{build(stun.BindingRequest, tx, user, stun.NewShortTermIntegrity(fuzzLocalPwd), stun.RawAttribute{Type: stun.AttrUseCandidate}, stun.Fingerprint), stunRaw},
		{build(stun.BindingRequest, tx, stun.RawAttribute{Type: stun.AttrUseCandidate}), stunRightCreds},
		{build(stun.BindingRequest, tx, stun.NewUsername(fuzzLocalUfrag+":"+fuzzRemoteUfrag+":x")), stunOwnUser},
		{chrome, stunWrongPwd},
		{chrome[:20], stunRaw},
		{[]byte{0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42}, stunRaw},
	}
	for _, s := range seeds {
		f.Add(s.msg, s.mode)
	}
	r := newSTUNRig(f)
	f.Fuzz(func(t *testing.T, msg []byte, mode uint8) {
		if len(msg) > packetSize {
			return // the socket never delivers more
		}
		mode %= stunModes
		switch mode {
		case stunRightCreds:
			msg = resignSTUN(msg, fuzzLocalUfrag+":"+fuzzRemoteUfrag, fuzzLocalPwd)
		case stunOwnUser:
			msg = resignSTUN(msg, "", fuzzLocalPwd)
		case stunWrongPwd:
			msg = resignSTUN(msg, fuzzLocalUfrag+":"+fuzzRemoteUfrag, "another-password-another-passwor")
		}
		defer hangGuard()()
		r.leg.setRemote(path{addr: r.other})
		answers := r.exchange(t, msg)
		valid, nominates := checkBindingRequest(msg)
		switch {
		case len(answers) > 1:
			t.Fatalf("%d answers to one request", len(answers))
		case len(answers) == 1 && (!valid || mode == stunWrongPwd):
			t.Fatalf("unauthenticated request answered: %x", msg)
		case len(answers) == 0 && valid:
			t.Fatalf("valid request not answered: %x", msg)
		case len(answers) == 1:
			checkBindingSuccess(t, answers[0], msg, r.from)
		}
		moved := r.leg.remote.Load().addr == r.from
		if moved != nominates {
			t.Fatalf("media path moved: %v, nominated with integrity: %v (%x)", moved, nominates, msg)
		}
	})
}

// resignSTUN replaces a message's MESSAGE-INTEGRITY and FINGERPRINT (and,
// unless user is empty, its USERNAME) with ones made with pwd. Attributes
// that followed the old integrity keep following the new one. Anything
// that does not decode is returned as is.
func resignSTUN(raw []byte, user, pwd string) []byte {
	m := &stun.Message{Raw: append([]byte(nil), raw...)}
	if m.Decode() != nil {
		return raw
	}
	out := &stun.Message{Type: m.Type, TransactionID: m.TransactionID}
	out.WriteHeader()
	var after []stun.RawAttribute
	seenMI := false
	for _, a := range m.Attributes {
		switch {
		case a.Type == stun.AttrFingerprint:
		case a.Type == stun.AttrMessageIntegrity:
			seenMI = true
		case a.Type == stun.AttrUsername && user != "":
		case seenMI:
			after = append(after, a)
		default:
			out.Add(a.Type, a.Value)
		}
	}
	if user != "" {
		if stun.NewUsername(user).AddTo(out) != nil {
			return raw
		}
	}
	if stun.NewShortTermIntegrity(pwd).AddTo(out) != nil {
		return raw
	}
	for _, a := range after {
		out.Add(a.Type, a.Value)
	}
	if stun.Fingerprint.AddTo(out) != nil {
		return raw
	}
	return out.Raw
}

// checkBindingRequest is the independent check of what must be answered
// (RFC 8445 section 7.3, RFC 5389 section 15.4): a binding request whose
// first USERNAME names the leg's ufrag pair, whose first
// MESSAGE-INTEGRITY is the HMAC-SHA1 under the leg's password of the
// message before it (length adjusted to end after it), with a valid
// FINGERPRINT. nominates is true when it also carries USE-CANDIDATE before
// the integrity, the only place where it is authenticated. (The found
// input 'integrity_sha256_first' pinned that a MESSAGE-INTEGRITY-SHA256
// before them hides USERNAME and MESSAGE-INTEGRITY.)
func checkBindingRequest(raw []byte) (valid, nominates bool) {
	m := &stun.Message{Raw: append([]byte(nil), raw...)}
	if m.Decode() != nil || m.Type != stun.BindingRequest {
		return false, false
	}
	var user []byte
	useCandidate := false
	// Bytes past the header's length are not part of the message.
	end := 20 + int(binary.BigEndian.Uint16(raw[2:]))
	off := 20
	for off+4 <= end {
		typ := stun.AttrType(binary.BigEndian.Uint16(raw[off:]))
		n := int(binary.BigEndian.Uint16(raw[off+2:]))
		if off+4+n > end {
			return false, false
		}
		val := raw[off+4 : off+4+n]
		switch typ {
		case stun.AttrUsername:
			if user == nil {
				user = val
			}
		case stun.AttrUseCandidate:
			useCandidate = true
		case stun.AttrMessageIntegritySHA256:
			// RFC 8489 section 14.6: only FINGERPRINT counts after it, so a
			// MESSAGE-INTEGRITY behind it is ignored and none precedes it.
			return false, false
		case stun.AttrMessageIntegrity:
			if string(user) != fuzzLocalUfrag+":"+fuzzRemoteUfrag || n != sha1.Size {
				return false, false
			}
			signed := append([]byte(nil), raw[:off]...)
			binary.BigEndian.PutUint16(signed[2:], uint16(off-20+4+sha1.Size))
			h := hmac.New(sha1.New, []byte(fuzzLocalPwd))
			h.Write(signed)
			if !hmac.Equal(h.Sum(nil), val) || stun.Fingerprint.Check(m) != nil {
				return false, false
			}
			return true, useCandidate
		}
		off += 4 + (n+3)&^3
	}
	return false, false
}

// checkBindingSuccess asserts the answer to a valid request.
func checkBindingSuccess(t *testing.T, answer, req []byte, from netip.AddrPort) {
	t.Helper()
	m := &stun.Message{Raw: answer}
	if err := m.Decode(); err != nil {
		t.Fatalf("answer does not decode: %v", err)
	}
	if m.Type != stun.BindingSuccess || !bytes.Equal(m.TransactionID[:], req[8:20]) {
		t.Fatalf("answer %s for transaction %x", m, req[8:20])
	}
	if err := stun.NewShortTermIntegrity(fuzzLocalPwd).Check(m); err != nil {
		t.Fatalf("answer integrity: %v", err)
	}
	if err := stun.Fingerprint.Check(m); err != nil {
		t.Fatalf("answer fingerprint: %v", err)
	}
	var xor stun.XORMappedAddress
	if err := xor.GetFrom(m); err != nil {
		t.Fatalf("answer address: %v", err)
	}
	if got, _ := netip.AddrFromSlice(xor.IP); got.Unmap() != from.Addr() || xor.Port != int(from.Port()) {
		t.Fatalf("answer says %s, client is %s", xor, from)
	}
}
