// Package runbook is the runbook target: one Markdown page per alert
// (runbooks/<model>/<Alert>.md), an index per model and one for the whole
// spec. Each alert's runbook_url points at its page, and each page links
// back to the model's dashboard, so an alert, its runbook and its
// dashboard agree.
//
// Pages say what fired in plain words, the exact PromQL and thresholds,
// the budget in absolute terms for SLO alerts, the test and streak for
// drift alerts, diagnosis and mitigation steps (from the spec, else sound
// defaults for the alert kind), escalation and contacts, and whether the
// alert triggers retraining.
package runbook

import (
	"fmt"
	"strings"
	"time"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/internal/decimal"
	"github.com/vigil-dev/vigil/targets/grafana"
	"github.com/vigil-dev/vigil/targets/prometheus"
)

// Target is the runbook target.
type Target struct{}

// Name implements compiler.Target.
func (Target) Name() string { return "runbooks" }

// header is the generated-code marker, as an HTML comment so that it does
// not render.
const header = "<!-- " + compiler.GeneratedHeader + " -->\n\n"

// Generate implements compiler.Target.
func (Target) Generate(spec *compiler.Spec) ([]compiler.Artifact, error) {
	var out []compiler.Artifact
	var idx strings.Builder
	idx.WriteString(header + "# Runbooks\n\n")
	idx.WriteString("One page per alert that vigil generates, grouped by model.\n\n")
	idx.WriteString("| model | team | tier | alerts |\n| --- | --- | --- | --- |\n")
	for _, m := range spec.Models {
		alerts := prometheus.Alerts(spec, m)
		fmt.Fprintf(&idx, "| [%s](%s/index.md) | %s | %s | %d |\n", cell(m.DisplayName), m.Name, cell(m.Team), m.Tier, len(alerts))
		out = append(out, compiler.Artifact{Path: "runbooks/" + m.Name + "/index.md", Bytes: []byte(modelIndex(spec, m, alerts))})
		l := newLinker(spec, m)
		for _, a := range alerts {
			out = append(out, compiler.Artifact{Path: "runbooks/" + m.Name + "/" + a.Rule.Alert + ".md", Bytes: []byte(page(l, a))})
		}
	}
	fmt.Fprintf(&idx, "\nEvery SLO of the spec at a glance: the fleet dashboard, %s.\n", urlText(spec.FleetDashboardURL()))
	out = append(out, compiler.Artifact{Path: "runbooks/index.md", Bytes: []byte(idx.String())})
	return out, nil
}

// cell escapes text for a Markdown table cell.
func cell(s string) string { return cellEscaper.Replace(s) }

// cellEscaper is built once: a strings.Replacer builds its lookup tables
// on first use, which is most of the cost of a short replacement.
var cellEscaper = strings.NewReplacer("|", `\|`, "\n", " ")

func modelIndex(spec *compiler.Spec, m *compiler.Model, alerts []prometheus.Alert) string {
	var b strings.Builder
	b.WriteString(header)
	fmt.Fprintf(&b, "# %s runbooks\n\n", m.DisplayName)
	if m.Description != "" {
		b.WriteString(m.Description + "\n\n")
	}
	fmt.Fprintf(&b, "Model `%s`, owned by team `%s`, tier `%s`. Dashboard: %s.\n\n", m.Name, m.Team, m.Tier, urlText(spec.DashboardURL(m.Name)))
	b.WriteString("| alert | severity | kind | summary |\n| --- | --- | --- | --- |\n")
	for _, a := range alerts {
		fmt.Fprintf(&b, "| [%s](%s.md) | %s | %s | %s |\n", a.Rule.Alert, a.Rule.Alert, a.Severity, strings.ReplaceAll(a.Kind, "_", " "), cell(summary(a)))
	}
	if len(m.SLOs) > 0 {
		b.WriteString("\n## Service-level objectives\n\n| SLO | objective | window | error budget |\n| --- | --- | --- | --- |\n")
		for _, s := range m.SLOs {
			fmt.Fprintf(&b, "| %s | %s%% | %s | %s |\n", s.Name, s.Objective, win(s.Window), budgetWords(s))
		}
	}
	b.WriteString("\n[All runbooks](../index.md)\n")
	return b.String()
}

