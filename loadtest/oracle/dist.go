package oracle

import (
	"math"
	"slices"
)

// Dist summarises a distribution in milliseconds.
type Dist struct {
	N   int     `json:"n"`
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// DistOf summarises durations in nanoseconds (in milliseconds, as every
// Dist of the report).
func DistOf(ns []int64) Dist { return distOf(ns) }

// distOf sorts values (in nanoseconds) and summarises them.
func distOf(ns []int64) Dist {
	if len(ns) == 0 {
		return Dist{}
	}
	slices.Sort(ns)
	ms := func(v int64) float64 { return math.Round(float64(v)/1e3) / 1e3 }
	at := func(q float64) float64 {
		i := int(math.Ceil(q*float64(len(ns)))) - 1
		return ms(ns[min(max(i, 0), len(ns)-1)])
	}
	return Dist{N: len(ns), P50: at(0.50), P95: at(0.95), P99: at(0.99), Max: ms(ns[len(ns)-1])}
}
