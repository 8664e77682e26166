package media

import (
	"net"
	"net/netip"
	"strings"

	"github.com/pion/stun/v4"
)

// ICE credentials this side generates (RFC 8445 section 5.3: at least 24
// bits of ufrag and 128 bits of password randomness).
const (
	ufragLen = 16
	pwdLen   = 32
)

// handleSTUN answers a client's binding request, as an ICE-lite agent
// does: it never sends checks of its own, only answers the client's and
// takes the address a valid check came from as a path to that client. A
// check carrying USE-CANDIDATE (the controlling client's nomination)
// makes that address the one media is sent to. Anything that does not
// authenticate — unknown ufrag, bad MESSAGE-INTEGRITY or FINGERPRINT — is
// dropped without an answer. It runs on the reader goroutine.
func (s *SFU) handleSTUN(b []byte, from netip.AddrPort, rd *reader) {
	m := &stun.Message{Raw: append([]byte(nil), b...)}
	if err := m.Decode(); err != nil || m.Type != stun.BindingRequest {
		return // indications and stray responses need nothing
	}
	var user stun.Username
	if err := user.GetFrom(m); err != nil {
		return
	}
	local, remote, ok := strings.Cut(user.String(), ":")
	if !ok {
		return
	}
	l := s.legByUfrag(local)
	if l == nil || remote != l.remoteUfrag {
		return
	}
	if stun.Fingerprint.Check(m) != nil || stun.NewShortTermIntegrity(l.localPwd).Check(m) != nil {
		return
	}
	resp, err := stun.Build(
		stun.BindingSuccess,
		stun.NewTransactionIDSetter(m.TransactionID),
		&stun.XORMappedAddress{IP: net.IP(from.Addr().AsSlice()), Port: int(from.Port())},
		stun.NewShortTermIntegrity(l.localPwd),
		stun.Fingerprint,
	)
	if err != nil {
		return
	}
	if _, err := s.conn.WriteToUDPAddrPort(resp.Raw, from); err != nil {
		s.log.Debug("stun response", "to", from, "err", err)
	}
	rd.bind(from, l)
	l.seen(rd.now)
	if m.Contains(stun.AttrUseCandidate) || l.remote.Load() == nil {
		l.setRemote(from)
	}
}

// legByUfrag finds the live leg whose answer carried ufrag.
func (s *SFU) legByUfrag(ufrag string) *Leg {
	s.ufragMu.Lock()
	defer s.ufragMu.Unlock()
	return s.byUfrag[ufrag]
}
