// Package sloth imports Sloth SLO specs (https://sloth.dev): the
// `prometheus/v1` spec and the Kubernetes `PrometheusServiceLevel` CRD
// (sloth.slok.dev/v1). Import is a pure function from source files to
// formatted vigil CUE files, one per service, plus findings: what could
// not be carried over, with its source position and what to do instead.
// docs/import.md has the mapping tables.
package sloth

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/prometheus/common/model"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/importer"
)

// File is one source file.
type File struct {
	// Name is the file's name as reported in findings.
	Name string
	Data []byte
}

// Header is the semantic note every imported file starts with.
var Header = []string{
	"Imported from Sloth by `vigil import sloth`; this file is yours to edit.",
	"",
	"Differences from Sloth that change numbers (docs/import.md):",
	"- The SLO-window (30-day) error ratio: Sloth averages the 5-minute error",
	"  ratios (a quiet night weighs as much as a busy day); vigil's is",
	"  traffic-weighted (bad events / all events over the window).",
	"- Burn-rate alerts use Sloth's windows and factors (by default page",
	"  14.4x 1h/5m or 6x 6h/30m, ticket 3x 1d/2h or 1x 3d/6h) over raw rates;",
	"  min_bad_events: 0 keeps Sloth's behaviour (vigil's default guard of 3",
	"  bad events per long window is off).",
	"- Alerts are named <Slo>FastBurn (page) and <Slo>SlowBurn (ticket) and",
	"  carry vigil's labels (model, slo, team, severity).",
}

// Import converts Sloth specs into vigil specs: one CUE file per service,
// named <service>.cue.
func Import(files []File) importer.Result {
	im := &imp{models: map[string]*service{}}
	for _, f := range files {
		n := len(im.r.Findings)
		docs := im.r.Documents(f.Name, f.Data)
		if len(docs) == 0 && len(im.r.Findings) == n {
			im.r.Drop(importer.Node{File: f.Name}, "the file holds no YAML document", "")
		}
		for _, doc := range docs {
			im.document(doc)
		}
	}
	return im.result()
}

type service struct {
	model *importer.Model
	files []string
	// sloLabels counts, per label key and value, the SLOs that set it.
	sloLabels []map[string]entryAt
}

type entryAt struct {
	value string
	node  importer.Node
}

type imp struct {
	r      importer.Reporter
	models map[string]*service
	order  []string
	// severity names chosen from the page and ticket alerts' severity
	// labels, with where they came from.
	sevNames map[string]entryAt
	// windows are the SLO period and alert windows of an AlertWindows
	// document, applied to every SLO of the import.
	windows *alertWindows
}

type alertWindows struct {
	period       string
	page, ticket []importer.Window
	node         importer.Node
}