func win(d compiler.Duration) string { return compiler.FormatDuration(time.Duration(d)) }

// budgetWords states an SLO's budget in absolute terms, e.g. "0.1% of
// events (43m12s of full outage over 30d)".
func budgetWords(s *compiler.SLO) string {
	if s.Slices != nil {
		return fmt.Sprintf("%s%% of %s slices (%s of bad slices over %s)", s.ErrorBudget().Mul(decimal.Hundred), win(s.Slices.Length), humanDuration(s.BudgetDuration()), win(s.Window))
	}
	return fmt.Sprintf("%s%% of events (%s of full outage over %s)", s.ErrorBudget().Mul(decimal.Hundred), humanDuration(s.BudgetDuration()), win(s.Window))
}

// sliceWords describes a time-slice SLO's per-slice condition.
func sliceWords(s *compiler.SLO) string {
	sl := s.Slices
	if s.Kind == compiler.Latency {
		return fmt.Sprintf("a %s slice is good when at least %s%% of its requests are served within %s; a slice without requests is good", win(sl.Length), sl.Percentile, win(s.Latency.Threshold))
	}
	return fmt.Sprintf("a %s slice is good when at most %s%% of its events are errors; a slice without events is good", win(sl.Length), sl.MaxErrorPercent)
}

// humanDuration renders a duration for prose, to the second.
func humanDuration(d time.Duration) string {
	return compiler.FormatDuration(d.Round(time.Second))
}

func page(l *linker, a prometheus.Alert) string {
	spec, m := l.spec, l.m
	var b strings.Builder
	b.WriteString(header)
	fmt.Fprintf(&b, "# %s\n\n", a.Rule.Alert)
	fmt.Fprintf(&b, "**%s** Severity `%s`, model `%s`, team `%s`.\n\n", summary(a), a.Severity, m.Name, m.Team)
	fmt.Fprintf(&b, "Dashboard: %s", urlText(spec.DashboardURL(m.Name)))
	if ref, ok := l.panel(panelKeyFor(a)); ok {
		fmt.Fprintf(&b, ". The panel that shows what fired: %s", ref)
	}
	b.WriteString(".\n\n")

	b.WriteString("## What fired\n\n")
	b.WriteString(meaning(m, a) + "\n\n")

	b.WriteString("## The rule\n\n")
	codeBlock(&b, "promql", a.Rule.Expr)
	if a.Rule.For > 0 {
		fmt.Fprintf(&b, "The condition must hold for %s before the alert fires.\n\n", win(compiler.Duration(a.Rule.For)))
	}
	details(&b, m, a)

	content := contentFor(m, a)
	b.WriteString("## Diagnosis\n\n")
	list(&b, orDefault(content.Diagnosis, defaultDiagnosis(l, a)))
	queries(&b, l, diagnosisQueries(m, a))
	b.WriteString("## Mitigation\n\n")
	list(&b, orDefault(content.Mitigation, defaultMitigation(l, a)))
	b.WriteString("## Escalation\n\n")
	list(&b, escalation(spec, m, content))
	b.WriteString("## Retraining\n\n")
	b.WriteString(retraining(spec, m, a) + "\n\n")
	fmt.Fprintf(&b, "[All %s runbooks](index.md)\n", m.DisplayName)
	return b.String()
}

// urlText renders a URL: an autolink when absolute, else a code span (a
// Grafana path without links.grafana set is relative to Grafana, not to
// the runbook).
func urlText(u string) string {
	if strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://") {
		return "<" + u + ">"
	}
	return "`" + u + "` on your Grafana"
}

// panelKeyFor returns the key of the dashboard panel that shows what the
// alert watches, or "".
func panelKeyFor(a prometheus.Alert) string {
	var slo, feature, share, anomaly string
	var kind compiler.SLIKind
	if a.SLO != nil {
		slo, kind = a.SLO.Name, a.SLO.Kind
	}
	if a.Feature != nil {
		feature = a.Feature.Name
	}
	if a.Share != nil {
		share = a.Share.Name
	}
	if a.Anomaly != nil {
		anomaly = a.Anomaly.Name
	}
	key, _ := grafana.PanelKey(a.Kind, slo, feature, share, anomaly, kind)
	return key
}

