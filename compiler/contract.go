package compiler

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"strings"
	"time"
)

// This file is the contract shared by targets: names that the Prometheus
// rules, the Grafana dashboards, the runbooks and the drift evaluator must
// agree on. Change it in one place.

// DriftMetrics are the series `vigil drift` exports for a model, built
// from the model's metrics.drift.prefix.
type DriftMetrics struct {
	// Score is the test statistic (distance, or p-value for hypothesis
	// tests), labelled model, feature, test.
	Score string
	// Threshold is the threshold in force, labelled like Score.
	Threshold string
	// Detected is 1 when the latest evaluation breached the threshold,
	// else 0, labelled like Score.
	Detected string
	// LastRun is the Unix time of the latest completed evaluation,
	// labelled model.
	LastRun string
	// MissingRatio is the share of missing values in the current sample,
	// labelled model, feature.
	MissingRatio string
	// ConsecutiveBreaches counts the latest evaluations in a row that
	// breached, labelled like Score.
	ConsecutiveBreaches string
	// PValue is the p-value of hypothesis tests, labelled like Score.
	PValue string
	// SampleSize is the non-missing values per sample, labelled model,
	// feature, sample.
	SampleSize string
	// BinShare is each sample's share of a feature's values per bin,
	// labelled model, feature, sample, bin (at most the feature's bins,
	// or 20 reference categories, an "(other)" and an "(unseen)" bin).
	BinShare string
	// RowsRead is the rows read per sample (current: inside the time
	// window), labelled model, sample.
	RowsRead string
	// FeatureErrors is 1 when a feature could not be tested, labelled
	// model, feature.
	FeatureErrors string
	// EvaluationDuration is the latest evaluation's duration in seconds,
	// labelled model.
	EvaluationDuration string
	// Errors counts failed evaluations and features, labelled model,
	// reason.
	Errors string
}

// DriftMetricNames returns the drift series names for the model.
func (m *Model) DriftMetricNames() DriftMetrics {
	p := m.Metrics.DriftPrefix
	return DriftMetrics{
		Score:        p + "_score",
		Threshold:    p + "_threshold",
		Detected:     p + "_detected",
		LastRun:      p + "_last_run_timestamp_seconds",
		MissingRatio: p + "_missing_ratio",

		ConsecutiveBreaches: p + "_consecutive_breaches",
		PValue:              p + "_p_value",
		SampleSize:          p + "_sample_size",
		BinShare:            p + "_bin_share",
		RowsRead:            p + "_rows_read",
		FeatureErrors:       p + "_feature_errors",
		EvaluationDuration:  p + "_evaluation_duration_seconds",
		Errors:              p + "_errors_total",
	}
}

// DashboardUID is the stable Grafana UID of a model's dashboard (Grafana
// allows at most 40 characters).
func DashboardUID(model string) string {
	uid := "vigil-" + model
	if len(uid) > 40 {
		uid = uid[:40]
	}
	return uid
}

// FleetName is the name of what the spec generates once for all its
// models (the fleet dashboard, its Kubernetes object, the Grafana
// provisioning provider): the spec's name, or, when it has none,
// "models-" and the first 8 hex digits of the SHA-256 of the sorted
// model names, one per line. The default differs between specs with
// different models, so two unnamed specs deployed to one Grafana do not
// overwrite each other's fleet dashboard, but it changes whenever a model
// is added, removed or renamed; a spec's name never does.
func (s *Spec) FleetName() string {
	if s.Name != "" {
		return s.Name
	}
	h := sha256.New()
	for _, m := range s.Models {
		h.Write([]byte(m.Name + "\n"))
	}
	return "models-" + hex.EncodeToString(h.Sum(nil)[:4])
}

// FleetDashboardUID is the UID of the fleet overview dashboard,
// "vigilfleet-<fleet name>", also the name of its Kubernetes object. It
// cannot equal a model dashboard's UID ("vigil-<model>") nor a model
// dashboard object's name ("vigil-dashboard-<model>"), and fits Grafana's
// 40 characters (a spec name has at most 29).
func (s *Spec) FleetDashboardUID() string { return "vigilfleet-" + s.FleetName() }

// DashboardURL links to a model's dashboard under the spec's Grafana base
// URL (a path relative to Grafana's root when none is set).
func (s *Spec) DashboardURL(model string) string {
	return s.Links.Grafana + "/d/" + DashboardUID(model)
}

