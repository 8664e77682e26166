package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/earshot/earshot/loadtest/oracle"
)

// lossBar is the loss ratio a run must stay under to hold.
const lossBar = 0.001

// Report is one run's result; its JSON form is the -json file.
type Report struct {
	Calls     int     `json:"calls"`
	Chats     int     `json:"chats"`
	Legs      int     `json:"legs"`
	DurationS float64 `json:"duration_s"`

	Packets       oracle.PacketResult `json:"packets"`
	Leaks         uint64              `json:"leaks"`
	WhisperLeaks  uint64              `json:"whisper_leaks"`
	PCILeaks      uint64              `json:"pci_leaks"`
	LossRatio     float64             `json:"loss_ratio"`
	Latency       oracle.Dist         `json:"latency_ms"`
	SwitchLatency oracle.Dist         `json:"switch_latency_ms"`
	Join          oracle.Dist         `json:"join_ms"`
	FailedJoins   int64               `json:"failed_joins"`
	Server        ServerReport        `json:"server"`
	Loadtest      LoadtestReport      `json:"loadtest"`

	// Beyond the required fields.
	LeaksAudio    uint64            `json:"leaks_audio"`
	LeaksChat     uint64            `json:"leaks_chat"`
	LeaksByPair   map[string]uint64 `json:"leaks_by_pair,omitempty"`
	SwitchFirst   oracle.Dist       `json:"switch_first_packet_ms"`
	SwitchLast    oracle.Dist       `json:"switch_last_packet_ms"`
	SwitchMissing int               `json:"switch_missing"`
	Chat          oracle.ChatResult `json:"chat"`
	Switches      int64             `json:"switches"`
	SwitchErrors  int64             `json:"switch_errors"`
	Holds         int64             `json:"holds"`
	HoldErrors    int64             `json:"hold_errors"`
	PCIPauses     int64             `json:"pci_pauses"`
	PCIErrors     int64             `json:"pci_errors"`
	PCIEveryS     float64           `json:"pci_every_s,omitempty"`
	ChatRefused   int64             `json:"chat_refused"`
	SRTPProfiles  map[string]int    `json:"srtp_profiles"`
	RampS         float64           `json:"ramp_s"`
	GraceMS       float64           `json:"grace_ms"`
	Machine       machine           `json:"machine"`
	Errors        []string          `json:"errors,omitempty"`

	// Nodes is the number of cluster nodes (-nodes, -urls); 0 for one
	// server. Failover is set when -kill-node-after killed one.
	Nodes    int             `json:"nodes,omitempty"`
	Failover *FailoverReport `json:"failover,omitempty"`
}

// FailoverReport is what a node kill did to the calls (failover.go).
type FailoverReport struct {
	// KilledNode is the node SIGKILLed, KilledAtS when, in seconds into
	// the measured window; KilledNodeLegs the media legs it carried.
	KilledNode string `json:"killed_node"`
	// KilledRole is "home" (it ran the tenant's domain) or "media".
	KilledRole     string  `json:"killed_role"`
	KilledAtS      float64 `json:"killed_at_s"`
	KilledNodeLegs int     `json:"killed_node_legs"`
	// Conversations are the calls hit: their media was on the killed node,
	// or their domain (the tenant's home) was; Recovered those with audio back at every party before the run
	// ended, Lost the others.
	Conversations int `json:"conversations"`
	Recovered     int `json:"recovered"`
	Lost          int `json:"lost"`
	// RecoveryMS: kill → the last party of the call hearing audio again.
	RecoveryMS oracle.Dist `json:"recovery_ms"`
	// Resumes counts signaling sessions that resumed on another node
	// because theirs was on the killed node (calls and chats).
	Resumes int64 `json:"resumes"`
}

// ServerReport is the server process measured over the held window.
type ServerReport struct {
	CPUSeconds              float64 `json:"cpu_seconds"`
	CPUPercent              float64 `json:"cpu_percent"`
	RSSMB                   float64 `json:"rss_mb"`
	Goroutines              int     `json:"goroutines"`
	ForwardedPackets        uint64  `json:"forwarded_packets"`
	CPUUsPerForwardedPacket float64 `json:"cpu_us_per_forwarded_packet"`
	// RSSIdleMB is the RSS before any call joined; BytesPerLeg is the RSS
	// growth per voice leg, HeapBytesPerLeg the Go heap's.
	RSSIdleMB       float64 `json:"rss_idle_mb"`
	BytesPerLeg     float64 `json:"bytes_per_leg"`
	HeapBytesPerLeg float64 `json:"heap_bytes_per_leg"`
	ReceivedPackets uint64  `json:"received_packets"`
	Legs            int     `json:"legs"`
	// Recording (with -record): packets written to and dropped from the
	// recordings over the window, and the files' growth per call-minute.
	RecordedPackets       uint64  `json:"recorded_packets,omitempty"`
	RecordingDropped      uint64  `json:"recording_dropped,omitempty"`
	RecordingKBPerCallMin float64 `json:"recording_kb_per_call_min,omitempty"`
}

// LoadtestReport is the load tester's own cost over the same window.
type LoadtestReport struct {
	CPUSeconds float64 `json:"cpu_seconds"`
	CPUPercent float64 `json:"cpu_percent"`
	RSSMB      float64 `json:"rss_mb"`
	// CPURatio is load tester CPU / server CPU (target <= 1.5).
	CPURatio float64 `json:"cpu_ratio"`
}