// contentFor merges hand-written content: the alert's own (SLO, feature,
// share, anomaly), then the model's content for the alert kind.
func contentFor(m *compiler.Model, a prometheus.Alert) compiler.RunbookContent {
	var own compiler.RunbookContent
	switch {
	case a.SLO != nil:
		own = a.SLO.Runbook
	case a.Feature != nil:
		own = a.Feature.Runbook
	case a.Share != nil:
		own = a.Share.Runbook
	case a.Anomaly != nil:
		own = a.Anomaly.Runbook
	}
	kind := m.Runbook.Kinds[a.Kind]
	if len(own.Diagnosis) == 0 {
		own.Diagnosis = kind.Diagnosis
	}
	if len(own.Mitigation) == 0 {
		own.Mitigation = kind.Mitigation
	}
	if len(own.Escalation) == 0 {
		own.Escalation = kind.Escalation
	}
	if own.Summary == "" {
		own.Summary = kind.Summary
	}
	return own
}

func orDefault(given, def []string) []string {
	if len(given) > 0 {
		return given
	}
	return def
}

func list(b *strings.Builder, items []string) {
	for i, it := range items {
		fmt.Fprintf(b, "%d. %s\n", i+1, strings.TrimSpace(strings.ReplaceAll(it, "\n", " ")))
	}
	b.WriteString("\n")
}

// meaning explains the alert in plain words.
func meaning(m *compiler.Model, a prometheus.Alert) string {
	content := contentFor(m, a)
	if content.Summary != "" {
		return content.Summary
	}
	switch a.Kind {
	case prometheus.KindBurnRate:
		return fmt.Sprintf("The %s SLO of %s is spending its error budget faster than it can afford. If this continues, the budget for the %s window runs out before the window ends and the objective of %s%% is missed.",
			a.SLO.Name, m.DisplayName, win(a.SLO.Window), a.SLO.Objective)
	case prometheus.KindBudgetTier:
		return fmt.Sprintf("%s of the %s SLO's error budget for the current %s window is spent. Nothing may be broken right now, but the remaining budget no longer allows risky changes.",
			pct(a.Tier.Consumed), a.SLO.Name, win(a.SLO.Window))
	case prometheus.KindQuality:
		return fmt.Sprintf("The %s of %s, measured from ground-truth feedback over the last %s, is below its %s%% objective. Predictions are wrong more often than the business accepts.",
			a.SLO.Quality.Metric, m.DisplayName, win(a.SLO.Quality.RollingWindow), a.SLO.Objective)
	case prometheus.KindDrift:
		if a.Feature == nil {
			return fmt.Sprintf("Many features of %s drift at once: the production data no longer looks like the data the model was trained on.", m.DisplayName)
		}
		return fmt.Sprintf("The distribution of feature `%s` in production has moved away from the reference sample in %d consecutive evaluations. The model sees inputs unlike its training data, and its predictions may degrade.",
			a.Feature.Name, a.Feature.Test.Consecutive)
	case prometheus.KindDriftStale:
		return fmt.Sprintf("`vigil drift` has not completed an evaluation for %s recently, so drift alerts cannot fire.", m.DisplayName)
	case prometheus.KindShare:
		return fmt.Sprintf("Too many observations of the %s histogram of %s fall beyond %s: more than %s%% over the last %s.",
			a.Share.Histogram, m.DisplayName, a.Share.Bound, a.Share.MaxPercent, win(a.Share.Window))
	case prometheus.KindAnomaly:
		return fmt.Sprintf("The watched value %s moved more than %s standard deviations away from its baseline (%s).",
			a.Anomaly.Name, a.Anomaly.ZThreshold, a.Anomaly.Baseline)
	case prometheus.KindAbsent:
		return fmt.Sprintf("No series match `%s`. Every alert that reads it is blind until it returns.", a.Metric)
	}
	return a.Rule.Annotations["description"]
}

// summary is the alert's summary as the alert carries it: the rule's
// summary template expanded (it holds no template but escaped spec text).
func summary(a prometheus.Alert) string {
	return compiler.UnescapeTemplate(a.Rule.Annotations["summary"])
}