// FleetDashboardURL links to the fleet overview dashboard, like
// DashboardURL.
func (s *Spec) FleetDashboardURL() string {
	return s.Links.Grafana + "/d/" + s.FleetDashboardUID()
}

// PanelURL links to one panel of a model's dashboard, shown alone
// (Grafana's viewPanel), like DashboardURL.
func (s *Spec) PanelURL(model string, panelID uint32) string {
	return s.DashboardURL(model) + "?viewPanel=" + itoa(int64(panelID))
}

// ExploreURL links to Grafana's Explore with one PromQL query over the
// last `last` (a Prometheus duration such as "6h"), on the data source
// links.grafana_datasource names, under the spec's Grafana base URL (a
// path relative to Grafana's root when none is set). The Explore state is
// the URL form Grafana 10 and later read ("schemaVersion=1&panes=…", one
// pane); the query opens in the code editor.
func (s *Spec) ExploreURL(expr, last string) string {
	type query struct {
		RefID      string `json:"refId"`
		Expr       string `json:"expr"`
		EditorMode string `json:"editorMode"`
		Range      bool   `json:"range"`
	}
	type timeRange struct {
		From string `json:"from"`
		To   string `json:"to"`
	}
	type pane struct {
		Datasource string    `json:"datasource"`
		Queries    []query   `json:"queries"`
		Range      timeRange `json:"range"`
	}
	ds := s.Links.GrafanaDatasource
	if ds == "" {
		ds = "default"
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	// Encoding these types cannot fail.
	_ = enc.Encode(map[string]pane{"vigil": {Datasource: ds,
		Queries: []query{{RefID: "A", Expr: expr, EditorMode: "code", Range: true}},
		Range:   timeRange{From: "now-" + last, To: "now"}}})
	v := url.Values{"schemaVersion": {"1"}, "panes": {strings.TrimSuffix(b.String(), "\n")}}
	return s.Links.Grafana + "/explore?" + v.Encode()
}

// ErrNoInstanceLabels explains why the operator dashboards form needs
// output.grafana.instance_labels.
const ErrNoInstanceLabels = "the operator form needs output.grafana.instance_labels, the labels of the Grafana instances the GrafanaDashboards apply to: an empty instanceSelector matches every Grafana in the namespace, and grafana-operator does not let it change once the object exists"

// RunbookURL links to an alert's runbook page under the spec's runbook
// base URL (a path relative to the output directory when none is set).
func (s *Spec) RunbookURL(model, alert string) string {
	base := s.Links.Runbooks
	if base == "" {
		base = "runbooks"
	}
	return base + "/" + model + "/" + alert + ".md"
}

// FormatDuration renders a duration in the form vigil uses in rule names
// and PromQL ranges: whole days as "30d" (never "4w2d"), else the
// largest units, e.g. "1h30m", "5m", "90s".
func FormatDuration(d time.Duration) string {
	if d <= 0 {
		return "0s"
	}
	var b strings.Builder
	units := []struct {
		suffix string
		size   time.Duration
	}{{"d", 24 * time.Hour}, {"h", time.Hour}, {"m", time.Minute}, {"s", time.Second}, {"ms", time.Millisecond}}
	for _, u := range units {
		if n := d / u.size; n > 0 {
			b.WriteString(itoa(int64(n)))
			b.WriteString(u.suffix)
			d -= n * u.size
		}
	}
	return b.String()
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	var buf [20]byte
	i := len(buf)
	for n > 0 {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	return string(buf[i:])
}

// EscapeTemplate makes spec text literal inside a Go template that
// Prometheus (alert labels and annotations) or Alertmanager (webhook
// URLs) expands: every "{{" becomes {{ "{{" }}, which expands back to
// "{{", so the alert carries the text as the spec wrote it. Only "{{"
// starts an action in text/template; "}}", "$" and quotes outside an
// action are plain text and stay as they are. Text vigil writes itself,
// such as {{ $value | humanize }}, is not passed through it.
func EscapeTemplate(s string) string { return strings.ReplaceAll(s, "{{", templateLeftDelim) }

// UnescapeTemplate returns what expanding an EscapeTemplate result gives:
// the text as written. On text that holds no template of vigil's own, it
// is the template's expansion.
func UnescapeTemplate(s string) string { return strings.ReplaceAll(s, templateLeftDelim, "{{") }

// templateLeftDelim is a template action printing "{{".
const templateLeftDelim = `{{ "{{" }}`