// alertWindows reads a Sloth AlertWindows document (what `sloth generate
// --window-dir` reads): its period and windows apply to every SLO of the
// import.
func (im *imp) alertWindows(n importer.Node) {
	r := &im.r
	o, ok := r.AsObj(n)
	if !ok {
		return
	}
	defer o.Unknown(r, "Sloth AlertWindows spec")
	if im.windows != nil {
		r.Drop(n, fmt.Sprintf("a second AlertWindows document (the first is at %s); vigil applies one to the whole import", im.windows.node.Pos()), "import the specs that use it separately")
		o.Fields()
		return
	}
	aw := &alertWindows{node: n}
	pn := o.Get("sloPeriod")
	aw.period, _ = r.Str(pn)
	period, err := model.ParseDuration(aw.period)
	if err != nil || period <= 0 {
		r.Drop(pn, fmt.Sprintf("sloPeriod %q is not a duration", aw.period), "")
		o.Fields()
		return
	}
	for _, c := range []struct {
		field string
		dst   *[]importer.Window
	}{{"page", &aw.page}, {"ticket", &aw.ticket}} {
		co, ok := r.AsObj(o.Get(c.field))
		if !ok {
			return
		}
		for _, speed := range []string{"quick", "slow"} {
			wo, ok := r.AsObj(co.Get(speed))
			if !ok {
				return
			}
			bp, _, ok1 := r.Number(wo.Get("errorBudgetPercent"))
			short, _ := r.Str(wo.Get("shortWindow"))
			long, _ := r.Str(wo.Get("longWindow"))
			wo.Unknown(r, "a Sloth alert window")
			_, e1 := model.ParseDuration(short)
			ld, e2 := model.ParseDuration(long)
			if !ok1 || e1 != nil || e2 != nil || ld <= 0 {
				r.Drop(wo.Node, "the window needs errorBudgetPercent, shortWindow and longWindow; the AlertWindows document is not imported", "")
				return
			}
			bpv, _ := strconv.ParseFloat(bp, 64)
			if f := bpv / 100 * float64(period) / float64(ld); f < 1 {
				r.Drop(wo.Node, fmt.Sprintf("%s %s window: %s%% of the budget over %s is a burn rate of %.4g, below 1; vigil rejects it (it would fire while the SLO is met), so the window is left out", c.field, speed, bp, long, f),
					"use a budget share of at least "+strconv.FormatFloat(100*float64(ld)/float64(period), 'g', 4, 64)+"%")
				continue
			}
			*c.dst = append(*c.dst, importer.Window{Long: long, Short: short, BudgetPercent: bp})
		}
		co.Unknown(r, "Sloth AlertWindows "+c.field)
	}
	im.windows = aw
	r.Note(n, fmt.Sprintf("AlertWindows: every SLO of this import gets window %s and these page and ticket windows (as budget_percent)", aw.period), "")
}

// dialect holds the field names of the two spec forms.
type dialect struct{ k8s bool }

func (d dialect) f(snake, camel string) string {
	if d.k8s {
		return camel
	}
	return snake
}

func (im *imp) document(doc importer.Node) {
	r := &im.r
	o, ok := r.AsObj(doc)
	if !ok {
		return
	}
	if o.Has("apiVersion") || o.Has("kind") {
		api, _ := r.Str(o.Get("apiVersion"))
		kind, _ := r.Str(o.Get("kind"))
		switch {
		case api == "sloth.slok.dev/v1" && kind == "PrometheusServiceLevel":
		case api == "sloth.slok.dev/v1" && kind == "AlertWindows":
			o.Skip("metadata")
			spec := o.Get("spec")
			o.Unknown(r, "Sloth AlertWindows")
			im.alertWindows(spec)
			return
		case strings.HasPrefix(api, "openslo/"):
			r.Drop(o.Get("apiVersion"), fmt.Sprintf("an OpenSLO document (%s), not a Sloth spec", api), "import it with vigil import openslo")
			return
		default:
			r.Drop(o.Get("kind"), fmt.Sprintf("not a Sloth spec: apiVersion %q, kind %q", api, kind),
				"vigil import sloth reads `version: prometheus/v1` specs and sloth.slok.dev/v1 PrometheusServiceLevel objects")
			return
		}
		o.Skip("metadata", "status")
		spec, ok := r.AsObj(o.Get("spec"))
		o.Unknown(r, "a PrometheusServiceLevel")
		if ok {
			im.spec(spec, dialect{k8s: true})
		}
		return
	}
	v := o.Get("version")
	ver, _ := r.Str(v)
	if ver != "prometheus/v1" {
		if !v.Valid() {
			r.Drop(doc, "not a Sloth spec: no version (want \"prometheus/v1\") and no apiVersion", "")
		} else {
			r.Drop(v, fmt.Sprintf("unsupported Sloth spec version %q", ver), "vigil imports prometheus/v1 specs")
		}
		return
	}
	im.spec(o, dialect{})
}

