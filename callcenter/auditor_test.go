package callcenter

import "testing"

func TestAuditActionNames(t *testing.T) {
	seen := map[string]bool{}
	for _, a := range AuditActions() {
		name := a.String()
		if name == "unknown" || seen[name] {
			t.Fatalf("action %d has name %q", a, name)
		}
		seen[name] = true
		back, err := ParseAuditAction(name)
		if err != nil || back != a {
			t.Fatalf("%q parses to %v, %v", name, back, err)
		}
	}
	if _, err := ParseAuditAction("monitor.peek"); err == nil {
		t.Fatal("unknown action parsed")
	}
	if AuditAction(99).String() != "unknown" || modeAction(ModeBarge) != AuditMonitorBarge {
		t.Fatal("names")
	}
}
