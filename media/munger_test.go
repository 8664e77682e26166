package media

import (
	"testing"
	"time"
)

// feed is one input packet for the munger.
type feed struct {
	sn   uint16
	ts   uint32
	ssrc uint32
	at   time.Duration // since the test's t0
}

type want struct {
	sn     uint16
	ts     uint32
	marker bool
	ok     bool
}

func TestMunger(t *testing.T) {
	t0 := time.Unix(1000, 0)
	ms := time.Millisecond
	cases := []struct {
		name    string
		sn      uint16
		ts      uint32
		steps   []feed
		switchB []int // switchSource() before these step indexes
		want    []want
	}{
		{
			name: "first packet takes the initial values",
			sn:   100, ts: 5000,
			steps: []feed{{sn: 7, ts: 123, ssrc: 1}, {sn: 8, ts: 1083, ssrc: 1, at: 20 * ms}},
			want:  []want{{100, 5000, true, true}, {101, 5960, false, true}},
		},
		{
			name: "source switch continues seq +1 and ts by elapsed wall time",
			sn:   100, ts: 5000,
			steps: []feed{
				{sn: 7, ts: 123, ssrc: 1},
				{sn: 8, ts: 1083, ssrc: 1, at: 20 * ms},
				{sn: 40000, ts: 9_000_000, ssrc: 2, at: 100 * ms}, // 80 ms later
				{sn: 40001, ts: 9_000_960, ssrc: 2, at: 120 * ms},
			},
			switchB: []int{2},
			want: []want{
				{100, 5000, true, true}, {101, 5960, false, true},
				{102, 5960 + 80*48, true, true}, {103, 5960 + 80*48 + 960, false, true},
			},
		},
		{
			name: "switch sooner than a frame still advances one frame",
			sn:   1, ts: 0,
			steps: []feed{
				{sn: 50, ts: 50, ssrc: 1},
				{sn: 9, ts: 9, ssrc: 2, at: 1 * ms},
			},
			switchB: []int{1},
			want:    []want{{1, 0, true, true}, {2, 960, true, true}},
		},
		{
			name: "new SSRC from the same source rebases by itself",
			sn:   10, ts: 10,
			steps: []feed{
				{sn: 500, ts: 500, ssrc: 1},
				{sn: 3, ts: 3, ssrc: 9, at: 40 * ms},
			},
			want: []want{{10, 10, true, true}, {11, 10 + 40*48, true, true}},
		},
		{
			name: "sequence and timestamp wrap",
			sn:   65535, ts: 4294967000,
			steps: []feed{
				{sn: 65534, ts: 4294966000, ssrc: 1},
				{sn: 65535, ts: 4294966960, ssrc: 1, at: 20 * ms},
				{sn: 0, ts: 624, ssrc: 1, at: 40 * ms}, // input wraps too
			},
			want: []want{{65535, 4294967000, true, true}, {0, 664, false, true}, {1, 1624, false, true}},
		},
		{
			name: "source loss passes through as a gap",
			sn:   1, ts: 0,
			steps: []feed{{sn: 10, ts: 0, ssrc: 1}, {sn: 13, ts: 2880, ssrc: 1, at: 60 * ms}},
			want:  []want{{1, 0, true, true}, {4, 2880, false, true}},
		},
		{
			name: "reordered packet within a source keeps its mapping",
			sn:   1, ts: 0,
			steps: []feed{
				{sn: 10, ts: 0, ssrc: 1},
				{sn: 12, ts: 1920, ssrc: 1, at: 40 * ms},
				{sn: 11, ts: 960, ssrc: 1, at: 41 * ms},
				{sn: 13, ts: 2880, ssrc: 1, at: 60 * ms},
			},
			want: []want{{1, 0, true, true}, {3, 1920, false, true}, {2, 960, false, true}, {4, 2880, false, true}},
		},
		{
			name: "packet older than the switch is dropped",
			sn:   1, ts: 0,
			steps: []feed{
				{sn: 10, ts: 0, ssrc: 1},
				{sn: 500, ts: 100000, ssrc: 2, at: 20 * ms},
				{sn: 499, ts: 99040, ssrc: 2, at: 21 * ms},
				{sn: 501, ts: 100960, ssrc: 2, at: 40 * ms},
			},
			switchB: []int{1},
			want:    []want{{1, 0, true, true}, {2, 960, true, true}, {}, {3, 1920, false, true}},
		},
		{
			name: "long silence between sources advances by the silence",
			sn:   1, ts: 0,
			steps: []feed{
				{sn: 10, ts: 0, ssrc: 1},
				{sn: 20, ts: 0, ssrc: 2, at: 3 * time.Second},
			},
			switchB: []int{1},
			want:    []want{{1, 0, true, true}, {2, 3 * 48000, true, true}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := newMunger(c.sn, c.ts)
			for i, f := range c.steps {
				for _, s := range c.switchB {
					if s == i {
						m.switchSource()
					}
				}
				res, ok := m.update(f.sn, f.ts, f.ssrc, t0.Add(f.at))
				got := want{res.SN, res.TS, res.Marker, ok}
				if got != c.want[i] {
					t.Fatalf("step %d: got %+v, want %+v", i, got, c.want[i])
				}
			}
		})
	}
}

// TestMungerManySwitches checks the output stays one continuous stream
// (seq +1, timestamps increasing) over many source switches and both
// counters wrapping.
func TestMungerManySwitches(t *testing.T) {
	m := newMunger(65000, 4294960000)
	now := time.Unix(0, 0)
	var lastSN uint16
	var lastTS uint32
	inSN := [3]uint16{1, 30000, 65530}
	inTS := [3]uint32{0, 1 << 31, 4294967000}
	for i := range 5000 {
		src := (i / 7) % 3
		if i%7 == 0 {
			m.switchSource()
		}
		inSN[src]++
		inTS[src] += 960
		now = now.Add(20 * time.Millisecond)
		res, ok := m.update(inSN[src], inTS[src], uint32(src+1), now)
		if !ok {
			t.Fatalf("packet %d dropped", i)
		}
		if i > 0 {
			if res.SN != lastSN+1 {
				t.Fatalf("packet %d: seq %d after %d", i, res.SN, lastSN)
			}
			if d := int32(res.TS - lastTS); d < 960 {
				t.Fatalf("packet %d: ts advanced %d", i, d)
			}
		}
		lastSN, lastTS = res.SN, res.TS
	}
}

func TestTicksSince(t *testing.T) {
	t0 := time.Unix(0, 0)
	cases := map[string]struct {
		d    time.Duration
		want uint64
	}{
		"negative":  {-time.Second, 960},
		"zero":      {0, 960},
		"sub-frame": {5 * time.Millisecond, 960},
		"frame":     {20 * time.Millisecond, 960},
		"second":    {time.Second, 48000},
		"a year":    {365 * 24 * time.Hour, 365 * 24 * 3600 * 48000},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			if got := ticksSince(t0, t0.Add(c.d)); got != c.want {
				t.Fatalf("got %d, want %d", got, c.want)
			}
		})
	}
}