func (im *imp) spec(o *importer.Obj, d dialect) {
	r := &im.r
	svcNode := o.Get("service")
	svc, _ := r.Str(svcNode)
	if svc == "" {
		r.Drop(o.Node, "the spec has no service", "set service")
		o.Skip("labels", "slos", d.f("slo_plugins", "sloPlugins"))
		o.Unknown(r, "a Sloth spec")
		return
	}
	name := importer.SafeName(svc, "s")
	if name != svc {
		r.Note(svcNode, fmt.Sprintf("service %q becomes model %q (vigil names are lower-case letters, digits, - and _)", svc, name), "")
	}
	s := im.models[name]
	if s == nil {
		s = &service{model: &importer.Model{Name: name, Labels: map[string]string{}}}
		im.models[name] = s
		im.order = append(im.order, name)
	}
	s.files = append(s.files, svcNode.File)
	labels := r.StringMap(o.Get("labels"))
	if s.model.Team == "" {
		s.model.Team = name
		how := "the service name"
		for _, key := range []string{"team", "owner"} {
			for _, e := range labels {
				if e.Key == key && importer.IsName(e.Value) {
					s.model.Team, how = e.Value, "label "+key
				}
			}
			if how != "the service name" {
				break
			}
		}
		r.Note(svcNode, fmt.Sprintf("vigil needs an owning team; team %q is taken from %s", s.model.Team, how), "change team if another team owns it")
	}
	for _, e := range labels {
		if e.Key == "team" && e.Value == s.model.Team {
			continue // the team label of every vigil alert
		}
		im.modelLabel(s, e)
	}
	im.plugins(o.Get(d.f("slo_plugins", "sloPlugins")), d, nil)
	slos, _ := r.List(o.Get("slos"))
	for _, n := range slos {
		im.slo(s, n, d)
	}
	o.Unknown(r, "a Sloth spec")
}

func (im *imp) modelLabel(s *service, e importer.Entry) {
	r := &im.r
	switch {
	case e.Key == "tier":
		r.Drop(e.Node, fmt.Sprintf("label tier=%q: vigil sets the tier label itself, from the model's tier", e.Value), "set the model's tier (standard, critical, high or low)")
	case compiler.IsReservedLabel(e.Key):
		r.Drop(e.Node, fmt.Sprintf("label %q is set by vigil itself on every rule and alert", e.Key), "rename the label")
	case !importer.IsLabelName(e.Key):
		r.Drop(e.Node, fmt.Sprintf("%q is not a Prometheus label name", e.Key), "")
	case !importer.IsLabelValue(e.Value):
		r.Drop(e.Node, "label values must be one non-empty line", "")
	default:
		if old, ok := s.model.Labels[e.Key]; ok && old != e.Value {
			r.Drop(e.Node, fmt.Sprintf("label %s=%q conflicts with %q from another spec of the same service", e.Key, e.Value, old), "make the labels agree")
			return
		}
		s.model.Labels[e.Key] = e.Value
	}
}

var windowTmpl = regexp.MustCompile(`\{\{\s*\.window\s*\}\}`)

func (im *imp) slo(s *service, n importer.Node, d dialect) {
	r := &im.r
	o, ok := r.AsObj(n)
	if !ok {
		return
	}
	nameNode := o.Get("name")
	raw, _ := r.Str(nameNode)
	if raw == "" {
		r.Drop(n, "SLO without a name is not imported", "give it a name")
		return
	}
	slo := &importer.SLO{Name: importer.SafeName(raw, "s"), Kind: "ratio"}
	if slo.Name != raw {
		r.Note(nameNode, fmt.Sprintf("SLO %q becomes %q", raw, slo.Name), "")
	}
	for _, other := range s.model.SLOs {
		if other.Name == slo.Name || compiler.Camel(other.Name) == compiler.Camel(slo.Name) {
			r.Drop(nameNode, fmt.Sprintf("SLO %q of service %q is already imported (or its name collides with %q in vigil's alert names)", raw, s.model.Name, other.Name), "rename one of them")
			o.Fields()
			return
		}
	}
	slo.Description, _ = r.Str(o.Get("description"))
	objNode := o.Get("objective")
	obj, val, ok := r.Number(objNode)
	if !ok {
		o.Fields()
		return
	}
	if val <= 0 || val >= 100 {
		r.Drop(objNode, fmt.Sprintf("objective %s is outside vigil's range (strictly between 0 and 100): SLO %q is not imported", obj, raw), "")
		o.Fields()
		return
	}
	slo.Objective = obj
	zero := 0
	slo.MinBadEvents = &zero
	if !im.sli(s, slo, o.Get("sli"), d) {
		o.Fields()
		return
	}
	for _, e := range r.StringMap(o.Get("labels")) {
		// SLO labels go on the model when every SLO of the service
		// agrees (checked once all are read).
		for len(s.sloLabels) <= len(s.model.SLOs) {
			s.sloLabels = append(s.sloLabels, map[string]entryAt{})
		}
		s.sloLabels[len(s.model.SLOs)][e.Key] = entryAt{e.Value, e.Node}
	}
	im.alerting(slo, o.Get("alerting"), d)
	im.plugins(o.Get("plugins"), d, slo)
	o.Unknown(r, "a Sloth SLO")
	s.model.SLOs = append(s.model.SLOs, slo)
}

