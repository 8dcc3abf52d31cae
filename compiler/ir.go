package compiler

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/vigil-dev/vigil/drift/config"
	"github.com/vigil-dev/vigil/internal/decimal"
)

// The IR is what targets consume: plain Go values with every default
// filled in, every duration parsed and every reference resolved. Slices
// are sorted by name, so iterating them is deterministic. Targets must
// treat the IR as read-only.

// Spec is a whole compiled spec.
type Spec struct {
	// Name is the spec's name as written; empty when unset (see
	// FleetName).
	Name string `json:"name,omitempty"`
	// Models, sorted by name.
	Models []*Model `json:"models,omitempty"`
	// Links are the base URLs for generated links.
	Links Links `json:"links,omitempty"`
	// Teams, sorted by name.
	Teams []*Team `json:"teams,omitempty"`
	// Routing holds the Alertmanager routing hints.
	Routing Routing `json:"routing,omitempty"`
	// Output holds the chosen artifact forms.
	Output Output `json:"output,omitempty"`
	// Files are the spec's source files, relative to the working
	// directory, sorted.
	Files []string `json:"files,omitempty"`
	// Memo is set by Generate for its targets (see Memo); nil otherwise.
	Memo *Memo `json:"-"`
}

// Model returns the model with the given name, or nil.
func (s *Spec) Model(name string) *Model {
	i := sort.Search(len(s.Models), func(i int) bool { return s.Models[i].Name >= name })
	if i < len(s.Models) && s.Models[i].Name == name {
		return s.Models[i]
	}
	return nil
}

