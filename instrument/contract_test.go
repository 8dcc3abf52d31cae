package instrument_test

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/model/labels"

	"github.com/vigil-dev/vigil/check"
	"github.com/vigil-dev/vigil/instrument"
	"github.com/vigil-dev/vigil/internal/exampletest"
	"github.com/vigil-dev/vigil/internal/promsamples"
	target "github.com/vigil-dev/vigil/targets/instrument"
)

// contractRoles are the dependency roles the package emits (drift
// series come from vigil drift; "query" series from the spec's own
// PromQL).
var contractRoles = map[string]bool{"requests": true, "latency": true, "confidence": true, "predictions": true, "feedback": true}

// TestEmitsWhatTheRulesRead instruments every example's models from the
// config the instrument target writes and checks, against the
// dependencies vigil check derives from the generated rules and
// dashboards, that right after New every selector a rule or alert reads
// matches a series (zeros, not nothing), and after some traffic every
// selector of the dashboards too. The series are the registry's text
// exposition as Prometheus's own parser reads it; job and instance
// matchers are left to the scrape configuration, which sets those labels.
func TestEmitsWhatTheRulesRead(t *testing.T) {
	specs := exampletest.Load(t)
	n := 0
	for name, spec := range specs {
		deps, err := check.Deps(spec)
		if err != nil {
			t.Fatal(err)
		}
		for i, m := range spec.Models {
			cfg, err := target.Config(m)
			if err != nil {
				t.Errorf("%s/%s: %v", name, m.Name, err)
				continue
			}
			opt := instrument.Options{Version: "v1", Labels: matchingLabels(t, cfg)}
			if opt.Labels == nil && hasMatchers(cfg) {
				t.Logf("%s/%s: skipped: no value known to match its matchers", name, m.Name)
				continue
			}
			reg := prometheus.NewRegistry()
			opt.Registerer = reg
			im, err := instrument.New(cfg, opt)
			if err != nil {
				t.Errorf("%s/%s: %v", name, m.Name, err)
				continue
			}
			n++
			roles := map[string]string{}
			for _, mt := range deps[i].Metrics {
				roles[mt.Name] = mt.Role
			}
			series := scrape(t, reg)
			for _, d := range deps[i].Deps {
				if !contractRoles[roles[d.Metric]] || !readByRule(d) {
					continue
				}
				if !anyMatch(series, d) {
					t.Errorf("%s/%s: before any traffic, %s (read by %s) matches none of the emitted series", name, m.Name, d.Expr, d.UsedBy[0])
				}
			}
			im.ObserveStatus(10*time.Millisecond, 200)
			im.ObserveStatus(10*time.Millisecond, 503)
			for _, c := range append(cfg.Predictions.Classes, "some-class") {
				im.Prediction(c, 0.9)
			}
			series = scrape(t, reg)
			for _, d := range deps[i].Deps {
				if contractRoles[roles[d.Metric]] && !anyMatch(series, d) {
					t.Errorf("%s/%s: after traffic, %s (read by %s) matches none of the emitted series", name, m.Name, d.Expr, d.UsedBy[0])
				}
			}
		}
	}
	if n < 3 {
		t.Fatalf("instrumented %d models, want at least 3", n)
	}
}

func readByRule(d check.Selector) bool {
	for _, u := range d.UsedBy {
		if strings.HasPrefix(u, "rule ") || strings.HasPrefix(u, "alert ") {
			return true
		}
	}
	return false
}

func hasMatchers(c *instrument.Config) bool {
	for _, s := range []instrument.Series{c.Requests.Series, c.Latency.Series, c.Confidence.Series, c.Predictions.Series, c.Feedback.Series} {
		if len(s.Matchers) > 0 {
			return true
		}
	}
	return false
}

// matchingLabels picks values for the selectors' non-equality matchers
// when the matcher is an alternation of literals (its first) or a
// negative matcher ("x" unless excluded).
func matchingLabels(t *testing.T, c *instrument.Config) map[string]string {
	var out map[string]string
	for _, s := range []instrument.Series{c.Requests.Series, c.Latency.Series, c.Confidence.Series, c.Predictions.Series, c.Feedback.Series} {
		for _, m := range s.Matchers {
			v := ""
			switch m.Op {
			case "=~":
				v = strings.Split(m.Value, "|")[0]
				if strings.ContainsAny(v, `.*+?()[]{}\^$`) {
					return nil
				}
			case "!=", "!~":
				v = "instrumented"
			}
			if out == nil {
				out = map[string]string{}
			}
			out[m.Name] = v
		}
	}
	return out
}

func scrape(t *testing.T, g prometheus.Gatherer) []labels.Labels {
	t.Helper()
	ls, _, err := promsamples.Scrape(g)
	if err != nil {
		t.Fatal(err)
	}
	return ls
}

func anyMatch(series []labels.Labels, d check.Selector) bool {
	for _, s := range series {
		if s.Get(labels.MetricName) != d.Metric {
			continue
		}
		ok := true
		for _, m := range d.Matchers {
			if m.Name == "job" || m.Name == "instance" {
				continue
			}
			if !m.Matches(s.Get(m.Name)) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}
