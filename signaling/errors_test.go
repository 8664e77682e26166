package signaling

import (
	"errors"
	"fmt"
	"testing"

	"github.com/earshot/earshot/auth"
)

// domainErr stands in for a domain refusal implementing Coded.
type domainErr struct{ code, msg string }

func (e *domainErr) Error() string        { return e.code + ": " + e.msg }
func (e *domainErr) ErrorCode() string    { return e.code }
func (e *domainErr) ErrorMessage() string { return e.msg }

func TestAsError(t *testing.T) {
	cases := []struct {
		name string
		err  error
		code Code
		msg  string
	}{
		{"protocol error", Errorf("conference_full", "full"), "conference_full", "full"},
		{"wrapped protocol error", fmt.Errorf("join: %w", Errorf(CodeForbidden, "no")), CodeForbidden, "no"},
		{"coded", fmt.Errorf("x: %w", &domainErr{"monitor_limit", "too many"}), "monitor_limit", "too many"},
		{"missing token", auth.ErrMissingToken, CodeTokenMissing, codeMessages[CodeTokenMissing]},
		{"expired", fmt.Errorf("verify: exp 12:00: %w", auth.ErrTokenExpired), CodeTokenExpired, codeMessages[CodeTokenExpired]},
		{"invalid", auth.ErrTokenInvalid, CodeTokenInvalid, codeMessages[CodeTokenInvalid]},
		{"audience", auth.ErrWrongAudience, CodeTokenWrongAudience, codeMessages[CodeTokenWrongAudience]},
		{"issuer", auth.ErrWrongIssuer, CodeTokenWrongIssuer, codeMessages[CodeTokenWrongIssuer]},
		{"claim", auth.ErrMissingClaim, CodeTokenMissingClaim, codeMessages[CodeTokenMissingClaim]},
		{"other team", auth.ErrOtherTeam, CodeForbidden, codeMessages[CodeForbidden]},
		{"unknown", errors.New("pq: password authentication failed for user earshot"), CodeInternal, "internal error"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := AsError(tc.err)
			if got.Code != tc.code || got.Message != tc.msg {
				t.Fatalf("AsError = %+v, want %s %q", got, tc.code, tc.msg)
			}
		})
	}
	if AsError(nil) != nil {
		t.Fatal("AsError(nil) is not nil")
	}
}

func TestCodes(t *testing.T) {
	for code, msg := range codeMessages {
		if msg == "" {
			t.Errorf("%s has no default message", code)
		}
		if got, err := ParseCode(code.String()); err != nil || got != code {
			t.Errorf("ParseCode(%s) = %v, %v", code, got, err)
		}
	}
	if _, err := ParseCode("nope"); !errors.Is(err, ErrUnknownCode) {
		t.Fatalf("ParseCode(nope): %v", err)
	}
	if e := Errorf(CodeBadRequest, "field %s", "x"); e.Error() != "bad_request: field x" {
		t.Fatalf("Error() = %q", e.Error())
	}
}
