package datadog_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/internal/exampletest"
	"github.com/vigil-dev/vigil/targets/datadog"
	"github.com/vigil-dev/vigil/targets/grafana"
	"github.com/vigil-dev/vigil/targets/runbook"
)

// loadEdited loads an example with text replacements applied.
func loadEdited(t *testing.T, example string, replace ...string) *compiler.Spec {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(exampletest.Dir(), example, "spec.cue"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(src)
	for i := 0; i < len(replace); i += 2 {
		if !strings.Contains(text, replace[i]) {
			t.Fatalf("%s has no %q", example, replace[i])
		}
		text = strings.ReplaceAll(text, replace[i], replace[i+1])
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "spec.cue"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	spec, diags, err := compiler.Load(compiler.Source{Args: []string{dir}})
	if err != nil || len(diags) > 0 {
		t.Fatalf("%v %v", err, diags)
	}
	return spec
}

// TestWindowNotATimeframe: a 28d SLO window becomes Datadog's 30d, in the
// SLO, its burn-rate and error-budget monitors and its widget, and
// NOTES.md says so.
func TestWindowNotATimeframe(t *testing.T) {
	spec := loadEdited(t, "fraud-detection", `objective:    99.95`, "objective:    99.95\n\t\t\twindow:       \"28d\"")
	files := generate(t, spec)
	var slos []struct {
		Name      string `json:"name"`
		Timeframe string `json:"timeframe"`
	}
	if err := json.Unmarshal(files["datadog/slos/fraud-detector.json"], &slos); err != nil {
		t.Fatal(err)
	}
	if slos[0].Timeframe != "30d" {
		t.Errorf("SLO %s timeframe %s, want 30d", slos[0].Name, slos[0].Timeframe)
	}
	mon := string(files["datadog/monitors/fraud-detector.json"])
	if !strings.Contains(mon, `availability}\").over(\"30d\")`) {
		t.Error("the availability SLO's monitors do not use 30d")
	}
	notes := string(files["datadog/NOTES.md"])
	if !strings.Contains(notes, "SLO availability: the 28d window is not a Datadog SLO timeframe") {
		t.Errorf("NOTES.md does not explain the 28d window:\n%s", notes)
	}
}

// TestHandles maps each receiver kind to its Datadog handle, and the
// saas-sla example's severities to its team's receivers.
func TestHandles(t *testing.T) {
	for _, c := range []struct {
		r    compiler.Receiver
		want string
	}{
		{compiler.Receiver{Name: "p", Kind: "pagerduty", Target: "docai-primary"}, "@pagerduty-docai-primary"},
		{compiler.Receiver{Name: "o", Kind: "opsgenie", Target: "DocAI team queue (P3)"}, "@opsgenie-DocAI-team-queue-(P3)"},
		{compiler.Receiver{Name: "s", Kind: "slack", Target: "#docai-alerts"}, "@slack-docai-alerts"},
		{compiler.Receiver{Name: "e", Kind: "email", Target: "ml@example.com"}, "@ml@example.com"},
		{compiler.Receiver{Name: "t", Kind: "msteams"}, "@teams-t"},
		{compiler.Receiver{Name: "retrain", Kind: "webhook", URL: "https://x"}, "@webhook-retrain"},
	} {
		if got := datadog.Handle(&c.r); got != c.want {
			t.Errorf("%+v: %s, want %s", c.r, got, c.want)
		}
	}
	files := generate(t, exampletest.Load(t)["saas-sla"])
	var mons []struct {
		Message string   `json:"message"`
		Tags    []string `json:"tags"`
	}
	if err := json.Unmarshal(files["datadog/monitors/doc-classifier.json"], &mons); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"severity:critical": "@pagerduty-docai-primary", "severity:warning": "@opsgenie-"}
	seen := 0
	for _, m := range mons {
		for _, tag := range m.Tags {
			if h, ok := want[tag]; ok {
				seen++
				if !strings.Contains(m.Message, "\n"+h) {
					t.Errorf("%s monitor's message lacks %s:\n%s", tag, h, m.Message)
				}
			}
		}
		if !strings.Contains(m.Message, "Runbook: https://") {
			t.Errorf("message without a runbook link:\n%s", m.Message)
		}
	}
	if seen == 0 {
		t.Error("no critical or warning monitors")
	}
}

// TestRunbookLinksExist: every monitor's runbook link names a page the
// runbook target writes (the same URL as the Prometheus alert's
// runbook_url).
func TestRunbookLinksExist(t *testing.T) {
	for name, spec := range exampletest.Load(t) {
		files, err := compiler.Generate(spec, []compiler.Target{datadog.Target{}, runbook.Target{}})
		if err != nil {
			t.Fatal(err)
		}
		base := spec.Links.Runbooks
		if base == "" {
			base = "runbooks"
		}
		n := 0
		for p, data := range files {
			if !strings.HasPrefix(p, "datadog/monitors/") {
				continue
			}
			var mons []struct {
				Message string `json:"message"`
			}
			if err := json.Unmarshal(data, &mons); err != nil {
				t.Fatal(err)
			}
			for _, m := range mons {
				_, link, ok := strings.Cut(m.Message, "Runbook: ")
				link, _, _ = strings.Cut(link, "\n")
				page, inBase := strings.CutPrefix(link, base+"/")
				if !ok || !inBase || files["runbooks/"+page] == nil {
					t.Errorf("%s: runbook link %q names no generated page", name, link)
				}
				n++
			}
		}
		if n == 0 && !strings.HasPrefix(name, "case-") {
			t.Errorf("%s: no monitors", name)
		}
	}
}

// TestDashboardGroupsMatchGrafana: each model's Datadog dashboard has
// the Grafana dashboard's rows, in order, as group widgets.
func TestDashboardGroupsMatchGrafana(t *testing.T) {
	for name, spec := range exampletest.Load(t) {
		plain := *spec
		plain.Output.DashboardsFormat = "plain"
		files, err := compiler.Generate(&plain, []compiler.Target{datadog.Target{}, grafana.Target{}})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range spec.Models {
			var g struct {
				Panels []struct {
					Type  string `json:"type"`
					Title string `json:"title"`
				} `json:"panels"`
			}
			var d struct {
				Widgets []struct {
					Definition struct {
						Type  string `json:"type"`
						Title string `json:"title"`
					} `json:"definition"`
				} `json:"widgets"`
			}
			if err := json.Unmarshal(files["grafana/"+m.Name+".json"], &g); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if err := json.Unmarshal(files["datadog/dashboards/"+m.Name+".json"], &d); err != nil {
				t.Fatal(err)
			}
			var rows, groups []string
			for _, p := range g.Panels {
				if p.Type == "row" {
					rows = append(rows, p.Title)
				}
			}
			for _, w := range d.Widgets {
				if w.Definition.Type == "group" {
					groups = append(groups, w.Definition.Title)
				}
			}
			if len(rows) == 0 || strings.Join(rows, "|") != strings.Join(groups, "|") {
				t.Errorf("%s %s: Grafana rows %q, Datadog groups %q", name, m.Name, rows, groups)
			}
		}
	}
}

// TestShardedDriftStaleMonitor: with the drift evaluation sharded, the
// staleness monitor follows the oldest shard's last run (min), so one
// stopped shard is seen, and NOTES.md says what it cannot see; the
// unsharded example keeps max.
func TestShardedDriftStaleMonitor(t *testing.T) {
	const stale = `diff(%s:vigil.vigil_drift_last_run_timestamp_seconds{model:product-recs})`
	mon := string(generate(t, loadEdited(t, "recommendations-drift"))["datadog/monitors/product-recs.json"])
	if !strings.Contains(mon, fmt.Sprintf(stale, "max")) {
		t.Errorf("unsharded: no max staleness query in\n%s", mon)
	}
	files := generate(t, loadEdited(t, "recommendations-drift", "\tdrift: {\n", "\tdrift: {\n\t\tshards: 2\n"))
	mon = string(files["datadog/monitors/product-recs.json"])
	if !strings.Contains(mon, fmt.Sprintf(stale, "min")) || strings.Contains(mon, fmt.Sprintf(stale, "max")) {
		t.Errorf("sharded: the staleness query does not take the oldest shard's run:\n%s", mon)
	}
	if !strings.Contains(string(files["datadog/NOTES.md"]), "cannot tell that a shard never reported") {
		t.Error("NOTES.md does not say that a missing shard goes unseen")
	}
}
