package compiler

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/vigil-dev/vigil/drift/config"
	"github.com/vigil-dev/vigil/internal/decimal"
)

// Defaults that the schema documents but does not encode (CUE defaults
// are disjunctions, which made evaluating large specs several times
// slower; see docs/performance.md).
var (
	defaultLatencyBuckets    = decimals("0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10")
	defaultConfidenceBuckets = decimals("0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9", "0.95", "0.99", "1")
	// The SRE workbook's burn-rate factors (chapter 5, table 5-8). They
	// are fixed factors, not budget shares: "10% of the budget in 3 days"
	// is a 1x burn on a 30-day window but a 0.23x burn (slower than
	// allowed) on a 7-day one, which would alert on a healthy service.
	// A factor of 14.4 means the same urgency whatever the window.
	defaultPageWindows = []rawBurnWindow{
		{Long: "1h", Short: "5m", Factor: num("14.4")},
		{Long: "6h", Short: "30m", Factor: num("6")},
	}
	defaultTicketWindows = []rawBurnWindow{
		{Long: "1d", Short: "2h", Factor: num("3")},
		{Long: "3d", Short: "6h", Factor: num("1")},
	}
	defaultGroupBy = []string{"alertname", "model", "slo"}
)

// DefaultMinBadEvents is the low-traffic guard's default: a burn-rate
// alert needs at least this many bad events in its long window. Three
// failures are more than chance at the traffic where a single failure
// would already breach a page threshold (a handful of requests an hour),
// and a total outage produces them within three requests.
const DefaultMinBadEvents = 3

func decimals(ss ...string) []decimal.D {
	out := make([]decimal.D, len(ss))
	for i, s := range ss {
		out[i] = decimal.MustParse(s)
	}
	return out
}

func num(s string) *json.Number { n := json.Number(s); return &n }