// query turns a Sloth query into a vigil one ({{.window}} -> $window)
// and checks it.
func (im *imp) query(n importer.Node) (string, bool) {
	q, ok := im.r.Str(n)
	if !ok {
		return "", false
	}
	return im.queryText(n, q)
}

// queryText checks query text found at n (a field, or the plugin that
// generated it).
func (im *imp) queryText(n importer.Node, q string) (string, bool) {
	r := &im.r
	q = strings.TrimSpace(q)
	if q == "" {
		r.Drop(n, "empty query: the SLO is not imported", "")
		return "", false
	}
	out := windowTmpl.ReplaceAllLiteralString(q, importer.WindowVar)
	if strings.Contains(out, "{{") {
		r.Drop(n, "the query uses a template other than {{.window}}: the SLO is not imported", "expand the template and write the range as {{.window}}")
		return "", false
	}
	if !strings.Contains(out, importer.WindowVar) {
		r.Drop(n, "the query has no {{.window}} range: every alert window would read the same value, so the SLO is not imported", "write the range as [{{.window}}]")
		return "", false
	}
	if _, err := importer.ParsePromQL(out); err != nil {
		r.Drop(n, fmt.Sprintf("invalid PromQL: %v; the SLO is not imported", err), importer.MetricsQLHint(err))
		return "", false
	}
	if !importer.IsVector(out) {
		r.Drop(n, "the query does not return an instant vector; the SLO is not imported", "")
		return "", false
	}
	return out, true
}

func (im *imp) sli(s *service, slo *importer.SLO, n importer.Node, d dialect) bool {
	r := &im.r
	o, ok := r.AsObj(n)
	if !ok {
		return false
	}
	if !n.Valid() {
		r.Drop(n, "SLO without an sli is not imported", "")
		return false
	}
	kinds := 0
	for _, k := range []string{"events", "raw", "plugin"} {
		if o.Has(k) {
			kinds++
		}
	}
	if kinds != 1 {
		r.Drop(n, "an SLI needs exactly one of events, raw or plugin; the SLO is not imported", "")
		o.Fields()
		return false
	}
	defer o.Unknown(r, "a Sloth SLI")
	if ev := o.Get("events"); ev.Valid() {
		eo, ok := r.AsObj(ev)
		if !ok {
			return false
		}
		defer eo.Unknown(r, "Sloth SLI events")
		errQ, ok1 := im.query(eo.Get(d.f("error_query", "errorQuery")))
		totQ, ok2 := im.query(eo.Get(d.f("total_query", "totalQuery")))
		if !ok1 || !ok2 {
			return false
		}
		im.events(s, slo, errQ, totQ, ev)
		return true
	}
	if rw := o.Get("raw"); rw.Valid() {
		ro, ok := r.AsObj(rw)
		if !ok {
			return false
		}
		defer ro.Unknown(r, "Sloth SLI raw")
		q, ok := im.query(ro.Get(d.f("error_ratio_query", "errorRatioQuery")))
		if !ok {
			return false
		}
		im.raw(s, slo, q, rw)
		return true
	}
	return im.plugin(s, slo, o.Get("plugin"))
}

// events sets an events SLI: availability or latency when the queries
// have that shape and the model's metric slot is free, else ratio.
func (im *imp) events(s *service, slo *importer.SLO, errQ, totQ string, n importer.Node) {
	if note, ok := importer.EventsSLI(s.model, slo, errQ, totQ); ok {
		im.r.Note(n, note, "")
		return
	}
	slo.Errors, slo.Total = errQ, totQ
}