func pct(d decimal.D) string { return d.String() + "%" }

// details adds the numbers behind the alert.
func details(b *strings.Builder, m *compiler.Model, a prometheus.Alert) {
	switch {
	case a.SLO != nil:
		s := a.SLO
		b.WriteString("## The objective\n\n| | |\n| --- | --- |\n")
		fmt.Fprintf(b, "| SLO | %s (%s) |\n", s.Name, s.Kind)
		if s.Description != "" {
			fmt.Fprintf(b, "| promise | %s |\n", cell(s.Description))
		}
		fmt.Fprintf(b, "| objective | %s%% over %s |\n", s.Objective, win(s.Window))
		if s.Slices != nil {
			fmt.Fprintf(b, "| time slices | %s |\n", cell(sliceWords(s)))
		}
		fmt.Fprintf(b, "| error budget | %s |\n", budgetWords(s))
		if a.Tier != nil {
			fmt.Fprintf(b, "| tier | %s consumed (severity %s) |\n", pct(a.Tier.Consumed), a.Tier.Severity)
		}
		b.WriteString("\n")
		if len(a.Windows) > 0 {
			b.WriteString("| burn rate | long window | short window | error ratio above | budget spent in the long window | budget exhausted after |\n| --- | --- | --- | --- | --- | --- |\n")
			for _, w := range a.Windows {
				th := w.Factor.Mul(s.ErrorBudget()).Mul(decimal.Hundred)
				exhaust := time.Duration(float64(time.Duration(s.Window)) / w.Factor.Float64())
				fmt.Fprintf(b, "| %sx | %s | %s | %s%% | %s%% | %s |\n", w.Factor, win(w.Long), win(w.Short), th, w.BudgetPercent, humanDuration(exhaust))
			}
			b.WriteString("\nAt burn rate *r* the whole budget lasts the SLO window divided by *r*.")
			if s.MinBadEvents > 0 && !s.TimeBased() {
				fmt.Fprintf(b, " A pair also needs at least %d bad events in its long window (`min_bad_events`), so that one bad event among a handful does not fire it; a total outage fires it as soon as it has produced %d bad events, whatever the traffic.", s.MinBadEvents, s.MinBadEvents)
			}
			if s.Quality != nil && !s.Quality.MinFeedbackRate.IsZero() {
				fmt.Fprintf(b, " It judges only while the long window holds at least %s labelled predictions per second (`min_feedback_rate`).", s.Quality.MinFeedbackRate)
			}
			b.WriteString("\n\n")
		}
	case a.Feature != nil:
		f := a.Feature
		t := f.Test
		th := "the default of the test `auto` picks"
		if !t.Threshold.IsZero() {
			th = t.Threshold.String()
		}
		direction := "score above"
		if compiler.PValueTests[t.Method] {
			direction = "p-value below"
		}
		if t.Conventions == compiler.ConventionsEvidently && compiler.EvidentlyInclusive[t.Method] {
			direction = strings.Replace(direction, " ", " at or ", 1)
		}
		b.WriteString("## The drift test\n\n| | |\n| --- | --- |\n")
		fmt.Fprintf(b, "| feature | `%s` (%s, column `%s`) |\n", f.Name, f.Type, f.Column)
		fmt.Fprintf(b, "| test | %s, drift when %s %s |\n", t.Method, direction, th)
		if t.Conventions == compiler.ConventionsEvidently {
			b.WriteString("| conventions | Evidently's: its binning, statistic, default threshold and automatic choice of test |\n")
		}
		fmt.Fprintf(b, "| consecutive breaches | %d |\n", t.Consecutive)
		if m.Drift != nil {
			fmt.Fprintf(b, "| schedule | every %s over %s of data |\n", win(m.Drift.Schedule), win(m.Drift.Window))
			fmt.Fprintf(b, "| reference | `%s` |\n", m.Drift.Reference.Path)
			fmt.Fprintf(b, "| current data | `%s` |\n", m.Drift.Current.Path)
		}
		b.WriteString("\n")
	case a.Share != nil:
		fmt.Fprintf(b, "The share is computed from histogram buckets, exactly at the bucket boundary %s.\n\n", a.Share.Bound)
	}
}