func dur(s string) Duration {
	d, err := model.ParseDuration(s)
	if err != nil {
		panic(err)
	}
	return d
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// dec converts a CUE number (kept as JSON text) to a decimal.
// Numbers must survive the trip into PromQL and JSON as float64 without
// turning into infinities or 400-digit decimals.
var (
	maxMagnitude = decimal.MustParse("1e12")
	minMagnitude = decimal.MustParse("1e-12")
)

func (c *checker) dec(l loc, n json.Number) decimal.D {
	d, err := decimal.Parse(string(n))
	if err != nil {
		c.errorf(l, "invalid number %s", n)
		return d
	}
	abs := d
	if d.Sign() < 0 {
		abs = decimal.Zero.Sub(d)
	}
	if abs.Cmp(maxMagnitude) > 0 || !d.IsZero() && abs.Cmp(minMagnitude) < 0 {
		c.errorf(l, "number %s is outside the supported range (magnitude 1e-12 to 1e12)", n)
		return decimal.Zero
	}
	return d
}

func (c *checker) optDec(l loc, n *json.Number, def decimal.D) decimal.D {
	if n == nil {
		return def
	}
	return c.dec(l, *n)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func labelsFromMap(m map[string]string) []Label {
	out := make([]Label, 0, len(m))
	for _, k := range sortedKeys(m) {
		out = append(out, Label{k, m[k]})
	}
	return out
}

func severity(s, def string) Severity { return Severity(or(s, def)) }

func content(r *rawRunbookContent) RunbookContent {
	if r == nil {
		return RunbookContent{}
	}
	return RunbookContent{Summary: r.Summary, Diagnosis: r.Diagnosis, Mitigation: r.Mitigation, Escalation: r.Escalation}
}

func contacts(r *rawContacts) Contacts {
	if r == nil {
		return Contacts{}
	}
	return Contacts{Chat: r.Chat, Pager: r.Pager, Email: r.Email, Owner: r.Owner}
}

// normalizeSpec builds the spec-level IR (everything but models).
func (c *checker) normalizeSpec(l loc, r *rawSpec) *Spec {
	s := &Spec{Name: r.Name, Links: Links{GrafanaDatasource: "default"}}
	if r.Links != nil {
		s.Links = Links{Runbooks: strings.TrimRight(r.Links.Runbooks, "/"), Grafana: strings.TrimRight(r.Links.Grafana, "/"),
			GrafanaDatasource: or(r.Links.GrafanaDatasource, "default")}
	}
	s.Output = Output{RulesFormat: "plain", DashboardsFormat: "plain", GrafanaFolder: "vigil", DriftImage: "ghcr.io/vigil-dev/vigil:latest"}
	if o := r.Output; o != nil && o.Grafana != nil {
		s.Output.DashboardsFormat = or(o.Grafana.Format, "plain")
		s.Output.DashboardsNamespace = o.Grafana.Namespace
		s.Output.GrafanaInstanceLabels = labelsFromMap(o.Grafana.InstanceLabels)
		s.Output.GrafanaFolder = or(o.Grafana.Folder, "vigil")
		if s.Output.DashboardsFormat == "operator" && len(s.Output.GrafanaInstanceLabels) == 0 {
			gl := l.field("output", "grafana")
			if o.Grafana.InstanceLabels != nil {
				gl = gl.field("instance_labels")
			} else {
				gl = gl.field("format")
			}
			c.errorf(gl, "%s", ErrNoInstanceLabels)
		}
	}
	if o := r.Output; o != nil && o.Drift != nil {
		s.Output.DriftImage = or(o.Drift.Image, s.Output.DriftImage)
		s.Output.DriftNamespace = o.Drift.Namespace
	}
	if o := r.Output; o != nil && o.Prometheus != nil {
		s.Output.RulesFormat = or(o.Prometheus.Format, "plain")
		s.Output.Namespace = o.Prometheus.Namespace
		s.Output.RuleLabels = labelsFromMap(o.Prometheus.Labels)
	}
	rt := r.Routing
	if rt == nil {
		rt = &rawRouting{}
	}
	s.Routing = Routing{
		DefaultReceiver: rt.DefaultReceiver,
		GroupBy:         rt.GroupBy,
		SeverityNames:   map[Severity]string{Critical: "critical", Warning: "warning", Info: "info"},
	}
	if s.Routing.GroupBy == nil {
		s.Routing.GroupBy = defaultGroupBy
	}
	rl := l.field("routing")
	s.Routing.GroupWait = c.positiveDuration(rl.field("group_wait"), rt.GroupWait, dur("30s"))
	s.Routing.GroupInterval = c.positiveDuration(rl.field("group_interval"), rt.GroupInterval, dur("5m"))
	s.Routing.RepeatInterval = c.positiveDuration(rl.field("repeat_interval"), rt.RepeatInterval, dur("4h"))
	if sn := rt.SeverityNames; sn != nil {
		s.Routing.SeverityNames[Critical] = or(sn.Critical, "critical")
		s.Routing.SeverityNames[Warning] = or(sn.Warning, "warning")
		s.Routing.SeverityNames[Info] = or(sn.Info, "info")
		seen := map[string]Severity{}
		for _, sev := range []Severity{Critical, Warning, Info} {
			name := s.Routing.SeverityNames[sev]
			if prev, ok := seen[name]; ok {
				c.errorf(l.field("routing", "severity_names", string(sev)), "severity name %q is already used for %s; each severity needs its own name", name, prev)
			}
			seen[name] = sev
		}
	}
	receivers := map[string]*Receiver{}
	for _, name := range sortedKeys(rt.Receivers) {
		rr := rt.Receivers[name]
		rl := l.field("routing", "receivers", name)
		c.checkName(rl, "receiver", name)
		rec := &Receiver{Name: name, Kind: rr.Kind, Target: rr.Target, URL: rr.URL}
		if rec.Kind == "webhook" && rec.URL == "" {
			c.errorf(rl, "webhook receiver %q needs a url", name)
		}
		if strings.Contains(rec.URL, "{{") {
			// Alertmanager (0.35, which vigil's tests load configs
			// with) expands webhook URLs as templates, older versions
			// do not: no escape reads the same in both.
			c.errorf(rl.field("url"), "url %q contains \"{{\", which Alertmanager expands as a template in a webhook URL; vigil does not generate templated URLs, so write a literal brace as %%7B", rec.URL)
		}
		receivers[name] = rec
		s.Routing.Receivers = append(s.Routing.Receivers, rec)
	}
	checkReceiver := func(rl loc, name string) {
		if len(receivers) > 0 && receivers[name] == nil {
			c.errorf(rl, "unknown receiver %q; declare it under routing.receivers (known: %s)", name, strings.Join(sortedKeys(receivers), ", "))
		}
	}
	if rt.DefaultReceiver != "" {
		checkReceiver(l.field("routing", "default_receiver"), rt.DefaultReceiver)
	}
	for _, name := range sortedKeys(r.Teams) {
		rt := r.Teams[name]
		tl := l.field("teams", name)
		c.checkName(tl, "team", name)
		t := &Team{Name: name, Contacts: contacts(rt.Contacts), Receivers: map[Severity]string{}}
		for _, sev := range sortedKeys(rt.Receivers) {
			t.Receivers[Severity(sev)] = rt.Receivers[sev]
			checkReceiver(tl.field("receivers", sev), rt.Receivers[sev])
		}
		s.Teams = append(s.Teams, t)
	}
	return s
}

// normalizeModel turns one decoded model into IR, checking what CUE
// cannot.
func (c *checker) normalizeModel(l loc, name string, r *rawModel, spec *Spec) *Model {
	c.checkName(l, "model", name)
	if reservedModelNames[name] {
		c.errorf(l, "model name %q is reserved: it would collide with a generated file of the same name", name)
	}
	m := &Model{
		Name:         name,
		DisplayName:  or(r.DisplayName, name),
		Description:  r.Description,
		Team:         r.Team,
		Contacts:     contacts(r.Contacts),
		Tier:         or(r.Tier, "standard"),
		VersionLabel: r.VersionLabel,
		Labels:       labelsFromMap(r.Labels),
		Links:        labelsFromMap(r.Links),
	}
	if len(spec.Teams) > 0 && spec.Team(m.Team) == nil {
		names := make([]string, len(spec.Teams))
		for i, t := range spec.Teams {
			names[i] = t.Name
		}
		c.errorf(l.field("team"), "unknown team %q; declare it under teams (known: %s)", m.Team, strings.Join(names, ", "))
	}
	for _, lb := range m.Labels {
		if reservedLabels[lb.Name] {
			c.errorf(l.field("labels", lb.Name), "label %q is set by vigil and cannot be overridden", lb.Name)
		} else if strings.HasPrefix(lb.Name, "__") {
			c.errorf(l.field("labels", lb.Name), "label names starting with __ are reserved for Prometheus internal use")
		}
	}
	m.Metrics = c.normalizeMetrics(l.field("metrics"), name, &r.Metrics)

	// Names of things that become alert-name parts must stay distinct
	// after CamelCasing.
	alertParts := map[string]string{}
	claim := func(kl loc, kind, n string) {
		key := camel(n)
		if prev, ok := alertParts[key]; ok {
			c.errorf(kl, "%s name %q clashes with %s: both become %q in alert names", kind, n, prev, key)
			return
		}
		alertParts[key] = fmt.Sprintf("%s %q", kind, n)
	}

	for _, kn := range sortedKeys(r.KPIs) {
		rk := r.KPIs[kn]
		kl := l.field("kpis", kn)
		c.checkName(kl, "kpi", kn)
		c.promQL(kl.field("query"), rk.Query)
		m.KPIs = append(m.KPIs, &KPI{Name: kn, Title: or(rk.Title, kn), Query: rk.Query, Unit: or(rk.Unit, "short"), Description: rk.Description})
	}
	if ri := r.Infrastructure; ri != nil {
		il := l.field("infrastructure")
		c.promQL(il.field("cpu"), ri.CPU)
		c.promQL(il.field("memory"), ri.Memory)
		c.promQL(il.field("replicas"), ri.Replicas)
		m.Infrastructure = Infrastructure{CPU: ri.CPU, Memory: ri.Memory, Replicas: ri.Replicas}
	}
	if rp := r.Pipeline; rp != nil {
		pl := l.field("pipeline")
		c.promQL(pl.field("last_success"), rp.LastSuccess)
		c.promQL(pl.field("rows"), rp.Rows)
		m.Pipeline = Pipeline{LastSuccess: rp.LastSuccess, Rows: rp.Rows, MaxAge: c.positiveDuration(pl.field("max_age"), rp.MaxAge, 0)}
	}

	if r.Drift == nil && len(r.Features) > 0 {
		c.errorf(l.field("features"), "features are declared but drift is not: set drift.reference and drift.current so `vigil drift` knows what to compare")
	}
	m.Drift = c.normalizeDrift(l.field("drift"), r.Drift)
	for _, fn := range sortedKeys(r.Features) {
		fl := l.field("features", fn)
		if !c.checkName(fl, "feature", fn) {
			continue
		}
		claim(fl, "feature", fn)
		m.Features = append(m.Features, c.normalizeFeature(fl, fn, r.Features[fn], m.Drift))
	}
	if m.Drift != nil && r.Drift.Shards != nil && *r.Drift.Shards > 1 {
		if n := *r.Drift.Shards; n > len(r.Features) {
			c.errorf(l.field("drift", "shards"), "shards is %d but the model has %d features: each shard needs at least one feature", n, len(r.Features))
		} else if m.Drift.Correction != "none" {
			c.errorf(l.field("drift", "shards"), "shards is %d but correction is %q, which adjusts every feature's p-value by all the others', and one shard sees only its own features; set correction: \"none\" or leave shards out", n, m.Drift.Correction)
		} else {
			m.Drift.Shards = n
		}
	}

	for _, sn := range sortedKeys(r.SLOs) {
		sl := l.field("slos", sn)
		if !c.checkName(sl, "slo", sn) {
			continue
		}
		claim(sl, "slo", sn)
		if s := c.normalizeSLO(sl, sn, r.SLOs[sn], m); s != nil {
			m.SLOs = append(m.SLOs, s)
		}
	}

	for _, an := range sortedKeys(r.Alerts.Shares) {
		al := l.field("alerts", "shares", an)
		if !c.checkName(al, "alert", an) {
			continue
		}
		claim(al, "share alert", an)
		m.Shares = append(m.Shares, c.normalizeShare(al, an, r.Alerts.Shares[an], &m.Metrics))
	}
	for _, an := range sortedKeys(r.Alerts.Anomalies) {
		al := l.field("alerts", "anomalies", an)
		if !c.checkName(al, "alert", an) {
			continue
		}
		claim(al, "anomaly alert", an)
		m.Anomalies = append(m.Anomalies, c.normalizeAnomaly(al, an, r.Alerts.Anomalies[an], m))
	}
	m.Absent = AbsentAlert{Enabled: true, For: dur("15m"), Severity: Warning}
	if ra := r.Alerts.Absent; ra != nil {
		al := l.field("alerts", "absent")
		if ra.Enabled != nil {
			m.Absent.Enabled = *ra.Enabled
		}
		m.Absent.For = c.positiveDuration(al.field("for"), ra.For, m.Absent.For)
		m.Absent.Severity = severity(ra.Severity, string(Warning))
	}

	m.Runbook = ModelRunbook{Kinds: map[string]RunbookContent{}}
	if rr := r.Runbook; rr != nil {
		for _, k := range sortedKeys(rr.Kinds) {
			m.Runbook.Kinds[k] = content(rr.Kinds[k])
		}
		m.Runbook.Escalation = rr.Escalation
	}
	if rr := r.Retraining; rr != nil {
		rl := l.field("retraining")
		m.Retraining = &Retraining{
			Receiver:    rr.Receiver,
			Drift:       or(rr.Drift, "critical"),
			Quality:     rr.Quality == nil || *rr.Quality,
			MinSeverity: severity(rr.MinSeverity, string(Warning)),
		}
		var rec *Receiver
		for _, x := range spec.Routing.Receivers {
			if x.Name == rr.Receiver {
				rec = x
			}
		}
		switch {
		case rec == nil && c.failed(l.up(2).field("routing")):
			// routing has errors of its own, so its receivers are unknown.
		case rec == nil:
			c.errorf(rl.field("receiver"), "retraining receiver %q is not declared under routing.receivers", rr.Receiver)
		case rec.Kind != "webhook":
			c.errorf(rl.field("receiver"), "retraining receiver %q is a %s receiver; retraining needs a webhook receiver", rr.Receiver, rec.Kind)
		}
	}
	return m
}

// normalizeMetrics fills in the metric contract's defaults.
func (c *checker) normalizeMetrics(l loc, model string, r *rawMetrics) Metrics {
	base := Selector{{Name: "model", Op: "=", Value: model}}
	if r.Selector != nil || r.Matchers != nil {
		base = selectorFromMap(r.Selector).With(c.matchers(l.field("matchers"), r.Matchers))
	}
	sel := func(name string, s rawSeries) Selector {
		if s.Selector == nil && s.Matchers == nil {
			return base
		}
		return selectorFromMap(s.Selector).With(c.matchers(l.field(name, "matchers"), s.Matchers))
	}
	m := Metrics{
		Requests:          Series{Metric: or(r.Requests.Metric, "model_requests_total"), Selector: sel("requests", r.Requests.rawSeries)},
		ErrorSelector:     Selector{{Name: "outcome", Op: "=", Value: "error"}},
		Latency:           Histogram{Series: Series{Metric: or(r.Latency.Metric, "model_request_duration_seconds"), Selector: sel("latency", r.Latency.rawSeries)}, Buckets: defaultLatencyBuckets},
		Confidence:        Histogram{Series: Series{Metric: or(r.Confidence.Metric, "model_prediction_confidence"), Selector: sel("confidence", r.Confidence.rawSeries)}, Buckets: defaultConfidenceBuckets},
		Predictions:       Series{Metric: or(r.Predictions.Metric, "model_predictions_total"), Selector: sel("predictions", r.Predictions.rawSeries)},
		PredictionLabel:   or(r.Predictions.Label, "label"),
		Feedback:          Series{Metric: or(r.Feedback.Metric, "model_feedback_total"), Selector: sel("feedback", r.Feedback.rawSeries)},
		FeedbackPredicted: or(r.Feedback.PredictedLabel, "predicted"),
		FeedbackActual:    or(r.Feedback.ActualLabel, "actual"),
		DriftPrefix:       or(r.Drift.Prefix, "vigil_drift"),
	}
	if r.Naming == NamingOTel {
		c.otelMetrics(l, r, &m)
	} else {
		c.checkPromNames(l, r)
	}
	if r.Requests.ErrorSelector != nil || r.Requests.ErrorMatchers != nil {
		m.ErrorSelector = selectorFromMap(r.Requests.ErrorSelector).With(c.matchers(l.field("requests", "error_matchers"), r.Requests.ErrorMatchers))
		if len(r.Requests.ErrorSelector) == 0 && len(r.Requests.ErrorMatchers) == 0 {
			c.errorf(l.field("requests", "error_selector"), "error_selector is empty, so every request would count as an error")
		}
	}
	if m.FeedbackPredicted == m.FeedbackActual {
		c.errorf(l.field("feedback", "actual_label"), "predicted_label and actual_label are both %q; they must differ", m.FeedbackActual)
	}
	if len(r.Feedback.Classes) > 0 {
		seen := map[string]bool{}
		for i, cl := range r.Feedback.Classes {
			if seen[cl] {
				c.errorf(l.field("feedback", "classes").index(i), "duplicate class %q", cl)
			}
			seen[cl] = true
		}
		m.FeedbackClasses = sortedKeys(seen)
	}
	if r.Latency.Buckets != nil {
		m.Latency.Buckets = c.buckets(l.field("latency", "buckets"), r.Latency.Buckets, false)
	}
	if r.Confidence.Buckets != nil {
		m.Confidence.Buckets = c.buckets(l.field("confidence", "buckets"), r.Confidence.Buckets, true)
	}
	return m
}

// matchers parses raw PromQL label matchers such as `code=~"5.."`.
func (c *checker) matchers(l loc, raw []string) Selector {
	var out Selector
	for i, m := range raw {
		ms, err := c.parser.ParseMetricSelector("{" + m + "}")
		if err != nil || len(ms) != 1 {
			msg := "want exactly one matcher"
			if err != nil {
				msg = err.Error()
			}
			c.errorf(l.index(i), "invalid label matcher %q (write one matcher such as code=~\"5..\"): %s", m, msg)
			continue
		}
		out = append(out, Matcher{Name: ms[0].Name, Op: ms[0].Type.String(), Value: ms[0].Value})
	}
	return sortSelector(out)
}

// buckets checks that histogram boundaries ascend strictly.
func (c *checker) buckets(l loc, raw []json.Number, unit bool) []decimal.D {
	if len(raw) == 0 {
		c.errorf(l, "a histogram needs at least one bucket boundary")
		return nil
	}
	out := make([]decimal.D, len(raw))
	for i, n := range raw {
		out[i] = c.dec(l.index(i), n)
		if i > 0 && out[i].Cmp(out[i-1]) <= 0 {
			c.errorf(l.index(i), "bucket boundaries must ascend strictly: %s follows %s", out[i], out[i-1])
		}
		if unit && (out[i].Sign() < 0 || out[i].Cmp(decimal.One) > 0) {
			c.errorf(l.index(i), "confidence bucket boundary %s is outside [0, 1]", out[i])
		}
	}
	return out
}

// scheduleIntervals are the named drift schedules.
var scheduleIntervals = map[string]struct {
	every string
	cron  string
}{
	"hourly": {"1h", "5 * * * *"},
	"daily":  {"1d", "0 2 * * *"},
	"weekly": {"1w", "0 2 * * 1"},
}

// normalizeDrift fills in the drift settings' defaults; nil when unset.
func (c *checker) normalizeDrift(l loc, r *rawDrift) *Drift {
	if r == nil {
		return nil
	}
	d := &Drift{
		Reference:   DataSource{Path: r.Reference.Path, Format: or(r.Reference.Format, "auto")},
		Current:     DataSource{Path: r.Current.Path, Format: or(r.Current.Format, "auto"), TimeColumn: r.Current.TimeColumn},
		Consecutive: 3,
		Severity:    severity(r.Severity, string(Warning)),
		Correction:  or(r.Correction, "none"),
		Cron:        r.Cron,
	}
	if r.Conventions == config.ConventionsEvidently {
		d.Conventions = r.Conventions
	}
	if r.Cron != "" {
		if _, err := config.ParseCron(r.Cron); err != nil {
			c.errorf(l.field("cron"), "%s", err)
		}
	}
	sched := or(r.Schedule, "daily")
	// A duration equal to a named schedule gets that schedule's cron.
	for name, named := range scheduleIntervals {
		if sd, err := model.ParseDuration(sched); err == nil && sd == dur(named.every) {
			sched = name
		}
	}
	if named, ok := scheduleIntervals[sched]; ok {
		d.Schedule = dur(named.every)
		if d.Cron == "" {
			d.Cron = named.cron
		}
	} else {
		before := len(c.diags)
		d.Schedule = c.positiveDuration(l.field("schedule"), sched, dur("1d"))
		if d.Cron == "" && len(c.diags) == before {
			c.errorf(l.field("schedule"), "schedule %q is not hourly, daily or weekly; also set drift.cron for the evaluator's CronJob", sched)
		}
	}
	d.Window = c.positiveDuration(l.field("window"), r.Window, d.Schedule)
	if r.Consecutive != nil {
		d.Consecutive = *r.Consecutive
	}
	d.ShareThreshold = c.optDec(l.field("share_threshold"), r.ShareThreshold, decimal.Zero)
	if d.Reference.Path == d.Current.Path {
		c.errorf(l.field("current", "path"), "current data path equals the reference path %q; drift would always be zero", d.Current.Path)
	}
	return d
}

func (c *checker) normalizeFeature(l loc, name string, r *rawFeature, d *Drift) *Feature {
	f := &Feature{
		Name:        name,
		Type:        FeatureType(r.Type),
		Column:      or(r.Column, name),
		Description: r.Description,
		Critical:    r.Critical,
		Runbook:     content(r.Runbook),
	}
	t := r.Test
	f.Test = DriftTest{
		Method:      or(t.Method, "auto"),
		Bins:        10,
		Binning:     or(t.Binning, "quantile"),
		Consecutive: 3,
		Severity:    Warning,
	}
	if d != nil {
		f.Test.Consecutive = d.Consecutive
		f.Test.Severity = d.Severity
		f.Test.Conventions = d.Conventions
	}
	switch t.Conventions {
	case config.ConventionsEvidently:
		f.Test.Conventions = t.Conventions
	case config.ConventionsVigil:
		f.Test.Conventions = ""
	}
	evidently := f.Test.Conventions == config.ConventionsEvidently
	if evidently && f.Type == Numeric {
		// Evidently bins by Sturges' rule; bins and binning have no
		// counterpart there.
		const why = "%s does not apply with conventions \"evidently\": Evidently bins numeric features by Sturges' rule over both samples (one bin per value when the reference holds at most 20 distinct values); remove it or use conventions \"vigil\""
		if t.Bins != nil {
			c.errorf(l.field("test", "bins"), why, "bins")
		}
		if t.Binning != "" {
			c.errorf(l.field("test", "binning"), why, "binning")
		}
		if f.Test.Method == "chi_square" {
			c.errorf(l.field("test", "method"), "with conventions \"evidently\", chi_square applies to categorical and boolean features only, as Evidently's chisquare test does (auto picks it for numeric features with at most 5 distinct values); feature %q is numeric", name)
		}
		f.Test.Bins, f.Test.Binning = 0, ""
		t.Bins, t.Binning = nil, ""
	}
	if t.Bins != nil {
		f.Test.Bins = *t.Bins
	}
	if f.Type != Numeric {
		// Categories are their own bins.
		if t.Bins != nil {
			c.errorf(l.field("test", "bins"), "bins applies to numeric features only; %s feature %q is compared category by category", f.Type, name)
		}
		if t.Binning != "" {
			c.errorf(l.field("test", "binning"), "binning applies to numeric features only; %s feature %q is compared category by category", f.Type, name)
		}
		f.Test.Bins, f.Test.Binning = 0, ""
	}
	if t.Consecutive != nil {
		f.Test.Consecutive = *t.Consecutive
	}
	if t.Severity != "" {
		f.Test.Severity = Severity(t.Severity)
	}
	if config.NumericOnlyTests[f.Test.Method] && f.Type != Numeric {
		c.errorf(l.field("test", "method"), "test %q needs ordered numeric values, but feature %q is %s; use chi_square, jensen_shannon, psi or auto", f.Test.Method, name, f.Type)
	}
	if t.Threshold != nil {
		f.Test.Threshold = c.dec(l.field("test", "threshold"), *t.Threshold)
		if PValueTests[f.Test.Method] && (f.Test.Threshold.Sign() <= 0 || f.Test.Threshold.Cmp(decimal.One) >= 0) {
			c.errorf(l.field("test", "threshold"), "%s compares a p-value, so its threshold must be between 0 and 1 (exclusive), got %s", f.Test.Method, f.Test.Threshold)
		}
	} else if def, ok := EvidentlyThresholds[f.Test.Method]; ok && evidently {
		f.Test.Threshold = def
		f.Test.ThresholdIsDefault = true
	} else if def, ok := DefaultThresholds[f.Test.Method]; ok {
		f.Test.Threshold = def
		f.Test.ThresholdIsDefault = true
	} else {
		f.Test.ThresholdIsDefault = true
	}
	return f
}

func (c *checker) normalizeSLO(l loc, name string, r *rawSLO, m *Model) *SLO {
	s := &SLO{
		Name:        name,
		Description: r.Description,
		Objective:   c.dec(l.field("objective"), r.Objective),
		Window:      c.positiveDuration(l.field("window"), r.Window, dur("30d")),
		Runbook:     content(r.Runbook),
	}
	kinds := []string{}
	if r.Availability != nil {
		kinds = append(kinds, "availability")
		s.Kind = Availability
	}
	if r.Latency != nil {
		kinds = append(kinds, "latency")
		s.Kind = Latency
		th := c.positiveDuration(l.field("latency", "threshold"), r.Latency.Threshold, 0)
		le := decimal.FromInt(int64(time.Duration(th) / time.Millisecond)).Quo(decimal.FromInt(1000))
		s.Latency = &LatencySLI{Threshold: th, Le: le}
		if th > 0 && !c.failed(l.up(2).field("metrics", "latency", "buckets")) && !m.Metrics.Latency.HasBucket(le) {
			c.errorf(l.field("latency", "threshold"), "latency threshold %s (%ss) is not a bucket boundary of %s (buckets: %s); a threshold between buckets can only be interpolated, so pick a boundary or declare the bucket under metrics.latency.buckets",
				r.Latency.Threshold, le, m.Metrics.Latency.Metric, joinDecimals(m.Metrics.Latency.Buckets))
		}
	}
	if q := r.Quality; q != nil {
		kinds = append(kinds, "quality")
		s.Kind = Quality
		s.Quality = &QualitySLI{
			Metric:          q.Metric,
			PositiveClass:   q.PositiveClass,
			RollingWindow:   c.positiveDuration(l.field("quality", "rolling_window"), q.RollingWindow, dur("24h")),
			MinFeedbackRate: c.optDec(l.field("quality", "min_feedback_rate"), q.MinFeedbackRate, decimal.Zero),
		}
		switch q.Metric {
		case "precision", "recall":
			if q.PositiveClass == "" {
				c.errorf(l.field("quality"), "%s needs positive_class (the class whose %s is measured, e.g. \"fraud\")", q.Metric, q.Metric)
			} else if len(m.Metrics.FeedbackClasses) > 0 && !contains(m.Metrics.FeedbackClasses, q.PositiveClass) {
				c.errorf(l.field("quality", "positive_class"), "positive_class %q is not one of metrics.feedback.classes (%s)", q.PositiveClass, strings.Join(m.Metrics.FeedbackClasses, ", "))
			}
		case "accuracy":
			if len(m.Metrics.FeedbackClasses) == 0 {
				c.errorf(l.field("quality"), "accuracy needs metrics.feedback.classes: PromQL cannot compare the predicted and actual labels of one series, so correct predictions are summed per class")
			}
		}
		if s.Quality.RollingWindow > s.Window && !c.failed(l.field("quality", "rolling_window")) && !c.failed(l.field("window")) {
			c.errorf(l.field("quality", "rolling_window"), "rolling_window %s is longer than the SLO window %s", s.Quality.RollingWindow, s.Window)
		}
	}
	if fr := r.Freshness; fr != nil {
		kinds = append(kinds, "freshness")
		s.Kind = Freshness
		f := &FreshnessSLI{LastSuccess: or(fr.LastSuccess, m.Pipeline.LastSuccess), MaxAge: m.Pipeline.MaxAge}
		f.MaxAge = c.positiveDuration(l.field("freshness", "max_age"), fr.MaxAge, f.MaxAge)
		if fr.LastSuccess != "" {
			if c.promQL(l.field("freshness", "last_success"), fr.LastSuccess) {
				c.vectorQuery(l.field("freshness", "last_success"), "last_success query", fr.LastSuccess, "max")
			}
		} else {
			c.vectorQuery(l.field("freshness"), "pipeline.last_success query", f.LastSuccess, "max")
		}
		if f.LastSuccess == "" {
			c.errorf(l.field("freshness"), "freshness needs last_success here or pipeline.last_success on the model")
		}
		if f.MaxAge == 0 && !c.failed(l.field("freshness", "max_age")) && !c.failed(l.up(2).field("pipeline", "max_age")) {
			c.errorf(l.field("freshness"), "freshness needs max_age here or pipeline.max_age on the model")
		}
		s.Freshness = f
	}
	if rr := r.Ratio; rr != nil {
		kinds = append(kinds, "ratio")
		s.Kind = Ratio
		for _, q := range []struct{ field, query string }{{"errors", rr.Errors}, {"total", rr.Total}} {
			ql := l.field("ratio", q.field)
			if c.promQL(ql, q.query) {
				if !strings.Contains(q.query, "$window") {
					c.errorf(ql, "ratio query has no $window placeholder; write the range as [$window] so each alert window gets its own rate")
				}
				c.vectorQuery(ql, "ratio query", q.query, "sum")
			}
		}
		s.Ratio = &RatioSLI{Errors: rr.Errors, Total: rr.Total}
	}
	switch len(kinds) {
	case 0:
		c.errorf(l, "SLO %q has no indicator: set exactly one of availability, latency, quality, freshness or ratio", name)
		return nil
	case 1:
	default:
		c.errorf(l, "SLO %q sets %s; set exactly one indicator per SLO", name, strings.Join(kinds, " and "))
		return nil
	}

	if sl := r.Slices; sl != nil {
		s.Slices = c.slices(l.field("slices"), sl.Length, sl.Percentile, sl.MaxErrorPercent, s)
	}
	al := l.field("alerting")
	window := or(r.Window, "30d")
	if d, err := model.ParseDuration(window); err != nil || d != s.Window {
		window = "30d" // the window was invalid and s.Window fell back to 30d
	}
	s.Page = c.burnPolicy(al.field("page"), r.Alerting.Page, Critical, defaultPageWindows, s, window)
	s.Ticket = c.burnPolicy(al.field("ticket"), r.Alerting.Ticket, Warning, defaultTicketWindows, s, window)
	s.MinBadEvents = DefaultMinBadEvents
	if n := r.Alerting.MinBadEvents; n != nil {
		if v, err := n.Int64(); err != nil || v < 0 || v > 1e9 {
			c.errorf(al.field("min_bad_events"), "min_bad_events must be a whole number from 0 to 1000000000, not %s", n)
		} else {
			s.MinBadEvents = v
		}
	}
	if r.Alerting.MinEventRate != nil {
		c.errorf(al.field("min_event_rate"), "min_event_rate is no longer supported: a minimum request rate kept a total outage below that rate from ever paging. Use min_bad_events, the number of bad events the alert's long window must hold before it pages (default %d)", DefaultMinBadEvents)
	}
	for i, t := range r.Alerting.BudgetTiers {
		tl := al.field("budget_tiers").index(i)
		tier := BudgetTier{Consumed: c.dec(tl.field("consumed"), t.Consumed), Severity: Severity(t.Severity)}
		if i > 0 && tier.Consumed.Cmp(s.Tiers[i-1].Consumed) <= 0 && !c.failed(tl.field("consumed")) && !c.failed(al.field("budget_tiers").index(i-1).field("consumed")) {
			c.errorf(tl.field("consumed"), "budget tiers must be in increasing order of consumption: %s%% follows %s%%", tier.Consumed, s.Tiers[i-1].Consumed)
		}
		s.Tiers = append(s.Tiers, tier)
	}
	return s
}

// reservedAnnotations are the annotations vigil writes on every alert.
var reservedAnnotations = map[string]bool{"summary": true, "description": true, "runbook_url": true, "dashboard_url": true}

// slices normalizes a time-slice SLO's slices: a positive length within
// the SLO window, and the per-slice condition of its SLI kind.
func (c *checker) slices(l loc, length string, pct, maxErr *json.Number, s *SLO) *Slices {
	out := &Slices{Length: c.positiveDuration(l.field("length"), length, 0)}
	if out.Length > s.Window && !c.failed(l.field("length")) {
		c.errorf(l.field("length"), "slice length %s is longer than the SLO window %s", out.Length, s.Window)
	}
	switch s.Kind {
	case Latency:
		if maxErr != nil {
			c.errorf(l.field("max_error_percent"), "max_error_percent is the per-slice condition of ratio SLOs; a latency SLO's slices use percentile")
		}
		if pct == nil {
			c.errorf(l, "a latency SLO's slices need percentile: the share of a slice's requests, in percent, that must be within the threshold (e.g. 95)")
			return out
		}
		out.Percentile = c.dec(l.field("percentile"), *pct)
	case Ratio:
		if pct != nil {
			c.errorf(l.field("percentile"), "percentile is the per-slice condition of latency SLOs; a ratio SLO's slices use max_error_percent")
		}
		if maxErr == nil {
			c.errorf(l, "a ratio SLO's slices need max_error_percent: the highest error percentage of a good slice (e.g. 1)")
			return out
		}
		out.MaxErrorPercent = c.dec(l.field("max_error_percent"), *maxErr)
	default:
		c.errorf(l, "slices apply to latency and ratio SLOs, not to %s SLOs", s.Kind)
	}
	return out
}

// burnPolicy normalizes one burn-rate policy of s; window is the SLO
// window as the user wrote it, for messages.
func (c *checker) burnPolicy(l loc, r *rawBurnPolicy, sev Severity, defWindows []rawBurnWindow, s *SLO, window string) BurnPolicy {
	p := BurnPolicy{Enabled: true, Severity: sev}
	windows := defWindows
	defaulted := true
	wl := l.field("windows")
	if r != nil {
		if r.Enabled != nil {
			p.Enabled = *r.Enabled
		}
		if r.Severity != "" {
			p.Severity = Severity(r.Severity)
		}
		p.For = c.duration(l.field("for"), r.For, 0)
		p.Labels = labelsFromMap(r.Labels)
		for _, lb := range p.Labels {
			if IsReservedLabel(lb.Name) {
				c.errorf(l.field("labels", lb.Name), "label %q is set by vigil and cannot be overridden", lb.Name)
			}
		}
		p.Annotations = labelsFromMap(r.Annotations)
		for _, an := range p.Annotations {
			if reservedAnnotations[an.Name] {
				c.errorf(l.field("annotations", an.Name), "annotation %q is written by vigil and cannot be overridden", an.Name)
			}
		}
		if r.Windows != nil {
			windows, defaulted = r.Windows, false
		}
	}
	if p.Enabled && len(windows) == 0 {
		c.errorf(wl, "an enabled burn-rate policy needs at least one window pair (or set enabled: false)")
	}
	budget := s.ErrorBudget()
	windowSecs := decimal.FromInt(int64(time.Duration(s.Window) / time.Second))
	// A window or objective that failed its own check stands in by its
	// default; judging windows against it would report a second error.
	slo := l.up(2)
	windowOK, objectiveOK := !c.failed(slo.field("window")), !c.failed(slo.field("objective"))
	if defaulted && p.Enabled && windowOK {
		// Default windows longer than a short SLO window are one
		// mistake, said once for the policy.
		var long []string
		for _, w := range windows {
			if d, err := model.ParseDuration(w.Long); err == nil && d > s.Window {
				long = append(long, w.Long)
			}
		}
		if len(long) > 0 {
			c.errorf(l, "the default %s windows have long windows (%s) beyond the SLO window %q; set %s.windows to pairs within it, or disable these alerts (enabled: false)",
				labelName(l.sels[len(l.sels)-1]), strings.Join(long, ", "), window, labelName(l.sels[len(l.sels)-1]))
			windowOK = false
		}
	}
	for i, w := range windows {
		il := wl.index(i)
		bw := BurnWindow{
			Long:  c.positiveDuration(il.field("long"), w.Long, 0),
			Short: c.positiveDuration(il.field("short"), w.Short, 0),
		}
		if bw.Long == 0 || bw.Short == 0 {
			continue
		}
		if bw.Short >= bw.Long {
			c.errorf(il.field("short"), "short window %q must be shorter than long window %q", w.Short, w.Long)
		}
		if bw.Long > s.Window && windowOK && p.Enabled {
			c.errorf(il.field("long"), "long window %q exceeds the SLO window %q", w.Long, window)
		}
		// Divide last, so a non-terminating result is rounded once.
		longSecs := decimal.FromInt(int64(time.Duration(bw.Long) / time.Second))
		switch {
		case w.Factor != nil && w.BudgetPercent != nil:
			c.errorf(il, "set factor or budget_percent, not both")
			continue
		case w.Factor != nil:
			bw.Factor = c.dec(il.field("factor"), *w.Factor)
			bw.BudgetPercent = bw.Factor.Mul(decimal.Hundred).Mul(longSecs).Quo(windowSecs)
		case w.BudgetPercent != nil:
			bw.BudgetPercent = c.dec(il.field("budget_percent"), *w.BudgetPercent)
			bw.Factor = bw.BudgetPercent.Mul(windowSecs).Quo(decimal.Hundred.Mul(longSecs))
		default:
			c.errorf(il, "a window pair needs factor or budget_percent")
			continue
		}
		fl := il.field("factor")
		if w.Factor == nil {
			fl = il.field("budget_percent")
		}
		if !p.Enabled || c.failed(fl) || !windowOK {
			// A disabled policy generates nothing; its windows are kept
			// for reference but not judged. Nor is a factor that failed
			// its own check, or one measured against a window that did.
			p.Windows = append(p.Windows, bw)
			continue
		}
		if bw.Factor.Cmp(decimal.One) < 0 {
			c.errorf(fl, "burn rate %s is below 1: the budget would last longer than the %q window at this rate, so the alert would fire while the SLO is being met; use a factor of at least 1", bw.Factor, window)
		}
		if th := bw.Factor.Mul(budget); th.Cmp(decimal.One) > 0 && defaulted {
			// The user did not choose these windows: a low objective
			// (e.g. 90% precision) cannot burn 14.4x. Leave the pair out
			// and record why, rather than failing the spec.
			p.Unreachable = append(p.Unreachable, bw)
			continue
		} else if th.Cmp(decimal.One) > 0 && objectiveOK {
			c.errorf(fl, "burn rate %s on an error budget of %s%% (objective %s) fires only when %s%% of events fail: this alert can never fire; lower the factor, or disable this policy (enabled: false)",
				bw.Factor, budget.Mul(decimal.Hundred), s.Objective, th.Mul(decimal.Hundred))
		}
		p.Windows = append(p.Windows, bw)
	}
	return p
}

func (c *checker) normalizeShare(l loc, name string, r *rawShareAlert, m *Metrics) *ShareAlert {
	a := &ShareAlert{
		Name:       name,
		Histogram:  or(r.Histogram, "confidence"),
		MaxPercent: c.dec(l.field("max_percent"), r.MaxPercent),
		Window:     c.positiveDuration(l.field("window"), r.Window, dur("1h")),
		MinRate:    c.optDec(l.field("min_rate"), r.MinRate, decimal.Zero),
		For:        c.duration(l.field("for"), r.For, dur("5m")),
		Severity:   severity(r.Severity, string(Warning)),
		Runbook:    content(r.Runbook),
	}
	h := m.Confidence
	if a.Histogram == "latency" {
		h = m.Latency
	}
	before := len(c.diags)
	switch {
	case r.Below != nil && r.Above != nil:
		c.errorf(l, "set below or above, not both")
		return a
	case r.Below != nil:
		a.Below, a.Bound = true, c.dec(l.field("below"), *r.Below)
		l = l.field("below")
	case r.Above != nil:
		a.Bound = c.dec(l.field("above"), *r.Above)
		l = l.field("above")
	default:
		c.errorf(l, "a share alert needs below or above (a bucket boundary of the %s histogram)", a.Histogram)
		return a
	}
	if len(c.diags) > before {
		return a // the bound itself is invalid
	}
	if c.failed(l.up(4).field("metrics", a.Histogram, "buckets")) {
		return a // the histogram's buckets are
	}
	if !h.HasBucket(a.Bound) {
		c.errorf(l, "%s is not a bucket boundary of %s (buckets: %s); shares can only be counted exactly at a boundary", a.Bound, h.Metric, joinDecimals(h.Buckets))
	}
	return a
}

func (c *checker) normalizeAnomaly(l loc, name string, r *rawAnomalyAlert, m *Model) *AnomalyAlert {
	a := &AnomalyAlert{
		Name:           name,
		Query:          r.Query,
		KPI:            r.KPI,
		Baseline:       or(r.Baseline, "rolling"),
		BaselineWindow: c.positiveDuration(l.field("baseline_window"), r.BaselineWindow, dur("1d")),
		Season:         c.positiveDuration(l.field("season"), r.Season, dur("1w")),
		ZThreshold:     c.optDec(l.field("z_threshold"), r.ZThreshold, decimal.FromInt(3)),
		Direction:      or(r.Direction, "both"),
		For:            c.duration(l.field("for"), r.For, dur("15m")),
		Severity:       severity(r.Severity, string(Warning)),
		Runbook:        content(r.Runbook),
	}
	switch {
	case r.Query != "" && r.KPI != "":
		c.errorf(l, "set query or kpi, not both")
	case r.KPI != "":
		found := false
		for _, k := range m.KPIs {
			if k.Name == r.KPI {
				a.Query, found = k.Query, true
			}
		}
		if !found {
			c.errorf(l.field("kpi"), "unknown KPI %q; declare it under kpis", r.KPI)
		}
		c.vectorQuery(l.field("kpi"), fmt.Sprintf("the query of KPI %s", r.KPI), a.Query, "sum")
	case r.Query != "":
		if c.promQL(l.field("query"), r.Query) {
			c.vectorQuery(l.field("query"), "query", r.Query, "sum")
		}
	default:
		c.errorf(l, "an anomaly alert needs query or kpi")
	}
	return a
}

func joinDecimals(ds []decimal.D) string {
	s := make([]string, len(ds))
	for i, d := range ds {
		s[i] = d.String()
	}
	return strings.Join(s, ", ")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
