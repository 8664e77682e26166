package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

func TestCountFDs(t *testing.T) {
	before, err := countFDs("self")
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(t.TempDir(), "x"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	after, err := countFDs("self")
	if err != nil {
		t.Fatal(err)
	}
	if after < before+1 {
		t.Fatalf("open files %d after opening one, %d before", after, before)
	}
	if _, err := countFDs("0"); err == nil {
		t.Fatal("no error for a process that does not exist")
	}
}

func TestProcFiguresWithin(t *testing.T) {
	base := procFigures{Goroutines: 100, FDs: 20, RSSKiB: 50000}
	cases := []struct {
		name string
		f    procFigures
		want bool
	}{
		{"equal", base, true},
		{"below", procFigures{Goroutines: 90, FDs: 18, RSSKiB: 40000}, true},
		{"at slack", procFigures{Goroutines: 105, FDs: 22, RSSKiB: 55000}, true},
		{"goroutines over", procFigures{Goroutines: 106, FDs: 20, RSSKiB: 50000}, false},
		{"fds over", procFigures{Goroutines: 100, FDs: 23, RSSKiB: 50000}, false},
		{"rss over", procFigures{Goroutines: 100, FDs: 20, RSSKiB: 55001}, false},
	}
	for _, c := range cases {
		if got := c.f.within(base, 5, 2, 10); got != c.want {
			t.Errorf("%s: within = %v, want %v", c.name, got, c.want)
		}
	}
	if !(procFigures{Goroutines: 100, FDs: 20, RSSKiB: 90000}).within(base, 5, 2, -1) {
		t.Error("RSS judged with slack -1")
	}
	if m := base.maxOf(procFigures{Goroutines: 300, FDs: 1, RSSKiB: 60000, HeapKiB: 7, HeapLiveKiB: 3}); m != (procFigures{Goroutines: 300, FDs: 20, RSSKiB: 60000, HeapKiB: 7, HeapLiveKiB: 3}) {
		t.Fatalf("maxOf %+v", m)
	}
}

// TestSoakReportJSON pins the -json shape scripts read:
// soak.{calls, failed, leaks, baseline|peak|end.{goroutines, fds, rss_kib}}.
func TestSoakReportJSON(t *testing.T) {
	rep := &SoakReport{Calls: 1000, Concurrency: 50, Failed: 0, Returned: true,
		Baseline: procFigures{Goroutines: 15, FDs: 16, RSSKiB: 44556},
		Peak:     procFigures{Goroutines: 1079, FDs: 167, RSSKiB: 60116},
		End:      procFigures{Goroutines: 15, FDs: 15, RSSKiB: 57708}}
	path := filepath.Join(t.TempDir(), "soak.json")
	if err := writeJSON(path, soakResult{Soak: rep}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Soak struct {
			Calls, Failed       *int
			Leaks               *uint64
			Baseline, Peak, End struct {
				Goroutines, FDs *int
				RSSKiB          *int64 `json:"rss_kib"`
			}
		}
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	s := got.Soak
	if s.Calls == nil || *s.Calls != 1000 || s.Failed == nil || s.Leaks == nil {
		t.Fatalf("calls/failed/leaks missing in %s", b)
	}
	for name, f := range map[string]struct {
		Goroutines, FDs *int
		RSSKiB          *int64 `json:"rss_kib"`
	}{"baseline": s.Baseline, "peak": s.Peak, "end": s.End} {
		if f.Goroutines == nil || f.FDs == nil || f.RSSKiB == nil {
			t.Fatalf("%s figures missing in %s", name, b)
		}
	}
	if *s.Peak.Goroutines != 1079 || *s.End.FDs != 15 || *s.Baseline.RSSKiB != 44556 {
		t.Fatalf("figures wrong in %s", b)
	}
}

func TestSoakHeld(t *testing.T) {
	ok := SoakReport{Returned: true}
	if !ok.Held() {
		t.Fatal("a clean soak did not hold")
	}
	for name, r := range map[string]SoakReport{
		"failed call":  {Returned: true, Failed: 1},
		"leak":         {Returned: true, Leaks: 1},
		"whisper leak": {Returned: true, WhisperLeaks: 1},
		"not returned": {},
	} {
		if r.Held() {
			t.Errorf("%s: held", name)
		}
	}
}