// raw sets a raw error-ratio SLI: split into events when it is a plain
// errors / total division, else a ratio over one event per second.
func (im *imp) raw(s *service, slo *importer.SLO, q string, n importer.Node) {
	if num, den, ok := importer.SplitRatio(q); ok && importer.IsVector(num) && importer.IsVector(den) {
		im.r.Note(n, "the raw error ratio is a division of two queries; imported as bad and total events", "")
		im.events(s, slo, num, den, n)
		return
	}
	if bad, total, ok := importer.SplitSuccessRatio(q); ok && importer.IsVector(bad) && importer.IsVector(total) {
		im.r.Note(n, "the raw error ratio is 1 - good / total; imported as bad (total - good) and total events", "")
		im.events(s, slo, bad, total, n)
		return
	}
	slo.Errors = q
	slo.Total = "max_over_time(vector(1)[$window:])"
	slo.Comments = append(slo.Comments,
		"Sloth raw SLI: the error ratio itself, over one event per second, so",
		"the SLO-window ratio averages the ratios as Sloth does.")
	im.r.Note(n, "raw error ratio: imported as a ratio SLI whose total is one event per second (the SLO-window ratio is then the average of the ratios, as in Sloth)", "")
}

// knownPlugins are SLI plugins whose options map onto vigil.
var knownPlugins = map[string]func(opts map[string]string) (string, error){
	// examples/plugins/getting-started/availability in slok/sloth.
	"getting_started_availability": func(opts map[string]string) (string, error) {
		job, ok := opts["job"]
		if !ok {
			return "", fmt.Errorf("option job is required")
		}
		filter := strings.Trim(strings.Trim(opts["filter"], "{}"), ",")
		if filter != "" {
			filter += ","
			if !regexp.MustCompile(`^([^=]+="[^=,"]+",)+$`).MatchString(filter) {
				return "", fmt.Errorf("invalid filter %q", opts["filter"])
			}
		}
		return fmt.Sprintf(`sum(rate(http_request_duration_seconds_count{%sjob=%q,code=~"(5..|429)"}[$window]))
/
sum(rate(http_request_duration_seconds_count{%sjob=%q}[$window]))`, filter, job, filter, job), nil
	},
}

func (im *imp) plugin(s *service, slo *importer.SLO, n importer.Node) bool {
	r := &im.r
	o, ok := r.AsObj(n)
	if !ok {
		return false
	}
	defer o.Unknown(r, "a Sloth SLI plugin")
	id, _ := r.Str(o.Get("id"))
	opts := map[string]string{}
	for _, e := range r.StringMap(o.Get("options")) {
		opts[e.Key] = e.Value
	}
	var q string
	if gen := knownPlugins[id]; gen != nil {
		var err error
		if q, err = gen(opts); err != nil {
			r.Drop(n, fmt.Sprintf("SLI plugin %q: %v; the SLO is not imported", id, err), "")
			return false
		}
	} else if strings.HasPrefix(id, "sloth-common/") {
		r.Drop(n, fmt.Sprintf("SLI plugin %q (sloth-common-sli-plugins): vigil does not run Sloth's plugins; the SLO is not imported", id),
			"run `sloth generate` on the spec and copy the plugin's error and total queries into a ratio SLI (range as $window)")
		return false
	} else {
		r.Drop(n, fmt.Sprintf("SLI plugin %q: vigil cannot run Sloth plugins and does not know this one; the SLO is not imported", id),
			"generate the rules with sloth, copy the plugin's error and total queries into a ratio SLI (range as $window)")
		return false
	}
	q, ok = im.queryText(n, q)
	if !ok {
		return false
	}
	r.Note(n, fmt.Sprintf("SLI plugin %q expanded with its options", id), "")
	im.raw(s, slo, q, n)
	return true
}

