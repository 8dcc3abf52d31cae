// Package datadog is the Datadog target: for each model an OpenMetrics
// check configuration for the Datadog Agent, metric-based SLOs, monitors
// (SLO burn-rate and error-budget alerts, metric monitors for shares,
// anomalies, absent data and drift) and a dashboard, plus a fleet
// dashboard. Payloads are built with the official client's model types
// (github.com/DataDog/datadog-api-client-go/v2, datadogV1) and written as
// the JSON those types marshal to; `vigil apply datadog` sends them.
//
// Objects carry the tags ManagedTag, SpecTag and IDTag (dashboards,
// which Datadog lets carry team tags only, carry them in their
// description), by which apply finds the objects it owns. Monitors and
// dashboard widgets name the SLOs they read by SLORef, which apply
// replaces with the SLO's id.
//
// What Datadog cannot express exactly is listed in datadog/NOTES.md.
package datadog

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/DataDog/datadog-api-client-go/v2/api/datadogV1"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/internal/jsonout"
	vprom "github.com/vigil-dev/vigil/targets/prometheus"
)

// Target generates the Datadog artifacts.
type Target struct{}

// Name implements compiler.Target.
func (Target) Name() string { return "datadog" }

// Dir is the directory of every Datadog artifact.
const Dir = "datadog"

// Tags that mark the objects vigil owns.
const (
	// ManagedTag is on every object vigil applies.
	ManagedTag = "managed-by:vigil"
	// SpecTagKey names the spec (its fleet name): apply only ever touches
	// objects of the spec it applies.
	SpecTagKey = "vigil-spec"
	// IDTagKey is the stable identity of an object within its spec.
	IDTagKey = "vigil-id"
)

// SpecTag is the tag of the spec's objects.
func SpecTag(spec *compiler.Spec) string { return SpecTagKey + ":" + spec.FleetName() }

// SLOID is the identity of a model's SLO ("slo/<model>/<slo>").
func SLOID(model, slo string) string { return "slo/" + model + "/" + slo }

// SLORef is the placeholder for an SLO's Datadog id in monitor queries
// and dashboard widgets; apply replaces it with the id.
func SLORef(model, slo string) string { return "${" + IDTagKey + ":" + SLOID(model, slo) + "}" }

// Generate implements compiler.Target.
func (Target) Generate(spec *compiler.Spec) ([]compiler.Artifact, error) {
	var out []compiler.Artifact
	var notes strings.Builder
	for _, m := range spec.Models {
		b := newBuilder(spec, m)
		slos := b.slos()
		monitors := b.monitors()
		dash := b.dashboard()
		agent, err := b.agentConfig()
		if err != nil {
			return nil, fmt.Errorf("model %s: %w", m.Name, err)
		}
		out = append(out, compiler.Artifact{Path: Dir + "/conf.d/openmetrics.d/" + m.Name + ".yaml", Bytes: agent})
		for _, f := range []struct {
			dir string
			v   any
		}{{"slos", slos}, {"monitors", monitors}, {"dashboards", dash}} {
			data, err := marshal(f.v)
			if err != nil {
				return nil, fmt.Errorf("model %s: %w", m.Name, err)
			}
			out = append(out, compiler.Artifact{Path: Dir + "/" + f.dir + "/" + m.Name + ".json", Bytes: data})
		}
		if len(b.notes) > 0 {
			fmt.Fprintf(&notes, "\n## %s\n\n", m.Name)
			seen := map[string]bool{}
			for _, n := range b.notes {
				if seen[n] {
					continue
				}
				seen[n] = true
				fmt.Fprintf(&notes, "- %s\n", n)
			}
		}
	}
	fleet, err := marshal(fleetDashboard(spec))
	if err != nil {
		return nil, err
	}
	out = append(out, compiler.Artifact{Path: Dir + "/dashboards/" + FleetFile, Bytes: fleet})
	text := "<!-- " + compiler.GeneratedHeader + " -->\n\n# What Datadog cannot express\n\n" +
		"What the Datadog objects of this spec do differently from the Prometheus rules (see docs/datadog.md).\n"
	if notes.Len() == 0 {
		text += "\nNothing: every alert and SLO has an exact Datadog form.\n"
	}
	out = append(out, compiler.Artifact{Path: Dir + "/NOTES.md", Bytes: []byte(text + notes.String())})
	return out, nil
}

// FleetFile is the fleet dashboard's file name under dashboards/ (no
// model is named "fleet": the compiler reserves the name).
const FleetFile = "fleet.json"

// marshal writes a payload as the client's types marshal it (their
// MarshalJSON, keys sorted), indented.
func marshal(v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var generic any
	if err := json.Unmarshal(raw, &generic); err != nil {
		return nil, err
	}
	return jsonout.Marshal(generic)
}

// builder builds one model's objects.
type builder struct {
	spec   *compiler.Spec
	m      *compiler.Model
	alerts []vprom.Alert
	tr     translator
	notes  []string
	// timeframes maps an SLO name to its Datadog timeframe.
	timeframes map[string]datadogV1.SLOTimeframe
	// sloKinds are the SLOs that have a Datadog SLO.
	made map[string]bool
}