// Team returns the team with the given name, or nil.
func (s *Spec) Team(name string) *Team {
	for _, t := range s.Teams {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// Links are the base URLs that generated links are built from. Empty
// strings mean relative links inside the output tree.
type Links struct {
	Runbooks string `json:"runbooks,omitempty"`
	Grafana  string `json:"grafana,omitempty"`
	// GrafanaDatasource is the Prometheus data source (UID or name) that
	// Explore links open; "default" when unset.
	GrafanaDatasource string `json:"grafana_datasource,omitempty"`
}

// Output holds the chosen artifact forms.
type Output struct {
	// RulesFormat is "plain", "operator" or "mimir".
	RulesFormat string `json:"rules_format,omitempty"`
	// Namespace is the Kubernetes namespace of PrometheusRule objects.
	Namespace string `json:"namespace,omitempty"`
	// RuleLabels are labels on PrometheusRule objects, sorted by name.
	RuleLabels []Label `json:"rule_labels,omitempty"`
	// DashboardsFormat is "plain", "configmap", "operator" or "v2".
	DashboardsFormat string `json:"dashboards_format,omitempty"`
	// DashboardsNamespace is the namespace of dashboard objects.
	DashboardsNamespace string `json:"dashboards_namespace,omitempty"`
	// GrafanaInstanceLabels select grafana-operator instances, sorted.
	GrafanaInstanceLabels []Label `json:"grafana_instance_labels,omitempty"`
	// GrafanaFolder is the folder of provisioned dashboards.
	GrafanaFolder string `json:"grafana_folder,omitempty"`
	// DriftImage is the image of the drift evaluator's CronJobs.
	DriftImage string `json:"drift_image,omitempty"`
	// DriftNamespace is the Kubernetes namespace of the CronJobs.
	DriftNamespace string `json:"drift_namespace,omitempty"`
	// RuleCheck is how each generated rule file is checked before it is
	// returned: "shapes" (also when empty; rulefmt's checks on the rule
	// groups, shared between identical expression shapes and templates)
	// or "rulefmt" (rulefmt.Parse of every file, as Prometheus loads it).
	// It is set by `vigil compile --rule-check`, not by the spec, and
	// never changes the output.
	RuleCheck string `json:"rule_check,omitempty"`
}

// RuleChecks are the accepted Output.RuleCheck values.
var RuleChecks = []string{"shapes", "rulefmt"}

// DashboardsFormats are the accepted Output.DashboardsFormat values.
var DashboardsFormats = []string{"plain", "configmap", "operator", "v2"}

// RulesFormats are the accepted Output.RulesFormat values.
var RulesFormats = []string{"plain", "operator", "mimir"}

// Team is a team that owns models.
type Team struct {
	Name     string   `json:"name,omitempty"`
	Contacts Contacts `json:"contacts,omitempty"`
	// Receivers maps a severity to an Alertmanager receiver name.
	Receivers map[Severity]string `json:"receivers,omitempty"`
}

// Contacts says how to reach people.
type Contacts struct {
	Chat  string `json:"chat,omitempty"`
	Pager string `json:"pager,omitempty"`
	Email string `json:"email,omitempty"`
	Owner string `json:"owner,omitempty"`
}

// IsZero reports whether no contact is set.
func (c Contacts) IsZero() bool { return c == Contacts{} }

// Routing holds the Alertmanager routing hints.
type Routing struct {
	DefaultReceiver string `json:"default_receiver,omitempty"`
	// Receivers, sorted by name.
	Receivers []*Receiver `json:"receivers,omitempty"`
	GroupBy   []string    `json:"group_by,omitempty"`
	// GroupWait, GroupInterval and RepeatInterval are the Alertmanager
	// notification timings.
	GroupWait      Duration `json:"group_wait,omitempty"`
	GroupInterval  Duration `json:"group_interval,omitempty"`
	RepeatInterval Duration `json:"repeat_interval,omitempty"`
	// SeverityNames maps each severity to the `severity` label value.
	SeverityNames map[Severity]string `json:"severity_names,omitempty"`
}

// Receiver is an Alertmanager receiver known to the spec.
type Receiver struct {
	Name   string `json:"name,omitempty"`
	Kind   string `json:"kind,omitempty"`
	Target string `json:"target,omitempty"`
	URL    string `json:"url,omitempty"`
}

// Severity is an alert severity.
type Severity string

// The severities, from most to least urgent.
const (
	Critical Severity = "critical"
	Warning  Severity = "warning"
	Info     Severity = "info"
)

// Rank orders severities: critical 3, warning 2, info 1.
func (s Severity) Rank() int {
	switch s {
	case Critical:
		return 3
	case Warning:
		return 2
	case Info:
		return 1
	}
	return 0
}

// Duration is a parsed Prometheus duration. String returns the canonical
// Prometheus form ("1h", "30d", "1h30m").
type Duration = model.Duration

// Label is one label name and value.
type Label struct {
	Name  string `json:"name,omitempty"`
	Value string `json:"value,omitempty"`
}

// Matcher is one PromQL label matcher.
type Matcher struct {
	Name string `json:"name"`
	// Op is "=", "!=", "=~" or "!~".
	Op    string `json:"op"`
	Value string `json:"value"`
}

// String renders the matcher in PromQL, e.g. `code=~"5.."`.
func (m Matcher) String() string { return m.Name + m.Op + quote(m.Value) }

// Selector is a set of label matchers, sorted by label name, operator and
// value.
type Selector []Matcher

// String renders the selector's matchers without braces, e.g.
// `model="fraud",outcome="error"`, for use inside a PromQL selector.
func (s Selector) String() string {
	parts := make([]string, len(s))
	for i, m := range s {
		parts[i] = m.String()
	}
	return strings.Join(parts, ",")
}

// With returns a new selector with extra matchers added. An extra matcher
// replaces every matcher of s on the same label.
func (s Selector) With(extra Selector) Selector {
	override := map[string]bool{}
	for _, m := range extra {
		override[m.Name] = true
	}
	out := Selector{}
	for _, m := range s {
		if !override[m.Name] {
			out = append(out, m)
		}
	}
	return sortSelector(append(out, extra...))
}

func sortSelector(s Selector) Selector {
	sort.Slice(s, func(i, j int) bool {
		if s[i].Name != s[j].Name {
			return s[i].Name < s[j].Name
		}
		if s[i].Op != s[j].Op {
			return s[i].Op < s[j].Op
		}
		return s[i].Value < s[j].Value
	})
	out := s[:0]
	for i, m := range s {
		if i == 0 || m != s[i-1] {
			out = append(out, m)
		}
	}
	return out
}

func selectorFromMap(m map[string]string) Selector {
	out := make(Selector, 0, len(m))
	for k, v := range m {
		out = append(out, Matcher{Name: k, Op: "=", Value: v})
	}
	return sortSelector(out)
}

// quote renders a PromQL string literal. PromQL strings use Go's escape
// sequences, so strconv.Quote escapes quotes, backslashes, control
// characters and invalid UTF-8: a spec value can never end the literal
// early and inject PromQL.
func quote(s string) string { return strconv.Quote(s) }

// Quote is quote for targets.
func Quote(s string) string { return quote(s) }

// Series is a metric selected by name and matchers.
type Series struct {
	Metric   string   `json:"metric,omitempty"`
	Selector Selector `json:"selector,omitempty"`
}

// Histogram is a classic histogram with declared bucket boundaries.
type Histogram struct {
	Series
	// Buckets are the `le` boundaries, ascending, without +Inf.
	Buckets []decimal.D `json:"buckets,omitzero"`
}

// HasBucket reports whether b is one of the declared boundaries.
func (h Histogram) HasBucket(b decimal.D) bool {
	for _, x := range h.Buckets {
		if x == b {
			return true
		}
	}
	return false
}

// Metrics maps the metric contract onto a model's series.
type Metrics struct {
	// Naming is "otel" when the service's series come through the
	// OpenTelemetry Prometheus exporter (metrics.naming), and empty for
	// Prometheus naming.
	Naming string `json:"naming,omitempty"`
	// OTel holds the contract's OpenTelemetry instruments under naming
	// "otel" (nil otherwise); the Series below are their translations.
	OTel *OTelInstruments `json:"otel,omitempty"`
	// Requests selects all requests; failed requests match
	// Requests.Selector plus ErrorSelector (an ErrorSelector matcher
	// replaces a request matcher on the same label).
	Requests      Series    `json:"requests,omitempty"`
	ErrorSelector Selector  `json:"error_selector,omitempty"`
	Latency       Histogram `json:"latency,omitempty"`
	Confidence    Histogram `json:"confidence,omitempty"`
	Predictions   Series    `json:"predictions,omitempty"`
	// PredictionLabel is the label holding the predicted class.
	PredictionLabel string `json:"prediction_label,omitempty"`
	Feedback        Series `json:"feedback,omitempty"`
	// FeedbackPredicted and FeedbackActual are the feedback counter's
	// class labels.
	FeedbackPredicted string `json:"feedback_predicted,omitempty"`
	FeedbackActual    string `json:"feedback_actual,omitempty"`
	// FeedbackClasses lists every class value (sorted), when declared.
	FeedbackClasses []string `json:"feedback_classes,omitempty"`
	// DriftPrefix is the metric name prefix of `vigil drift` series.
	DriftPrefix string `json:"drift_prefix,omitempty"`
}

// Model is one monitored model.
type Model struct {
	Name        string   `json:"name,omitempty"`
	DisplayName string   `json:"display_name,omitempty"`
	Description string   `json:"description,omitempty"`
	Team        string   `json:"team,omitempty"`
	Contacts    Contacts `json:"contacts,omitempty"`
	// Tier is the business criticality: critical, high, standard or low.
	Tier         string `json:"tier,omitempty"`
	VersionLabel string `json:"version_label,omitempty"`
	// Labels are extra labels for every rule and alert, sorted by name.
	Labels []Label `json:"labels,omitempty"`
	// Links are named URLs, sorted by name.
	Links          []Label        `json:"links,omitempty"`
	Metrics        Metrics        `json:"metrics,omitempty"`
	KPIs           []*KPI         `json:"kpis,omitempty"`
	Infrastructure Infrastructure `json:"infrastructure,omitempty"`
	Pipeline       Pipeline       `json:"pipeline,omitempty"`
	Features       []*Feature     `json:"features,omitempty"`
	// Drift is nil when the model declares no features.
	Drift      *Drift          `json:"drift,omitempty"`
	SLOs       []*SLO          `json:"slos,omitempty"`
	Shares     []*ShareAlert   `json:"shares,omitempty"`
	Anomalies  []*AnomalyAlert `json:"anomalies,omitempty"`
	Absent     AbsentAlert     `json:"absent,omitempty"`
	Runbook    ModelRunbook    `json:"runbook,omitempty"`
	Retraining *Retraining     `json:"retraining,omitempty"`
}

// KPI is a business KPI.
type KPI struct {
	Name        string `json:"name,omitempty"`
	Title       string `json:"title,omitempty"`
	Query       string `json:"query,omitempty"`
	Unit        string `json:"unit,omitempty"`
	Description string `json:"description,omitempty"`
}

// Infrastructure holds PromQL for the serving pods; empty means unset.
type Infrastructure struct {
	CPU      string `json:"cpu,omitempty"`
	Memory   string `json:"memory,omitempty"`
	Replicas string `json:"replicas,omitempty"`
}

// Pipeline describes the upstream data pipeline; empty means unset.
type Pipeline struct {
	LastSuccess string `json:"last_success,omitempty"`
	Rows        string `json:"rows,omitempty"`
	// MaxAge is zero when unset.
	MaxAge Duration `json:"max_age,omitempty"`
}

// FeatureType is a feature's value type.
type FeatureType string

// The feature types.
const (
	Numeric     FeatureType = "numeric"
	Categorical FeatureType = "categorical"
	Boolean     FeatureType = "boolean"
)

// Feature is a model input with a drift test.
type Feature struct {
	Name        string         `json:"name,omitempty"`
	Type        FeatureType    `json:"type,omitempty"`
	Column      string         `json:"column,omitempty"`
	Description string         `json:"description,omitempty"`
	Critical    bool           `json:"critical"`
	Test        DriftTest      `json:"test,omitempty"`
	Runbook     RunbookContent `json:"runbook,omitempty"`
}

// DriftTest is one resolved drift test.
type DriftTest struct {
	// Method is the test name: auto, psi, ks, jensen_shannon, kl,
	// wasserstein, chi_square, hellinger, cramer_von_mises or
	// anderson_darling.
	Method string `json:"method,omitempty"`
	// Threshold is the alert threshold (a distance for distance tests, a
	// p-value for hypothesis tests).
	Threshold decimal.D `json:"threshold,omitzero"`
	// ThresholdIsDefault reports whether the threshold came from the
	// per-test default rather than the spec.
	ThresholdIsDefault bool     `json:"threshold_is_default"`
	Bins               int      `json:"bins,omitempty"`
	Binning            string   `json:"binning,omitempty"`
	Consecutive        int      `json:"consecutive,omitempty"`
	Severity           Severity `json:"severity,omitempty"`
	// Conventions is "evidently" when the test follows Evidently's
	// definitions (statistics, binning, smoothing, default thresholds and
	// their directions, automatic choice; docs/drift-tests.md), empty for
	// vigil's.
	Conventions string `json:"conventions,omitempty"`
}

// PValueTests are the hypothesis tests: drift when p-value < threshold
// (defined in drift/config, shared with the evaluator).
var PValueTests = config.PValueTests

// ConventionsEvidently is DriftTest.Conventions for Evidently's
// definitions.
const ConventionsEvidently = config.ConventionsEvidently

// EvidentlyInclusive are the tests that, with conventions "evidently",
// drift at the threshold too (defined in drift/config).
var EvidentlyInclusive = config.EvidentlyInclusive

// EvidentlyThresholds are the per-test default thresholds with conventions
// "evidently" (Evidently's, defined in drift/config).
var EvidentlyThresholds = func() map[string]decimal.D {
	out := map[string]decimal.D{}
	for k, v := range config.EvidentlyThresholds {
		out[k] = decimal.MustParse(v)
	}
	return out
}()

// DefaultThresholds are the per-test default thresholds (defined in
// drift/config). `auto` has none: the evaluator applies the default of the
// test it picks.
var DefaultThresholds = func() map[string]decimal.D {
	out := map[string]decimal.D{}
	for k, v := range config.DefaultThresholds {
		out[k] = decimal.MustParse(v)
	}
	return out
}()

// Drift holds a model's drift evaluation settings.
type Drift struct {
	Reference DataSource `json:"reference,omitempty"`
	Current   DataSource `json:"current,omitempty"`
	// Schedule is the interval between evaluations.
	Schedule Duration `json:"schedule,omitempty"`
	// Cron is the CronJob schedule.
	Cron string `json:"cron,omitempty"`
	// Window is the span of current data each evaluation reads.
	Window Duration `json:"window,omitempty"`
	// Consecutive, Severity: model defaults, already applied to features.
	Consecutive int      `json:"consecutive,omitempty"`
	Severity    Severity `json:"severity,omitempty"`
	Correction  string   `json:"correction,omitempty"`
	// ShareThreshold is the percentage of drifting features that raises a
	// model-level alert; zero means no such alert.
	ShareThreshold decimal.D `json:"share_threshold,omitzero"`
	// Conventions is the model's default for its features' tests:
	// "evidently", or empty for vigil's (see DriftTest.Conventions).
	Conventions string `json:"conventions,omitempty"`
	// Shards is the number of evaluator processes sharing the features
	// when it is more than one; 0 means one process, unsharded (its
	// output carries no shard label). Use ShardCount.
	Shards int `json:"shards,omitempty"`
}

// ShardCount is the number of evaluator processes: Shards, or 1.
func (d *Drift) ShardCount() int { return max(d.Shards, 1) }

// Sharded reports whether the evaluation runs as more than one process,
// whose series carry a shard label.
func (d *Drift) Sharded() bool { return d.Shards > 1 }

// DataSource is a set of data files.
type DataSource struct {
	Path       string `json:"path,omitempty"`
	Format     string `json:"format,omitempty"`
	TimeColumn string `json:"time_column,omitempty"`
}

// SLIKind is the kind of an SLO's indicator.
type SLIKind string

// The SLI kinds.
const (
	Availability SLIKind = "availability"
	Latency      SLIKind = "latency"
	Quality      SLIKind = "quality"
	Freshness    SLIKind = "freshness"
	Ratio        SLIKind = "ratio"
)

// SLO is one service-level objective.
type SLO struct {
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
	// Objective is the target percentage, e.g. 99.9.
	Objective decimal.D `json:"objective,omitzero"`
	Window    Duration  `json:"window,omitempty"`
	Kind      SLIKind   `json:"kind,omitempty"`
	// Exactly one of the following is set, matching Kind.
	Latency   *LatencySLI   `json:"latency,omitempty"`
	Quality   *QualitySLI   `json:"quality,omitempty"`
	Freshness *FreshnessSLI `json:"freshness,omitempty"`
	Ratio     *RatioSLI     `json:"ratio,omitempty"`
	// Slices makes a latency or ratio SLO time-slice based.
	Slices *Slices `json:"slices,omitempty"`

	Page   BurnPolicy `json:"page,omitempty"`
	Ticket BurnPolicy `json:"ticket,omitempty"`
	// Tiers are budget-consumption tiers in increasing order.
	Tiers []BudgetTier `json:"tiers,omitempty"`
	// MinBadEvents is the low-traffic guard: burn-rate alerts need at
	// least this many bad events in their long window (0: no guard).
	MinBadEvents int64          `json:"min_bad_events,omitzero"`
	Runbook      RunbookContent `json:"runbook,omitempty"`
}

// Slices are a time-slice SLO's slices: a slice of Length is good when
// at least Percentile percent of its requests met the latency threshold
// (latency SLIs) or its error ratio is at most MaxErrorPercent percent
// (ratio SLIs).
type Slices struct {
	Length          Duration  `json:"length,omitempty"`
	Percentile      decimal.D `json:"percentile,omitzero"`
	MaxErrorPercent decimal.D `json:"max_error_percent,omitzero"`
}

// TimeBased reports whether the SLO counts time (evaluations) rather
// than events: freshness and time-slice SLOs. Their rules record one
// event per evaluation and have no low-traffic guard.
func (s *SLO) TimeBased() bool { return s.Kind == Freshness || s.Slices != nil }

// ObjectiveRatio is the objective as a ratio, e.g. 0.999.
func (s *SLO) ObjectiveRatio() decimal.D { return s.Objective.Quo(decimal.Hundred) }

// ErrorBudget is the allowed bad-event ratio, e.g. 0.001.
func (s *SLO) ErrorBudget() decimal.D { return decimal.One.Sub(s.ObjectiveRatio()) }

// AlertWindows returns the window pairs of the SLO's enabled burn-rate
// policies, page first, in policy order.
func (s *SLO) AlertWindows() []BurnWindow {
	var out []BurnWindow
	for _, p := range []BurnPolicy{s.Page, s.Ticket} {
		if p.Enabled {
			out = append(out, p.Windows...)
		}
	}
	return out
}

// BudgetDuration is the error budget as time of full outage over the
// window, e.g. 43.2 minutes for 99.9% over 30 days.
func (s *SLO) BudgetDuration() time.Duration {
	secs := s.ErrorBudget().Mul(decimal.FromInt(int64(time.Duration(s.Window) / time.Second)))
	return time.Duration(secs.Float64() * float64(time.Second))
}

// LatencySLI counts requests faster than Threshold as good.
type LatencySLI struct {
	Threshold Duration `json:"threshold,omitempty"`
	// Le is the histogram bucket boundary (seconds) equal to Threshold.
	Le decimal.D `json:"le,omitzero"`
}

// QualitySLI measures prediction quality from feedback.
type QualitySLI struct {
	// Metric is accuracy, precision or recall.
	Metric          string    `json:"metric,omitempty"`
	PositiveClass   string    `json:"positive_class,omitempty"`
	RollingWindow   Duration  `json:"rolling_window,omitempty"`
	MinFeedbackRate decimal.D `json:"min_feedback_rate,omitzero"`
}

// FreshnessSLI counts time as good while the data is younger than MaxAge.
type FreshnessSLI struct {
	LastSuccess string   `json:"last_success,omitempty"`
	MaxAge      Duration `json:"max_age,omitempty"`
}

// RatioSLI is a custom ratio; queries contain `$window` where the range
// goes.
type RatioSLI struct {
	Errors string `json:"errors,omitempty"`
	Total  string `json:"total,omitempty"`
}

// BurnPolicy is one class (page or ticket) of burn-rate alerts.
type BurnPolicy struct {
	Enabled  bool         `json:"enabled"`
	Severity Severity     `json:"severity,omitempty"`
	For      Duration     `json:"for,omitempty"`
	Windows  []BurnWindow `json:"windows,omitempty"`
	// Unreachable lists default window pairs left out because the error
	// budget is too large for them to ever fire (factor x budget > 100%).
	Unreachable []BurnWindow `json:"unreachable,omitempty"`
	// Labels and Annotations are extra ones on the class's alerts, sorted
	// by name.
	Labels      []Label `json:"labels,omitempty"`
	Annotations []Label `json:"annotations,omitempty"`
}

// BurnWindow is a long/short window pair with its burn-rate factor.
type BurnWindow struct {
	Long  Duration `json:"long,omitempty"`
	Short Duration `json:"short,omitempty"`
	// Factor is the burn rate that fires the alert, e.g. 14.4.
	Factor decimal.D `json:"factor,omitzero"`
	// BudgetPercent is the share of the budget burnt in Long at Factor.
	BudgetPercent decimal.D `json:"budget_percent,omitzero"`
}

// BudgetTier alerts when Consumed percent of the budget is spent.
type BudgetTier struct {
	Consumed decimal.D `json:"consumed,omitzero"`
	Severity Severity  `json:"severity,omitempty"`
}

// ShareAlert fires when the share of a histogram's observations beyond a
// bucket boundary exceeds MaxPercent.
type ShareAlert struct {
	Name string `json:"name,omitempty"`
	// Histogram is "confidence" or "latency".
	Histogram string `json:"histogram,omitempty"`
	// Below is true when counting observations <= Bound, false for > Bound.
	Below      bool           `json:"below"`
	Bound      decimal.D      `json:"bound,omitzero"`
	MaxPercent decimal.D      `json:"max_percent,omitzero"`
	Window     Duration       `json:"window,omitempty"`
	MinRate    decimal.D      `json:"min_rate,omitzero"`
	For        Duration       `json:"for,omitempty"`
	Severity   Severity       `json:"severity,omitempty"`
	Runbook    RunbookContent `json:"runbook,omitempty"`
}

// AnomalyAlert compares a series with its baseline.
type AnomalyAlert struct {
	Name string `json:"name,omitempty"`
	// Query is the watched PromQL (a KPI's query when KPI is set).
	Query          string         `json:"query,omitempty"`
	KPI            string         `json:"kpi,omitempty"`
	Baseline       string         `json:"baseline,omitempty"`
	BaselineWindow Duration       `json:"baseline_window,omitempty"`
	Season         Duration       `json:"season,omitempty"`
	ZThreshold     decimal.D      `json:"z_threshold,omitzero"`
	Direction      string         `json:"direction,omitempty"`
	For            Duration       `json:"for,omitempty"`
	Severity       Severity       `json:"severity,omitempty"`
	Runbook        RunbookContent `json:"runbook,omitempty"`
}

// AbsentAlert configures absent-data alerts.
type AbsentAlert struct {
	Enabled  bool     `json:"enabled"`
	For      Duration `json:"for,omitempty"`
	Severity Severity `json:"severity,omitempty"`
}

// RunbookContent is hand-written runbook text; empty fields mean
// "use the generated default".
type RunbookContent struct {
	Summary    string   `json:"summary,omitempty"`
	Diagnosis  []string `json:"diagnosis,omitempty"`
	Mitigation []string `json:"mitigation,omitempty"`
	Escalation []string `json:"escalation,omitempty"`
}

// ModelRunbook is runbook content shared by a model's alerts.
type ModelRunbook struct {
	// Kinds maps an alert kind (burn_rate, budget_tier, quality, drift,
	// drift_stale, share, anomaly, absent) to content.
	Kinds      map[string]RunbookContent `json:"kinds,omitempty"`
	Escalation []string                  `json:"escalation,omitempty"`
}

// Retraining selects alerts that call a retraining webhook.
type Retraining struct {
	Receiver string `json:"receiver,omitempty"`
	// Drift is "critical", "all" or "none".
	Drift       string   `json:"drift,omitempty"`
	Quality     bool     `json:"quality"`
	MinSeverity Severity `json:"min_severity,omitempty"`
}