// Held reports whether the run met the bar -find-max steps against: no
// leak of any kind, no failed join, loss under 0.1%.
func (r *Report) Held() bool {
	return r.Leaks == 0 && r.WhisperLeaks == 0 && r.PCILeaks == 0 && r.FailedJoins == 0 && r.LossRatio < lossBar
}

func round(v float64, digits int) float64 {
	p := math.Pow10(digits)
	return math.Round(v*p) / p
}

// writeJSON writes v to path, indented.
func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// printSummary writes the readable table.
func printSummary(w io.Writer, r *Report) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, format string, args ...any) {
		fmt.Fprintf(tw, "  %s\t"+format+"\n", append([]any{k}, args...)...)
	}
	verdict := "HELD"
	if !r.Held() {
		verdict = "BROKE THE BAR"
	}
	fmt.Fprintf(tw, "Earshot load test: %d calls (%d legs) + %d chats, %.0f s held — %s\n", r.Calls, r.Legs, r.Chats, r.DurationS, verdict)
	row("leaks", "%d (audio %d, chat %d)%s", r.Leaks, r.LeaksAudio, r.LeaksChat, pairsString(r.LeaksByPair))
	row("whisper leaks", "%d", r.WhisperLeaks)
	row("pci leaks", "%d", r.PCILeaks)
	row("failed joins", "%d", r.FailedJoins)
	row("packets", "sent %d, received %d, expected %d, lost %d (%.4f%%), duplicated %d, grace %d",
		r.Packets.Sent, r.Packets.Received, r.Packets.Expected, r.Packets.Lost, 100*r.LossRatio, r.Packets.Duplicated, r.Packets.Grace)
	row("latency ms", "p50 %.2f  p95 %.2f  p99 %.2f  max %.2f", r.Latency.P50, r.Latency.P95, r.Latency.P99, r.Latency.Max)
	row("mode switch ms", "p50 %.2f  p99 %.2f  max %.2f  (n %d; first packet p99 %.2f, last packet p99 %.2f, missing %d)",
		r.SwitchLatency.P50, r.SwitchLatency.P99, r.SwitchLatency.Max, r.SwitchLatency.N, r.SwitchFirst.P99, r.SwitchLast.P99, r.SwitchMissing)
	row("join ms", "p50 %.1f  p99 %.1f  max %.1f", r.Join.P50, r.Join.P99, r.Join.Max)
	row("switches / holds / pci", "%d (%d errors) / %d (%d errors) / %d (%d errors)", r.Switches, r.SwitchErrors, r.Holds, r.HoldErrors, r.PCIPauses, r.PCIErrors)
	if r.Chats > 0 {
		row("chat", "sent %d, received %d, expected %d, lost %d, duplicated %d, refused %d, latency p99 %.2f ms",
			r.Chat.Sent, r.Chat.Received, r.Chat.Expected, r.Chat.Lost, r.Chat.Duplicated, r.ChatRefused, r.Chat.Latency.P99)
	}
	row("server", "CPU %.1f s = %.1f%% of one core, %.1f µs per forwarded packet (%d forwarded)",
		r.Server.CPUSeconds, r.Server.CPUPercent, r.Server.CPUUsPerForwardedPacket, r.Server.ForwardedPackets)
	row("server memory", "RSS %.1f MB (idle %.1f MB), %.0f KiB per leg (heap %.0f KiB), %d goroutines",
		r.Server.RSSMB, r.Server.RSSIdleMB, r.Server.BytesPerLeg/1024, r.Server.HeapBytesPerLeg/1024, r.Server.Goroutines)
	row("load tester", "CPU %.1f%% (%.2fx the server's), RSS %.1f MB", r.Loadtest.CPUPercent, r.Loadtest.CPURatio, r.Loadtest.RSSMB)
	row("srtp", "%s", profilesString(r.SRTPProfiles))
	if r.Nodes > 0 {
		row("cluster", "%d nodes (parties of each call on different nodes)", r.Nodes)
	}
	if f := r.Failover; f != nil {
		row("failover", "SIGKILL %s (%s) at %.1f s (%d legs): %d calls hit, %d recovered, %d lost; recovery ms p50 %.0f p99 %.0f max %.0f; %d sessions resumed elsewhere",
			f.KilledNode, f.KilledRole, f.KilledAtS, f.KilledNodeLegs, f.Conversations, f.Recovered, f.Lost, f.RecoveryMS.P50, f.RecoveryMS.P99, f.RecoveryMS.Max, f.Resumes)
	}
	row("machine", "%d CPUs (%s), %.1f GiB, load %.2f at start, %.2f at end", r.Machine.CPUs, r.Machine.Model, r.Machine.MemGiB, r.Machine.Load1, r.Machine.Load1At)
	for _, e := range r.Errors {
		row("error", "%s", e)
	}
	_ = tw.Flush()
}

// pairsString lists audio leaks by listener<-speaker, if any.
func pairsString(m map[string]uint64) string {
	if len(m) == 0 {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return ": " + strings.Join(parts, ", ")
}

func profilesString(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s ×%d", k, m[k]))
	}
	if len(parts) == 0 {
		return "none negotiated"
	}
	return strings.Join(parts, ", ")
}