func (im *imp) alerting(slo *importer.SLO, n importer.Node, d dialect) {
	r := &im.r
	o, ok := r.AsObj(n)
	if !ok {
		return
	}
	defer o.Unknown(r, "Sloth alerting")
	if nm := o.Get("name"); nm.Valid() {
		name, _ := r.Str(nm)
		r.Note(nm, fmt.Sprintf("vigil names the alerts of SLO %s %sFastBurn (page) and %sSlowBurn (ticket), not %q", slo.Name, compiler.Camel(slo.Name), compiler.Camel(slo.Name), name),
			"update Alertmanager routes and silences that match the alert name")
	}
	common := r.StringMap(o.Get("labels"))
	commonAnn := r.StringMap(o.Get("annotations"))
	for _, p := range []struct {
		field, sev string
		pol        *importer.Policy
	}{{d.f("page_alert", "pageAlert"), "critical", &slo.Page}, {d.f("ticket_alert", "ticketAlert"), "warning", &slo.Ticket}} {
		po, ok := r.AsObj(o.Get(p.field))
		if !ok {
			continue
		}
		dis, _ := r.Bool(po.Get("disable"))
		p.pol.Disabled = dis
		labels := overridden(common, r.StringMap(po.Get("labels")))
		anns := overridden(commonAnn, r.StringMap(po.Get("annotations")))
		po.Unknown(r, "a Sloth alert")
		if dis {
			continue
		}
		for _, e := range labels {
			im.alertLabel(p.pol, p.sev, e)
		}
		for _, e := range anns {
			im.alertAnnotation(p.pol, e)
		}
	}
	if slo.Page.Disabled && slo.Ticket.Disabled {
		for _, e := range append(common, commonAnn...) {
			r.Note(e.Node, "label or annotation of disabled alerts: nothing to carry over", "")
		}
	}
}

// overridden is the labels (or annotations) of one Sloth alert: the
// alerting block's common entries, except those the alert's own entries
// replace, then the alert's own, as Sloth merges them (the page alert's
// severity: critical wins over a common severity: warning).
func overridden(common, own []importer.Entry) []importer.Entry {
	out := slices.DeleteFunc(slices.Clone(common), func(c importer.Entry) bool {
		return slices.ContainsFunc(own, func(o importer.Entry) bool { return o.Key == c.Key })
	})
	return append(out, own...)
}

// alertLabel carries a Sloth alert label onto a vigil burn-rate policy:
// severity names the class's severity (routing.severity_names), labels
// vigil sets itself are reported, others become the policy's labels.
func (im *imp) alertLabel(p *importer.Policy, sev string, e importer.Entry) {
	r := &im.r
	switch {
	case e.Key == "severity":
		im.severity(sev, e)
	case compiler.IsReservedLabel(e.Key):
		r.Drop(e.Node, fmt.Sprintf("alert label %s=%q: vigil sets the %s label itself", e.Key, e.Value, e.Key), "route on vigil's model, slo, team and severity labels")
	case !importer.IsLabelName(e.Key):
		r.Drop(e.Node, fmt.Sprintf("%q is not a Prometheus label name", e.Key), "")
	case !importer.IsLabelValue(e.Value):
		r.Drop(e.Node, "label values must be one non-empty line", "")
	case strings.Contains(e.Value, "{{"):
		r.Drop(e.Node, fmt.Sprintf("alert label %s: vigil writes label values as plain text, so the template %q would not be expanded", e.Key, e.Value), "write the value without a template")
	default:
		if p.Labels == nil {
			p.Labels = map[string]string{}
		}
		p.Labels[e.Key] = e.Value
	}
}

// alertAnnotation carries a Sloth alert annotation onto a vigil burn-rate
// policy, except the ones vigil writes itself and templates.
func (im *imp) alertAnnotation(p *importer.Policy, e importer.Entry) {
	r := &im.r
	switch {
	case slices.Contains([]string{"summary", "description", "runbook_url", "dashboard_url"}, e.Key):
		r.Drop(e.Node, fmt.Sprintf("alert annotation %q: vigil writes summary, description, runbook_url and dashboard_url itself", e.Key),
			"put runbook text under the SLO's runbook field and set links.runbooks for runbook_url")
	case !importer.IsLabelName(e.Key):
		r.Drop(e.Node, fmt.Sprintf("annotation name %q: vigil's annotation names are label names", e.Key), "")
	case strings.Contains(e.Value, "{{"):
		r.Drop(e.Node, fmt.Sprintf("alert annotation %s: vigil writes annotations as plain text, so the template %q would not be expanded", e.Key, e.Value), "write the text without a template")
	default:
		if p.Annotations == nil {
			p.Annotations = map[string]string{}
		}
		p.Annotations[e.Key] = e.Value
	}
}

