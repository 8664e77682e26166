package main

import (
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
		{"below", procFigures{Goroutines: 90, FDs: 18}, true},
		{"at slack", procFigures{Goroutines: 105, FDs: 22}, true},
		{"goroutines over", procFigures{Goroutines: 106, FDs: 20}, false},
		{"fds over", procFigures{Goroutines: 100, FDs: 23}, false},
		{"rss is not judged", procFigures{Goroutines: 100, FDs: 20, RSSKiB: 90000}, true},
	}
	for _, c := range cases {
		if got := c.f.within(base, 5, 2); got != c.want {
			t.Errorf("%s: within = %v, want %v", c.name, got, c.want)
		}
	}
	if m := base.maxOf(procFigures{Goroutines: 300, FDs: 1, RSSKiB: 60000, HeapKiB: 7, HeapLiveKiB: 3}); m != (procFigures{Goroutines: 300, FDs: 20, RSSKiB: 60000, HeapKiB: 7, HeapLiveKiB: 3}) {
		t.Fatalf("maxOf %+v", m)
	}
}
