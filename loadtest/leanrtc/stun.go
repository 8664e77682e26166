package leanrtc

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/pion/ice/v4"
	"github.com/pion/stun/v4"
)

// candidatePriority is the priority of this client's one host candidate
// (type preference 126, local preference 65535, component 1).
const candidatePriority = 2130706431

// bindingRequest builds the controlling agent's check with USE-CANDIDATE
// (aggressive nomination: the first pair that works is the pair).
func bindingRequest(tid [stun.TransactionIDSize]byte, a answer, localUfrag string, tieBreaker uint64) ([]byte, error) {
	m, err := stun.Build(
		stun.BindingRequest,
		stun.NewTransactionIDSetter(tid),
		stun.NewUsername(a.ufrag+":"+localUfrag),
		ice.AttrControlling(tieBreaker),
		ice.PriorityAttr(candidatePriority),
		ice.UseCandidate(),
		stun.NewShortTermIntegrity(a.pwd),
		stun.Fingerprint,
	)
	if err != nil {
		return nil, fmt.Errorf("binding request: %w", err)
	}
	return m.Raw, nil
}

// bindingSuccess answers a binding request from the server. The server
// checks MESSAGE-INTEGRITY with this client's password.
func bindingSuccess(req *stun.Message, from netip.AddrPort, localPwd string) ([]byte, error) {
	m, err := stun.Build(
		stun.BindingSuccess,
		stun.NewTransactionIDSetter(req.TransactionID),
		&stun.XORMappedAddress{IP: net.IP(from.Addr().AsSlice()), Port: int(from.Port())},
		stun.NewShortTermIntegrity(localPwd),
		stun.Fingerprint,
	)
	if err != nil {
		return nil, fmt.Errorf("binding success: %w", err)
	}
	return m.Raw, nil
}