func defaultDiagnosis(l *linker, a prometheus.Alert) []string {
	m := l.m
	start := "Open " + l.dashboard("the dashboard") + " and find when the change began."
	if ref, ok := l.panel(panelKeyFor(a)); ok {
		start = "Open " + ref + " and find when the change began."
	}
	driftCheck := func(why string) string {
		if ref, ok := l.panel(grafana.KeyDrift); ok {
			return "Compare with " + ref + ": " + why
		}
		return "This model has no drift tests (no `features` in the spec), hence no drift panel; check the inputs upstream: " + why
	}
	switch a.Kind {
	case prometheus.KindBurnRate, prometheus.KindBudgetTier:
		steps := []string{start,
			"Check recent deploys of the model server and of the model version" + versionHint(m) + splitHint(m, a.SLO) + ".",
			l.infraCheck(),
			l.pipelineCheck(),
		}
		if a.SLO != nil && a.SLO.Kind == compiler.Latency {
			lat := "p50, p90 and p99 latency"
			if ref, ok := l.panel(grafana.KeyLatency); ok {
				lat += " on " + ref
			}
			steps = append(steps, "Compare "+lat+": a shifted p50 means every request is slower (capacity, dependency); only p99 means a tail (GC, cold caches, large inputs).")
		}
		return steps
	case prometheus.KindQuality:
		return []string{start,
			"Check label delay: ground truth for recent predictions may not have arrived yet, which biases the rolling window.",
			driftCheck("a feature shift often precedes a quality drop."),
			"Check whether a new model version was deployed" + versionHint(m) + ".",
		}
	case prometheus.KindDrift:
		steps := []string{start}
		if f := a.Feature; f != nil && m.Drift != nil {
			if ref, ok := l.panel(grafana.DriftBinsPanelKey(f.Name)); ok {
				steps = append(steps, fmt.Sprintf("Open %s: the reference's and the latest evaluation's share of `%s` per bin, side by side. The bins whose bars differ most are what moved the score: mass moving to a neighbouring bin is a shift, mass piling into an outer bin a changed unit or a clipped value, a bar in (unseen) new categories. For finer detail, read column `%s` of the reference sample (`%s`) and of the current data (`%s`) for the evaluation window.",
					ref, f.Name, f.Column, m.Drift.Reference.Path, m.Drift.Current.Path))
			} else {
				steps = append(steps, fmt.Sprintf("No panel shows the distributions themselves (the evaluator exports the score, not the histograms): to compare them, read column `%s` of the reference sample (`%s`) and of the current data (`%s`) for the evaluation window, e.g. quantiles or category shares in a notebook.",
					f.Column, m.Drift.Reference.Path, m.Drift.Current.Path))
			}
		}
		return append(steps,
			"Check the upstream pipeline for schema changes, unit changes, new categories or a rising share of missing values (the missing-values query below).",
			"Check whether the business changed (a campaign, a new market, seasonality) rather than the data being broken.",
		)
	case prometheus.KindDriftStale:
		return []string{"Check the drift evaluator's CronJob: last run, exit status and logs.",
			"Check that the current-data location has new partitions for the evaluation window.",
			"Check the Pushgateway or textfile collector that exports the evaluator's metrics."}
	case prometheus.KindShare:
		return []string{start,
			"Check recent model deploys: a new version that is less certain shows as a step.",
			driftCheck("unfamiliar inputs lower confidence before they hurt accuracy."),
		}
	case prometheus.KindAnomaly:
		return []string{start,
			"Check whether the change lines up with a deploy, an incident, or a known business event.",
			"Compare with the same time last week to rule out seasonality (the last query below)."}
	case prometheus.KindAbsent:
		return []string{"Check the Prometheus targets page: is the model server being scraped?",
			"Check whether the metric was renamed or relabelled in a recent deploy.",
			"Check that the model server is running at all."}
	}
	return []string{start}
}