func (im *imp) severity(sev string, e importer.Entry) {
	if im.sevNames == nil {
		im.sevNames = map[string]entryAt{}
	}
	old, ok := im.sevNames[sev]
	switch {
	case !importer.IsLabelValue(e.Value):
		im.r.Drop(e.Node, "severity must be one non-empty line", "")
	case !ok:
		im.sevNames[sev] = entryAt{e.Value, e.Node}
		if e.Value != sev {
			im.r.Note(e.Node, fmt.Sprintf("severity %q becomes routing.severity_names.%s, the value of the severity label of every vigil %s alert", e.Value, sev, sev), "")
		}
	case old.value != e.Value:
		im.r.Drop(e.Node, fmt.Sprintf("severity %q: vigil has one severity name per class for the whole spec, and %s alerts are already named %q (%s)", e.Value, sev, old.value, old.node.Pos()),
			"route on the slo label instead")
	}
}

// plugins reads an SLO plugin chain (spec-level when slo is nil).
func (im *imp) plugins(n importer.Node, d dialect, slo *importer.SLO) {
	r := &im.r
	if !n.Valid() {
		return
	}
	o, ok := r.AsObj(n)
	if !ok {
		return
	}
	defer o.Unknown(r, "Sloth SLO plugins")
	if ov, _ := r.Bool(o.Get("overridePrevious")); ov {
		r.Drop(o.Get("overridePrevious"), "overridePrevious replaces Sloth's rule generation; vigil generates its own rules", "")
	}
	chain, _ := r.List(o.Get("chain"))
	for _, c := range chain {
		co, ok := r.AsObj(c)
		if !ok {
			continue
		}
		idN := co.Get("id")
		id, _ := r.Str(idN)
		co.Skip("priority")
		cfg := co.Get("config")
		co.Unknown(r, "a Sloth SLO plugin")
		switch id {
		case "sloth.dev/core/debug/v1", "sloth.dev/core/noop/v1", "sloth.dev/core/validate/v1",
			"sloth.dev/core/sli_rules/v1", "sloth.dev/core/metadata_rules/v1", "sloth.dev/core/alert_rules/v1",
			"sloth.dev/contrib/validate_victoria_metrics/v1":
			r.Note(idN, fmt.Sprintf("SLO plugin %s has no counterpart to carry over (vigil validates and generates its own rules)", id), "")
		case "sloth.dev/contrib/info_labels/v1":
			r.Note(idN, "SLO plugin info_labels only adds labels to Sloth's sloth_slo_info series, which vigil does not write; rules and alerts are unchanged", "")
		case "sloth.dev/contrib/denominator_corrected_rules/v1":
			r.Note(idN, "SLO plugin denominator_corrected_rules: Sloth divides each window's errors by the SLO window's average traffic; vigil divides by the window's own traffic (the same at steady traffic; in quiet hours Sloth's burn rate reads lower, in busy hours higher) and its SLO-window ratio is traffic-weighted", "")
		case "sloth.dev/contrib/error_budget_exhausted_alert/v1":
			im.exhaustedAlert(slo, idN, cfg)
		default:
			r.Drop(idN, fmt.Sprintf("SLO plugin %q has no vigil counterpart", id), "")
		}
	}
}