func newBuilder(spec *compiler.Spec, m *compiler.Model) *builder {
	memo := spec
	if spec.Memo == nil {
		run := *spec
		run.Memo = &compiler.Memo{}
		memo = &run
	}
	return &builder{spec: spec, m: m, alerts: vprom.Alerts(memo, m),
		timeframes: map[string]datadogV1.SLOTimeframe{}, made: map[string]bool{}}
}

func (b *builder) note(format string, args ...any) {
	b.notes = append(b.notes, fmt.Sprintf(format, args...))
}

// service is the model's service tag: its "service" label, else the
// value of an equality matcher on "service" in the request selector,
// else the model's name.
func (b *builder) service() string {
	for _, l := range b.m.Labels {
		if l.Name == "service" {
			return l.Value
		}
	}
	for _, mt := range b.m.Metrics.Requests.Selector {
		if mt.Name == "service" && mt.Op == "=" {
			return mt.Value
		}
	}
	return b.m.Name
}

// tags are the tags of an object with identity id.
func (b *builder) tags(id string, extra ...string) []string {
	t := []string{ManagedTag, SpecTag(b.spec), IDTagKey + ":" + id,
		"team:" + b.m.Team, "model:" + b.m.Name, "service:" + tagValue(b.service())}
	t = append(t, extra...)
	sort.Strings(t)
	return t
}

// timeframe maps an SLO window to a Datadog timeframe: 7d, 30d and 90d
// exactly; any other window to the shortest of them at least as long
// (90d for longer windows), with a note.
func (b *builder) timeframe(s *compiler.SLO) datadogV1.SLOTimeframe {
	if tf, ok := b.timeframes[s.Name]; ok {
		return tf
	}
	w := time.Duration(s.Window)
	day := 24 * time.Hour
	tf := datadogV1.SLOTIMEFRAME_NINETY_DAYS
	switch {
	case w <= 7*day:
		tf = datadogV1.SLOTIMEFRAME_SEVEN_DAYS
	case w <= 30*day:
		tf = datadogV1.SLOTIMEFRAME_THIRTY_DAYS
	}
	if compiler.FormatDuration(w) != string(tf) {
		b.note("SLO %s: the %s window is not a Datadog SLO timeframe (7d, 30d, 90d); its Datadog SLO, error-budget and burn-rate monitors use %s. Burn-rate factors are kept (they are multiples of the error rate the objective allows), so each window pair spends a different share of a %s budget than of a %s one, and budget tiers count against the %s budget.",
			s.Name, compiler.FormatDuration(w), tf, tf, compiler.FormatDuration(w), tf)
	}
	b.timeframes[s.Name] = tf
	return tf
}

// handles are the notification handles of a severity: the model team's
// receiver for it (else routing's default receiver), as Datadog handles.
func (b *builder) handles(sev compiler.Severity) []string {
	name := ""
	if t := b.spec.Team(b.m.Team); t != nil {
		name = t.Receivers[sev]
	}
	if name == "" {
		name = b.spec.Routing.DefaultReceiver
	}
	if name == "" {
		return nil
	}
	var r *compiler.Receiver
	for _, x := range b.spec.Routing.Receivers {
		if x.Name == name {
			r = x
		}
	}
	if r == nil {
		return []string{"@" + handleName(name)}
	}
	return []string{Handle(r)}
}

// Handle is a receiver's Datadog notification handle: @pagerduty-<service>,
// @slack-<channel>, @opsgenie-<team>, @teams-<channel>, @webhook-<name>,
// or the e-mail address; <...> is the receiver's target, else its name.
func Handle(r *compiler.Receiver) string {
	target := r.Target
	if target == "" {
		target = r.Name
	}
	switch r.Kind {
	case "pagerduty":
		return "@pagerduty-" + handleName(target)
	case "slack":
		return "@slack-" + handleName(strings.TrimPrefix(target, "#"))
	case "opsgenie":
		return "@opsgenie-" + handleName(target)
	case "msteams":
		return "@teams-" + handleName(target)
	case "email":
		if strings.Contains(target, "@") {
			return "@" + target
		}
	}
	return "@webhook-" + handleName(r.Name)
}

// handleName makes text usable in a handle: spaces become dashes.
func handleName(s string) string {
	return strings.Join(strings.Fields(s), "-")
}

// priority maps a severity to a monitor priority (1 highest).
func priority(sev compiler.Severity) int64 {
	switch sev {
	case compiler.Critical:
		return 1
	case compiler.Warning:
		return 3
	}
	return 4
}

// message is a monitor's message: the summary, what it watches, the
// runbook and dashboard links and the notification handles.
func (b *builder) message(a *vprom.Alert, detail string) string {
	var sb strings.Builder
	sb.WriteString(compiler.UnescapeTemplate(a.Rule.Annotations["summary"]))
	if detail != "" {
		sb.WriteString("\n\n" + detail)
	}
	sb.WriteString("\n\nRunbook: " + b.spec.RunbookURL(b.m.Name, a.Rule.Alert))
	for _, h := range b.handles(a.Severity) {
		sb.WriteString("\n" + h)
	}
	return sb.String()
}

func ptr[T any](v T) *T { return &v }
