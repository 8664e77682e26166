package auth

import (
	"errors"
	"testing"
)

// TestSentinelsDistinct guards against two sentinels being aliased, which
// would make callers map different failures to the same protocol code.
func TestSentinelsDistinct(t *testing.T) {
	sentinels := map[string]error{
		"ErrUnknownRole":   ErrUnknownRole,
		"ErrMissingToken":  ErrMissingToken,
		"ErrTokenExpired":  ErrTokenExpired,
		"ErrTokenInvalid":  ErrTokenInvalid,
		"ErrWrongAudience": ErrWrongAudience,
		"ErrWrongIssuer":   ErrWrongIssuer,
		"ErrMissingClaim":  ErrMissingClaim,
		"ErrNotSupervisor": ErrNotSupervisor,
		"ErrOtherTenant":   ErrOtherTenant,
		"ErrOtherTeam":     ErrOtherTeam,
	}
	for name, a := range sentinels {
		for other, b := range sentinels {
			if name != other && errors.Is(a, b) {
				t.Errorf("%s matches %s", name, other)
			}
		}
	}
}