func (im *imp) exhaustedAlert(slo *importer.SLO, idN, cfg importer.Node) {
	r := &im.r
	if slo == nil {
		r.Drop(idN, "error_budget_exhausted_alert at spec level: import it per SLO", "add alerting.budget_tiers to each SLO")
		return
	}
	o, ok := r.AsObj(cfg)
	if !ok {
		return
	}
	defer o.Unknown(r, "error_budget_exhausted_alert config")
	consumed := "100"
	if t := o.Get("threshold"); t.Valid() {
		s, v, ok := r.Number(t)
		if !ok || v >= 1 {
			r.Drop(t, "threshold must be a remaining-budget ratio below 1", "")
			return
		}
		consumed = strings.TrimRight(strings.TrimRight(strconv.FormatFloat((1-v)*100, 'f', 6, 64), "0"), ".")
		_ = s
	}
	if f := o.Get("for"); f.Valid() {
		if v, _ := r.Str(f); v != "5m" {
			r.Drop(f, fmt.Sprintf("for %q: vigil's budget-tier alerts hold for 5m", v), "")
		}
	}
	sev := "critical"
	for _, e := range r.StringMap(o.Get("alert_labels")) {
		if e.Key == "severity" && (e.Value == "warning" || e.Value == "info" || e.Value == "critical") {
			sev = e.Value
			continue
		}
		r.Drop(e.Node, fmt.Sprintf("alert label %s=%q", e.Key, e.Value), "vigil labels budget-tier alerts with model, slo, team and severity")
	}
	for _, k := range []string{"annotations", "selector_labels"} {
		for _, e := range r.StringMap(o.Get(k)) {
			r.Drop(e.Node, fmt.Sprintf("%s %q has no vigil counterpart", k, e.Key), "")
		}
	}
	if n := o.Get("alert_name"); n.Valid() {
		r.Note(n, "vigil names budget-tier alerts <Slo>Budget<N>PercentConsumed", "")
	}
	slo.Tiers = append(slo.Tiers, importer.Tier{Consumed: consumed, Severity: sev})
	r.Note(idN, fmt.Sprintf("error_budget_exhausted_alert becomes a budget tier at %s%% consumed", consumed), "")
}

func (im *imp) result() importer.Result {
	res := importer.Result{Files: map[string][]byte{}}
	sev := map[string]string{}
	for k, v := range im.sevNames {
		if v.value != k {
			sev[k] = v.value
		}
	}
	for _, name := range im.order {
		s := im.models[name]
		im.sloLabelsToModel(s)
		if aw := im.windows; aw != nil {
			for _, o := range s.model.SLOs {
				o.Window = aw.period
				if !o.Page.Disabled {
					o.Page.Windows = aw.page
				}
				if !o.Ticket.Disabled {
					o.Ticket.Windows = aw.ticket
				}
			}
		}
		if len(s.model.SLOs) == 0 {
			im.r.Findings = append(im.r.Findings, importer.Finding{Level: importer.Note, Pos: importer.Posf(s.files[0], 0, 0),
				Message: fmt.Sprintf("service %q has no SLO that could be imported; a model without SLOs is still written", name)})
		}
		s.model.Comments = []string{fmt.Sprintf("Sloth service %q from %s.", name, strings.Join(slices.Compact(slices.Clone(s.files)), ", "))}
		spec := &importer.Spec{Header: Header, SeverityNames: sev, Models: []*importer.Model{s.model}}
		b, err := spec.Render()
		if err != nil {
			im.r.Findings = append(im.r.Findings, importer.Finding{Level: importer.Dropped, Pos: importer.Posf(s.files[0], 0, 0), Message: err.Error()})
			continue
		}
		res.Files[name+".cue"] = b
	}
	res.Findings = im.r.Findings.Dedupe()
	return res
}

// sloLabelsToModel moves SLO labels that every SLO of the service sets
// to the same value onto the model; others are reported.
func (im *imp) sloLabelsToModel(s *service) {
	n := len(s.model.SLOs)
	for len(s.sloLabels) < n {
		s.sloLabels = append(s.sloLabels, map[string]entryAt{})
	}
	for i := range n {
		for _, k := range slices.Sorted(maps.Keys(s.sloLabels[i])) {
			e := s.sloLabels[i][k]
			common := true
			for j := range n {
				if o, ok := s.sloLabels[j][k]; !ok || o.value != e.value {
					common = false
				}
			}
			if common {
				if i == 0 {
					im.modelLabel(s, importer.Entry{Key: k, Value: e.value, Node: e.node})
				}
				continue
			}
			im.r.Drop(e.node, fmt.Sprintf("SLO label %s=%q: vigil's labels are per model, and the service's SLOs disagree on it", k, e.value),
				"split the SLOs into models by label, or drop the label")
		}
	}
}
