package main

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/earshot/earshot/callcenter"
	"github.com/earshot/earshot/media"
)

// metrics is the server's Prometheus registry. Gauges are read from the
// domain and the SFU at scrape time, so they stay right whatever happens
// (barge included) without bookkeeping on every change.
type metrics struct {
	reg        *prometheus.Registry
	modeSwitch prometheus.Histogram
}

// sessionCounter reports live signaling sessions.
type sessionCounter interface{ Sessions() int }

func newMetrics(center *callcenter.Center, sfu *media.SFU, sessions sessionCounter) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.modeSwitch = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "earshot_mode_switch_seconds",
		Help:    "Time from a supervisor's mode-switch request to its acknowledgement (routes applied).",
		Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25},
	})
	counter := func(name, help string, f func(media.Stats) uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, func() float64 { return float64(f(sfu.Stats())) })
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.modeSwitch,
		counter("earshot_packets_received_total", "RTP packets received from speakers.", func(s media.Stats) uint64 { return s.PacketsReceived }),
		counter("earshot_packets_forwarded_total", "RTP packet copies forwarded to listeners.", func(s media.Stats) uint64 { return s.PacketsForwarded }),
		counter("earshot_packets_dropped_total", "RTP packets gated at ingress (speaker heard by nobody).", func(s media.Stats) uint64 { return s.PacketsDropped }),
		counter("earshot_rtcp_sent_total", "RTCP compound packets sent (sender and receiver reports).", func(s media.Stats) uint64 { return s.RTCPSent }),
		counter("earshot_rtcp_received_total", "RTCP packets received from clients.", func(s media.Stats) uint64 { return s.RTCPReceived }),
		counter("earshot_rtcp_dropped_total", "RTCP packets from clients dropped as malformed or undecryptable.", func(s media.Stats) uint64 { return s.RTCPDropped }),
		counter("earshot_recording_packets_total", "RTP packets written to recording files.", func(s media.Stats) uint64 { return s.RecordingWritten }),
		counter("earshot_recording_dropped_total", "RTP packets left out of a recording because the recording queue was full (forwarding never waits).", func(s media.Stats) uint64 { return s.RecordingDropped }),
		counter("earshot_recording_bytes_total", "Bytes written to recording files.", func(s media.Stats) uint64 { return s.RecordingBytes }),
		counter("earshot_ice_tcp_dropped_total", "Packets dropped because an ICE-TCP client's write queue was full.", func(s media.Stats) uint64 { return s.TCPDropped }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "earshot_ice_tcp_connections", Help: "Open ICE-TCP connections (bound to a leg or awaiting a valid check)."},
			func() float64 { return float64(sfu.Stats().TCPConnections) }),
		&stateCollector{center: center, sfu: sfu, sessions: sessions},
	)
	return m
}

func (m *metrics) observeModeSwitch(d time.Duration) { m.modeSwitch.Observe(d.Seconds()) }

var (
	descConversations = prometheus.NewDesc("earshot_conversations", "Live conversations by channel and state.", []string{"channel", "state"}, nil)
	descMonitors      = prometheus.NewDesc("earshot_monitors", "Supervisors monitoring, by mode.", []string{"mode"}, nil)
	descAgents        = prometheus.NewDesc("earshot_agents", "Known agents by state.", []string{"state"}, nil)
	descLegs          = prometheus.NewDesc("earshot_legs", "Live media legs (one transport per connected client).", nil, nil)
	descSessions      = prometheus.NewDesc("earshot_signaling_sessions", "Live signaling sessions (attached or within resume grace).", nil, nil)
	descShardReceived = prometheus.NewDesc("earshot_media_shard_received_total", "Datagrams read by each media forwarding shard.", []string{"shard"}, nil)
	descShardSent     = prometheus.NewDesc("earshot_media_shard_sent_total", "Forwarded SRTP datagrams sent by each media forwarding shard.", []string{"shard"}, nil)
	descHelpRequests  = prometheus.NewDesc("earshot_help_requests", "Active help requests by status (open: waiting for a supervisor; in_progress: accepted).", []string{"status"}, nil)
	descHelpAccept    = prometheus.NewDesc("earshot_help_accept_seconds", "Time from a help request being raised to a supervisor accepting it.", nil, nil)
	descHealthAlerts  = prometheus.NewDesc("earshot_health_alerts", "Call-health rules raised now, by rule (one per conversation and rule).", []string{"rule"}, nil)
	descHealthRaised  = prometheus.NewDesc("earshot_health_alerts_raised_total", "Call-health alerts raised since start, by rule.", []string{"rule"}, nil)
)

// stateCollector turns the live state into gauges at scrape time.
type stateCollector struct {
	center   *callcenter.Center
	sfu      *media.SFU
	sessions sessionCounter
}

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descConversations, descMonitors, descAgents, descLegs, descSessions, descShardReceived, descShardSent,
		descHelpRequests, descHelpAccept, descHealthAlerts, descHealthRaised} {
		ch <- d
	}
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.center.Stats()
	for channel, byState := range st.Conversations {
		for state, n := range byState {
			ch <- prometheus.MustNewConstMetric(descConversations, prometheus.GaugeValue, float64(n), channel, state)
		}
	}
	for mode, n := range st.Monitors {
		ch <- prometheus.MustNewConstMetric(descMonitors, prometheus.GaugeValue, float64(n), mode)
	}
	for state, n := range st.Agents {
		ch <- prometheus.MustNewConstMetric(descAgents, prometheus.GaugeValue, float64(n), state)
	}
	for status, n := range st.HelpRequests {
		ch <- prometheus.MustNewConstMetric(descHelpRequests, prometheus.GaugeValue, float64(n), status)
	}
	waits := st.HelpAcceptSeconds
	buckets := make(map[float64]uint64, len(waits.Bounds))
	for i, b := range waits.Bounds {
		buckets[b] = waits.Buckets[i]
	}
	ch <- prometheus.MustNewConstHistogram(descHelpAccept, waits.Count, waits.Sum, buckets)
	for rule, n := range st.HealthAlerts {
		ch <- prometheus.MustNewConstMetric(descHealthAlerts, prometheus.GaugeValue, float64(n), rule)
	}
	for rule, n := range st.HealthAlertsRaised {
		ch <- prometheus.MustNewConstMetric(descHealthRaised, prometheus.CounterValue, float64(n), rule)
	}
	sfuStats := c.sfu.Stats()
	ch <- prometheus.MustNewConstMetric(descLegs, prometheus.GaugeValue, float64(sfuStats.Legs))
	for i, sh := range sfuStats.Shards {
		shard := strconv.Itoa(i)
		ch <- prometheus.MustNewConstMetric(descShardReceived, prometheus.CounterValue, float64(sh.Received), shard)
		ch <- prometheus.MustNewConstMetric(descShardSent, prometheus.CounterValue, float64(sh.Sent), shard)
	}
	ch <- prometheus.MustNewConstMetric(descSessions, prometheus.GaugeValue, float64(c.sessions.Sessions()))
}
