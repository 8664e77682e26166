package media

import (
	"net"
	"strings"
	"time"

	"github.com/pion/stun/v4"
)

// ICE credentials this side generates (RFC 8445 section 5.3: at least 24
// bits of ufrag and 128 bits of password randomness).
const (
	ufragLen = 16
	pwdLen   = 32
)

// answerCheck answers a client's binding request, as an ICE-lite agent
// does: it never sends checks of its own, only answers the client's and
// takes the path a valid check came on (a UDP address, or an ICE-TCP
// connection) as a path to that client. A check carrying USE-CANDIDATE
// (the controlling client's nomination) makes that path the one media is
// sent on. Every valid check renews the leg's consent (RFC 7675): the
// client still wants this media. Anything that does not authenticate —
// unknown ufrag, bad MESSAGE-INTEGRITY or FINGERPRINT — is dropped
// without an answer. It returns the leg the check authenticated for, nil
// if none. It runs on a reader goroutine (UDP or TCP).
func (s *SFU) answerCheck(b []byte, from path, now time.Time) *Leg {
	m := &stun.Message{Raw: append([]byte(nil), b...)}
	if err := m.Decode(); err != nil || m.Type != stun.BindingRequest {
		return nil // indications and stray responses need nothing
	}
	var user stun.Username
	if err := user.GetFrom(m); err != nil {
		return nil
	}
	local, remote, ok := strings.Cut(user.String(), ":")
	if !ok {
		return nil
	}
	l := s.legByUfrag(local)
	if l == nil || remote != l.remoteUfrag {
		return nil
	}
	if stun.Fingerprint.Check(m) != nil || stun.NewShortTermIntegrity(l.localPwd).Check(m) != nil {
		return nil
	}
	if from.tcp != nil && !from.tcp.bind(l) {
		return nil // bound to another leg, or the leg has its fill of connections
	}
	resp, err := stun.Build(
		stun.BindingSuccess,
		stun.NewTransactionIDSetter(m.TransactionID),
		&stun.XORMappedAddress{IP: net.IP(from.addr.Addr().AsSlice()), Port: int(from.addr.Port())},
		stun.NewShortTermIntegrity(l.localPwd),
		stun.Fingerprint,
	)
	if err != nil {
		return nil
	}
	if err := s.send(from, resp.Raw); err != nil {
		s.log.Debug("stun response", "to", from.addr, "err", err)
	}
	l.consent(now)
	if m.Contains(stun.AttrUseCandidate) || l.remote.Load() == nil {
		l.setRemote(from)
	}
	return l
}

// legByUfrag finds the live leg whose answer carried ufrag.
func (s *SFU) legByUfrag(ufrag string) *Leg {
	s.ufragMu.Lock()
	defer s.ufragMu.Unlock()
	return s.byUfrag[ufrag]
}