// splitHint says how the diagnosis queries split an SLO's events.
func splitHint(m *compiler.Model, s *compiler.SLO) string {
	version := ""
	if m.VersionLabel != "" {
		version = "version and by "
	}
	switch s.Kind {
	case compiler.Availability, compiler.Latency:
		return "; the queries below split the SLI by " + version + "instance"
	case compiler.Quality:
		if m.VersionLabel != "" {
			version = "version, "
		}
		return "; the queries below break the feedback down by " + version + "predicted and actual class"
	}
	return ""
}

func versionHint(m *compiler.Model) string {
	if m.VersionLabel == "" {
		return ""
	}
	return fmt.Sprintf(" (the `%s` label shows which version served the failing traffic)", m.VersionLabel)
}

func defaultMitigation(l *linker, a prometheus.Alert) []string {
	switch a.Kind {
	case prometheus.KindBurnRate:
		return []string{"If a deploy lines up with the start, roll it back first and investigate after.",
			"Scale out the serving pods if they are saturated.",
			"If a dependency is failing, fail over or shed load according to the service's playbook.",
			"Freeze risky changes until the burn rate is back below 1."}
	case prometheus.KindBudgetTier:
		when := "the first query above shows when"
		if ref, ok := l.panel(grafana.SLOPanelKey(a.SLO.Name, grafana.ViewConsumed)); ok {
			when = ref + " shows when"
		}
		return []string{"Review what consumed the budget (" + when + ") and fix the biggest contributor.",
			"Slow down or freeze risky releases until the window rolls past the bad period."}
	case prometheus.KindQuality:
		return []string{"Roll back to the previous model version if a deploy caused the drop.",
			"If the data changed, retrain on recent data (see Retraining below).",
			"Consider a fallback (rules, a previous model) for the affected segment."}
	case prometheus.KindDrift:
		return []string{"If the pipeline is broken, fix or backfill the data; do not retrain on broken data.",
			"If the world changed, retrain on recent data and validate before promoting.",
			"If the shift is expected and harmless, recalibrate the threshold in the spec."}
	case prometheus.KindDriftStale:
		return []string{"Re-run the evaluator by hand once the cause is fixed, so the streak resumes."}
	case prometheus.KindAbsent:
		return []string{"Restore scraping or the metric first: alerts are blind meanwhile."}
	}
	return []string{"Follow the diagnosis above; escalate if the cause is unclear."}
}

func escalation(spec *compiler.Spec, m *compiler.Model, content compiler.RunbookContent) []string {
	steps := append([]string(nil), content.Escalation...)
	if len(steps) == 0 {
		steps = append(steps, m.Runbook.Escalation...)
	}
	contacts := m.Contacts
	if t := spec.Team(m.Team); t != nil && contacts.IsZero() {
		contacts = t.Contacts
	}
	var who []string
	if contacts.Pager != "" {
		who = append(who, "pager `"+contacts.Pager+"`")
	}
	if contacts.Chat != "" {
		who = append(who, "chat `"+contacts.Chat+"`")
	}
	if contacts.Email != "" {
		who = append(who, "e-mail "+contacts.Email)
	}
	if contacts.Owner != "" {
		who = append(who, "owner "+contacts.Owner)
	}
	if len(who) > 0 {
		steps = append(steps, fmt.Sprintf("Contact team `%s`: %s.", m.Team, strings.Join(who, ", ")))
	} else {
		steps = append(steps, fmt.Sprintf("Contact team `%s`.", m.Team))
	}
	return steps
}

func retraining(spec *compiler.Spec, m *compiler.Model, a prometheus.Alert) string {
	if m.Retraining == nil {
		return "This model has no retraining policy; retraining is a manual decision."
	}
	if !prometheus.Retrains(m, a) {
		return fmt.Sprintf("This alert does not trigger retraining (the policy selects drift on %s features and quality alerts of severity %s or higher).", m.Retraining.Drift, m.Retraining.MinSeverity)
	}
	target := m.Retraining.Receiver
	for _, r := range spec.Routing.Receivers {
		if r.Name == target && r.URL != "" {
			target += " (" + r.URL + ")"
		}
	}
	return fmt.Sprintf("This alert triggers retraining: it is routed to the webhook receiver `%s`, which starts the training pipeline. Check that the new model is validated before it is promoted.", target)
}
