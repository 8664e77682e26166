package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/earshot/earshot/auth"
)

// dashboardPath is the Grafana dashboard shipped in deploy/.
const dashboardPath = "../deploy/grafana/earshot.json"

// dashboardQueries returns every PromQL expression of the dashboard's
// panels (rows' nested panels included).
func dashboardQueries(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile(dashboardPath)
	if err != nil {
		t.Fatal(err)
	}
	type target struct {
		Expr string `json:"expr"`
	}
	type panel struct {
		Title   string   `json:"title"`
		Targets []target `json:"targets"`
		Panels  []panel  `json:"panels"`
	}
	var dash struct {
		Panels []panel `json:"panels"`
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("%s: %v", dashboardPath, err)
	}
	var out []string
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			for _, tg := range p.Targets {
				if strings.TrimSpace(tg.Expr) == "" {
					t.Errorf("panel %q has an empty query", p.Title)
				}
				out = append(out, tg.Expr)
			}
			walk(p.Panels)
		}
	}
	walk(dash.Panels)
	return out
}

// metricName finds the metric names a PromQL expression selects.
var metricName = regexp.MustCompile(`\bearshot_[a-zA-Z0-9_]+`)

// scrape reads /metrics: every sample line by its full text, and the set of
// sample names.
func scrape(t *testing.T, ts *testServer) (lines []string, names map[string]bool) {
	t.Helper()
	resp, err := http.Get(ts.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("/metrics: %s %s", resp.Status, b)
	}
	names = map[string]bool{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		l := sc.Text()
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		lines = append(lines, l)
		names[l[:strings.IndexAny(l, "{ ")]] = true
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines, names
}

// sample returns the value text of the sample line that starts with
// series (name and labels exactly as exposed), "" if none.
func sample(lines []string, series string) string {
	for _, l := range lines {
		if v, ok := strings.CutPrefix(l, series+" "); ok {
			return v
		}
	}
	return ""
}

// TestGrafanaDashboardMetricsExist: every metric the Grafana dashboard
// queries is exposed by a running server, after a barged call and an
// accepted help request gave the vectors samples; and during the barge
// the floor metrics count the supervisor once, as a monitor in Barge.
func TestGrafanaDashboardMetricsExist(t *testing.T) {
	queries := dashboardQueries(t)
	if len(queries) < 10 {
		t.Fatalf("%d queries in the dashboard", len(queries))
	}
	ts := startServer(t, nil)
	cust := newParty(t, ts, "customer", ts.token(t, "carla", "Carla", auth.RoleCustomer))
	agent := newParty(t, ts, "agent", ts.token(t, "alex", "Alex", auth.RoleAgent, "team-a"))
	sup := newParty(t, ts, "supervisor", ts.token(t, "sam", "Sam", auth.RoleSupervisor, "team-a"))
	id := voiceCall(t, ts, cust, agent)

	var help struct {
		HelpRequest struct {
			ID string `json:"id"`
		} `json:"help_request"`
	}
	agent.do(t, "help.raise", map[string]string{"conversation_id": id, "reason": "angry customer"}, &help)
	sup.do(t, "help.accept", map[string]string{"help_request_id": help.HelpRequest.ID}, nil)
	var mon startResp
	sup.do(t, "monitor.start", map[string]string{"conversation_id": id, "reason": "help", "offer": sup.offer(t)}, &mon)
	sup.connect(t, mon.Answer)
	sup.do(t, "monitor.set_mode", map[string]string{"conversation_id": id, "mode": "barge"}, nil)
	cust.hearsAfter(t, sup, sup.seq(), 10)

	lines, names := scrape(t, ts)
	var missing []string
	for _, q := range queries {
		for _, name := range metricName.FindAllString(q, -1) {
			if !names[name] && !slices.Contains(missing, name) {
				missing = append(missing, name)
			}
		}
	}
	if len(missing) > 0 {
		t.Errorf("the dashboard queries metrics /metrics does not expose: %v", missing)
	}

	// Barged: one conversation, three legs, one monitor in Barge and none
	// in another mode, one busy agent (the supervisor is not an agent).
	for series, want := range map[string]string{
		`earshot_conversations{channel="voice",state="active"}`: "1",
		`earshot_monitors{mode="barge"}`:                        "1",
		`earshot_monitors{mode="listen"}`:                       "0",
		`earshot_monitors{mode="whisper"}`:                      "0",
		`earshot_agents{state="busy"}`:                          "1",
		`earshot_legs`:                                          "3",
		`earshot_help_requests{status="in_progress"}`:           "1",
		`earshot_help_requests{status="open"}`:                  "0",
		`earshot_help_accept_seconds_count`:                     "1",
	} {
		if got := sample(lines, series); got != want {
			t.Errorf("%s = %q during barge, want %s", series, got, want)
		}
	}
}
