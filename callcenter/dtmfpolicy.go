package callcenter

import (
	"fmt"
	"strings"
	"time"

	"github.com/earshot/earshot/auth"
)

// DTMF command names: what a supervisor's star code does.
const (
	DTMFListen  = "listen"
	DTMFWhisper = "whisper"
	DTMFBarge   = "barge"
	DTMFLeave   = "leave"
	// DTMFTap is the tapping code's command (monitor.command's "command").
	DTMFTap = "tap"
	// DTMFNone disables a code: a config file's codes are added to the
	// defaults, so "*1: none" is how a default is taken away.
	DTMFNone = "none"
)

// maxExtensionLen bounds an agent extension (digits 0-9).
const maxExtensionLen = 16

// DTMFPolicy is how supervisors' dial pads drive monitoring (F6). A
// supervisor's digits are commands, never forwarded; a customer's digits go
// to the agent only (conversation.dtmf), never to a supervisor.
type DTMFPolicy struct {
	// Codes maps a dialled code to a command: listen, whisper, barge or
	// leave (none disables a code). Defaults *1, *2, *3 and *0; the
	// Asterisk ChanSpy habit is {"4": listen, "5": whisper, "6": barge}
	// (README). No code may be a prefix of another or of the tapping code.
	Codes map[string]string `yaml:"codes"`
	// TapPrefix and TapEnd frame the tapping code: TapPrefix + an agent's
	// extension + TapEnd (default "*8" … "#", e.g. *81001#) asks to listen
	// to that agent's current conversation.
	TapPrefix string `yaml:"tap_prefix"`
	TapEnd    string `yaml:"tap_end"`
	// Extensions gives agents their extension numbers: tenant → user
	// (the token's subject) → extension (digits). Unique per tenant.
	Extensions map[string]map[string]string `yaml:"extensions"`
	// DigitTimeout forgets a half-dialled code after this long without a
	// digit. Default 5 s.
	DigitTimeout time.Duration `yaml:"digit_timeout"`
}

// DefaultDTMFPolicy returns *1 Listen, *2 Whisper, *3 Barge, *0 leave and
// the tapping code *8<extension>#.
func DefaultDTMFPolicy() DTMFPolicy {
	return DTMFPolicy{
		Codes:        map[string]string{"*1": DTMFListen, "*2": DTMFWhisper, "*3": DTMFBarge, "*0": DTMFLeave},
		TapPrefix:    "*8",
		TapEnd:       "#",
		DigitTimeout: 5 * time.Second,
	}
}

// Check validates the policy: codes of DTMF digits that never shadow each
// other, known commands, unique digit extensions.
func (p DTMFPolicy) Check() error {
	if !isDialString(p.TapPrefix) || len(p.TapEnd) != 1 || !isDialString(p.TapEnd) {
		return fmt.Errorf("dtmf: tap_prefix must be DTMF digits and tap_end one digit")
	}
	if strings.ContainsAny(p.TapEnd, "0123456789") {
		return fmt.Errorf("dtmf: tap_end %q cannot be part of an extension", p.TapEnd)
	}
	if p.DigitTimeout <= 0 {
		return fmt.Errorf("dtmf: digit_timeout must be positive")
	}
	for code, cmd := range p.Codes {
		switch cmd {
		case DTMFListen, DTMFWhisper, DTMFBarge, DTMFLeave:
		case DTMFNone:
			continue
		default:
			return fmt.Errorf("dtmf: code %q: command %q (want listen, whisper, barge, leave or none)", code, cmd)
		}
		if !isDialString(code) {
			return fmt.Errorf("dtmf: code %q is not DTMF digits (0-9 * # A-D)", code)
		}
		if strings.HasPrefix(code, p.TapPrefix) || strings.HasPrefix(p.TapPrefix, code) {
			return fmt.Errorf("dtmf: code %q and the tapping prefix %q shadow each other", code, p.TapPrefix)
		}
		for other, ocmd := range p.Codes {
			if other != code && ocmd != DTMFNone && strings.HasPrefix(other, code) {
				return fmt.Errorf("dtmf: code %q is a prefix of %q", code, other)
			}
		}
	}
	for tenant, users := range p.Extensions {
		seen := map[string]string{}
		for user, ext := range users {
			if ext == "" || len(ext) > maxExtensionLen || strings.Trim(ext, "0123456789") != "" {
				return fmt.Errorf("dtmf: extension %q of %s/%s: 1-%d digits 0-9", ext, tenant, user, maxExtensionLen)
			}
			if prev, dup := seen[ext]; dup {
				return fmt.Errorf("dtmf: extension %s of tenant %s given to both %s and %s", ext, tenant, prev, user)
			}
			seen[ext] = user
		}
	}
	return nil
}

// isDialString reports whether s is a non-empty string of DTMF digits.
func isDialString(s string) bool {
	return s != "" && strings.Trim(s, "0123456789*#ABCD") == ""
}

// agentOfExtension returns the user with extension ext in tenant.
func (p DTMFPolicy) agentOfExtension(tenant auth.TenantID, ext string) (auth.UserID, bool) {
	for user, e := range p.Extensions[string(tenant)] {
		if e == ext {
			return auth.UserID(user), true
		}
	}
	return "", false
}

// dialResult is what a supervisor's dialled digits amount to so far.
type dialResult struct {
	complete bool   // a command was dialled (command set)
	invalid  bool   // no code starts like this: the digits are discarded
	command  string // DTMFListen … DTMFLeave or DTMFTap
	ext      string // the extension of a tapping code
}

// match reads a supervisor's digits dialled so far.
func (p DTMFPolicy) match(dialed string) dialResult {
	if cmd, ok := p.Codes[dialed]; ok && cmd != DTMFNone {
		return dialResult{complete: true, command: cmd}
	}
	if rest, ok := strings.CutPrefix(dialed, p.TapPrefix); ok {
		if ext, ended := strings.CutSuffix(rest, p.TapEnd); ended {
			if ext == "" || strings.Trim(ext, "0123456789") != "" {
				return dialResult{invalid: true}
			}
			return dialResult{complete: true, command: DTMFTap, ext: ext}
		}
		if len(rest) > maxExtensionLen || strings.Trim(rest, "0123456789") != "" {
			return dialResult{invalid: true}
		}
		return dialResult{}
	}
	if strings.HasPrefix(p.TapPrefix, dialed) {
		return dialResult{}
	}
	for code, cmd := range p.Codes {
		if cmd != DTMFNone && strings.HasPrefix(code, dialed) {
			return dialResult{}
		}
	}
	return dialResult{invalid: true}
}
