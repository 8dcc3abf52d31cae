// Package alertmanager is the routing target: an Alertmanager routing
// fragment (alertmanager/routes.yaml: a route tree and inhibition rules to
// merge into an existing configuration) and a complete example
// configuration (alertmanager/alertmanager.example.yaml) that loads as is.
//
// Routes send each team's alerts to the team's receiver for the alert's
// severity; alerts selected by a model's retraining policy (labelled
// action="retrain" by the Prometheus target) also go to the model's
// retraining webhook. Inhibition rules silence a ticket while the page for
// the same SLO fires, and a warning budget tier while the critical tier
// for the same SLO fires.
package alertmanager

import (
	"sort"
	"strings"
	"time"

	"github.com/vigil-dev/vigil/internal/yamlout"

	"github.com/vigil-dev/vigil/compiler"
)

// Target is the Alertmanager routing target.
type Target struct{}

// Name implements compiler.Target.
func (Target) Name() string { return "alertmanager" }

// NullReceiver receives alerts no route claims when the spec names no
// default receiver.
const NullReceiver = "vigil-unrouted"

// Config is the part of an Alertmanager configuration vigil writes.
type Config struct {
	Route        *Route        `yaml:"route"`
	InhibitRules []InhibitRule `yaml:"inhibit_rules"`
	Receivers    []Receiver    `yaml:"receivers,omitempty"`
}

// Route is an Alertmanager route.
type Route struct {
	Receiver       string   `yaml:"receiver"`
	GroupBy        []string `yaml:"group_by,omitempty"`
	GroupWait      string   `yaml:"group_wait,omitempty"`
	GroupInterval  string   `yaml:"group_interval,omitempty"`
	RepeatInterval string   `yaml:"repeat_interval,omitempty"`
	Matchers       []string `yaml:"matchers,omitempty"`
	Continue       bool     `yaml:"continue,omitempty"`
	Routes         []*Route `yaml:"routes,omitempty"`
}

// InhibitRule is an Alertmanager inhibition rule.
type InhibitRule struct {
	SourceMatchers []string `yaml:"source_matchers"`
	TargetMatchers []string `yaml:"target_matchers"`
	Equal          []string `yaml:"equal"`
}

// Receiver is an Alertmanager receiver. Only webhooks carry their
// endpoint; other integrations hold secrets and are left for the user to
// fill in (a receiver without integrations is valid and drops alerts).
type Receiver struct {
	Name           string          `yaml:"name"`
	WebhookConfigs []WebhookConfig `yaml:"webhook_configs,omitempty"`
}

// WebhookConfig is an Alertmanager webhook integration.
type WebhookConfig struct {
	URL          string `yaml:"url"`
	SendResolved bool   `yaml:"send_resolved"`
}

func matcher(name, value string) string { return name + "=" + compiler.Quote(value) }

func dur(d compiler.Duration) string { return compiler.FormatDuration(time.Duration(d)) }

// Build returns the configuration for a spec (receivers included).
func Build(spec *compiler.Spec) Config {
	rt := spec.Routing
	def := rt.DefaultReceiver
	if def == "" {
		def = NullReceiver
	}
	root := &Route{
		Receiver:       def,
		GroupBy:        rt.GroupBy,
		GroupWait:      dur(rt.GroupWait),
		GroupInterval:  dur(rt.GroupInterval),
		RepeatInterval: dur(rt.RepeatInterval),
	}
	// Retraining first, with continue, so the alert also reaches its team.
	byReceiver := map[string][]string{}
	for _, m := range spec.Models {
		if m.Retraining != nil {
			byReceiver[m.Retraining.Receiver] = append(byReceiver[m.Retraining.Receiver], m.Name)
		}
	}
	var retrainReceivers []string
	for r := range byReceiver {
		retrainReceivers = append(retrainReceivers, r)
	}
	sort.Strings(retrainReceivers)
	for _, r := range retrainReceivers {
		models := byReceiver[r]
		sort.Strings(models)
		root.Routes = append(root.Routes, &Route{
			Receiver: r,
			Matchers: []string{matcher("action", "retrain"), "model=~" + compiler.Quote("^("+strings.Join(models, "|")+")$")},
			GroupBy:  []string{"alertname", "model", "feature", "slo"},
			Continue: true,
		})
	}
	// Team routes: one per team and severity with a receiver.
	for _, t := range spec.Teams {
		var sevs []string
		for sev := range t.Receivers {
			sevs = append(sevs, string(sev))
		}
		sort.Slice(sevs, func(i, j int) bool {
			return compiler.Severity(sevs[i]).Rank() > compiler.Severity(sevs[j]).Rank()
		})
		for _, sev := range sevs {
			root.Routes = append(root.Routes, &Route{
				Receiver: t.Receivers[compiler.Severity(sev)],
				Matchers: []string{matcher("team", t.Name), matcher("severity", rt.SeverityNames[compiler.Severity(sev)])},
			})
		}
	}
	crit, warn := rt.SeverityNames[compiler.Critical], rt.SeverityNames[compiler.Warning]
	cfg := Config{
		Route: root,
		InhibitRules: []InhibitRule{
			{
				SourceMatchers: []string{`alertname=~".+FastBurn"`},
				TargetMatchers: []string{`alertname=~".+SlowBurn"`},
				Equal:          []string{"model", "slo"},
			},
			{
				SourceMatchers: []string{`alertname=~".+PercentConsumed"`, matcher("severity", crit)},
				TargetMatchers: []string{`alertname=~".+PercentConsumed"`, matcher("severity", warn)},
				Equal:          []string{"model", "slo"},
			},
		},
	}
	names := map[string]bool{}
	for _, r := range rt.Receivers {
		rc := Receiver{Name: r.Name}
		if r.Kind == "webhook" && r.URL != "" {
			rc.WebhookConfigs = []WebhookConfig{{URL: r.URL}}
		}
		cfg.Receivers = append(cfg.Receivers, rc)
		names[r.Name] = true
	}
	// Receivers a route names but the spec does not describe.
	var extra []string
	for _, n := range routeReceivers(root) {
		if !names[n] {
			names[n] = true
			extra = append(extra, n)
		}
	}
	sort.Strings(extra)
	for _, n := range extra {
		cfg.Receivers = append(cfg.Receivers, Receiver{Name: n})
	}
	return cfg
}

func routeReceivers(r *Route) []string {
	out := []string{r.Receiver}
	for _, c := range r.Routes {
		out = append(out, routeReceivers(c)...)
	}
	return out
}

// Generate implements compiler.Target.
func (Target) Generate(spec *compiler.Spec) ([]compiler.Artifact, error) {
	cfg := Build(spec)
	frag, err := render(Config{Route: cfg.Route, InhibitRules: cfg.InhibitRules},
		"Routing fragment: merge route and inhibit_rules into your Alertmanager configuration.")
	if err != nil {
		return nil, err
	}
	full, err := render(cfg,
		"A complete example configuration. Receivers other than webhooks have",
		"no integrations (they drop alerts): add your Slack, PagerDuty or e-mail",
		"settings, or merge routes.yaml into the configuration you already run.")
	if err != nil {
		return nil, err
	}
	return []compiler.Artifact{
		{Path: "alertmanager/alertmanager.example.yaml", Bytes: full},
		{Path: "alertmanager/routes.yaml", Bytes: frag},
	}, nil
}

func render(v any, comments ...string) ([]byte, error) { return yamlout.Render(v, comments...) }
