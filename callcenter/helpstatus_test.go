package callcenter

import "testing"

func TestHelpStatusNames(t *testing.T) {
	for s := HelpOpen; s <= HelpCancelled; s++ {
		got, err := ParseHelpStatus(s.String())
		if err != nil || got != s {
			t.Fatalf("%v: %v %v", s, got, err)
		}
	}
	if _, err := ParseHelpStatus("pending"); err == nil {
		t.Fatal("unknown status parsed")
	}
	var s HelpStatus
	if err := s.UnmarshalText([]byte("in_progress")); err != nil || s != HelpInProgress {
		t.Fatal(s, err)
	}
	if !HelpOpen.active() || !HelpInProgress.active() || HelpClosed.active() || HelpCancelled.active() {
		t.Fatal("active")
	}
}
