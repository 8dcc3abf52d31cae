// Package openslo imports OpenSLO v1 documents (https://openslo.com) into
// vigil specs and exports vigil specs as OpenSLO v1 documents.
//
// Import reads SLO, SLI, AlertPolicy, AlertCondition,
// AlertNotificationTarget, Service and DataSource objects from any number
// of multi-document YAML files, resolves references between them, and
// writes one formatted vigil CUE file per service. What cannot be mapped
// is reported with its source position. docs/import.md has the mapping
// tables.
package openslo

import (
	"fmt"
	"maps"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"
	"go.yaml.in/yaml/v3"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/importer"
)

// File is one source file.
type File struct {
	Name string
	Data []byte
}

// APIVersion is the OpenSLO version read and written.
const APIVersion = "openslo/v1"

// Annotations vigil writes on export and reads back on import, for what
// OpenSLO cannot say.
const (
	// AnnMinBadEvents on an SLO: alerting.min_bad_events.
	AnnMinBadEvents = "vigil.dev/min-bad-events"
	// AnnBudgetTiers on an SLO: alerting.budget_tiers as
	// "50:warning,80:critical".
	AnnBudgetTiers = "vigil.dev/budget-tiers"
	// AnnShortWindow on an AlertCondition: the short window of the
	// burn-rate pair whose long window is lookbackWindow.
	AnnShortWindow = "vigil.dev/short-window"
	// AnnClass on an AlertCondition: "page" or "ticket".
	AnnClass = "vigil.dev/class"
)

// Header is the comment every imported file starts with.
var Header = []string{
	"Imported from OpenSLO by `vigil import openslo`; this file is yours to edit.",
	"",
	"Differences from OpenSLO semantics (docs/import.md):",
	"- Every window is rolling; vigil's SLO-window ratio is traffic-weighted",
	"  (bad events / all events over the window).",
	"- A burn-rate AlertCondition over lookbackWindow L becomes a vigil",
	"  multiwindow pair: long L, short L/12 (the SRE workbook's), unless the",
	"  vigil.dev/short-window annotation says otherwise.",
	"- min_bad_events: 0 unless the vigil.dev/min-bad-events annotation is",
	"  set (OpenSLO conditions have no low-traffic guard).",
}

type object struct {
	kind, name string
	node       importer.Node
	meta       *meta
	spec       importer.Node
	used       bool
}

type meta struct {
	name, displayName string
	labels            map[string]importer.Entry
	annotations       map[string]importer.Entry
	node              importer.Node
}

type imp struct {
	r       importer.Reporter
	objects map[string]map[string]*object // kind -> name -> object
	slos    []*object
	models  map[string]*importer.Model
	order   []string
	files   map[string][]string
	// condNodes are the burn-rate windows imported for an SLO (before
	// its objectives are copied from it).
	condNodes map[*importer.SLO][]condWindow
	// teams and receivers come from notification targets.
	teams     map[string]map[string]string
	receivers map[string]importer.Receiver
}

var kinds = []string{"SLO", "SLI", "AlertPolicy", "AlertCondition", "AlertNotificationTarget", "Service", "DataSource"}

// Import converts OpenSLO v1 documents into vigil specs.
func Import(files []File) importer.Result {
	im := &imp{objects: map[string]map[string]*object{}, models: map[string]*importer.Model{}, files: map[string][]string{}, condNodes: map[*importer.SLO][]condWindow{},
		teams: map[string]map[string]string{}, receivers: map[string]importer.Receiver{}}
	for _, k := range kinds {
		im.objects[k] = map[string]*object{}
	}
	for _, f := range files {
		n := len(im.r.Findings)
		docs := im.r.Documents(f.Name, f.Data)
		if len(docs) == 0 && len(im.r.Findings) == n {
			im.r.Drop(importer.Node{File: f.Name}, "the file holds no YAML document", "")
		}
		for _, d := range docs {
			if d.N.Kind == yaml.SequenceNode {
				// A list of objects, as OpenSLO's tools also accept.
				items, _ := im.r.List(d)
				for _, it := range items {
					im.document(it)
				}
				continue
			}
			im.document(d)
		}
	}
	for _, s := range im.slos {
		im.slo(s)
	}
	return im.result()
}

func (im *imp) document(doc importer.Node) {
	r := &im.r
	o, ok := r.AsObj(doc)
	if !ok {
		return
	}
	api, _ := r.Str(o.Get("apiVersion"))
	kind, _ := r.Str(o.Get("kind"))
	if v := o.Get("version"); v.Valid() && api == "" {
		if ver, _ := r.Str(v); ver == "prometheus/v1" {
			api = ver
		}
	}
	switch {
	case api == "openslo/v1alpha" || strings.HasPrefix(api, "openslo/v2") || strings.HasPrefix(api, "openslo.com/"):
		r.Drop(o.Get("apiVersion"), fmt.Sprintf("OpenSLO %s is not imported; vigil reads openslo/v1", api), "convert it to openslo/v1 (e.g. with oslo convert)")
		return
	case api == "prometheus/v1" || api == "sloth.slok.dev/v1":
		r.Drop(doc, "a Sloth spec, not an OpenSLO document", "import it with vigil import sloth")
		o.Fields()
		return
	case api != APIVersion:
		r.Drop(o.Get("apiVersion"), fmt.Sprintf("apiVersion %q: not an OpenSLO v1 document", api), "")
		return
	case !slices.Contains(kinds, kind):
		r.Drop(o.Get("kind"), fmt.Sprintf("unknown OpenSLO kind %q", kind), "one of "+strings.Join(kinds, ", "))
		return
	}
	ob := im.object(kind, o)
	if ob == nil {
		return
	}
	if old := im.objects[kind][ob.name]; old != nil {
		r.Drop(ob.meta.node, fmt.Sprintf("%s %q is defined twice (first at %s)", kind, ob.name, old.node.Pos()), "rename one of them")
		return
	}
	im.objects[kind][ob.name] = ob
	if kind == "SLO" {
		im.slos = append(im.slos, ob)
	}
}

// object reads an object's metadata; the spec is read when used.
func (im *imp) object(kind string, o *importer.Obj) *object {
	r := &im.r
	m := im.meta(o.Get("metadata"))
	spec := o.Get("spec")
	o.Unknown(r, "an OpenSLO "+kind)
	if m == nil {
		return nil
	}
	return &object{kind: kind, name: m.name, node: o.Node, meta: m, spec: spec}
}

func (im *imp) meta(n importer.Node) *meta {
	r := &im.r
	o, ok := r.AsObj(n)
	if !ok {
		return nil
	}
	defer o.Unknown(r, "OpenSLO metadata")
	m := &meta{node: n, labels: map[string]importer.Entry{}, annotations: map[string]importer.Entry{}}
	m.name, _ = r.Str(o.Get("name"))
	if m.name == "" {
		r.Drop(n, "metadata.name is required", "")
		o.Fields()
		return nil
	}
	m.displayName, _ = r.Str(o.Get("displayName"))
	lo, ok := r.AsObj(o.Get("labels"))
	if ok {
		ks, vs := lo.Fields()
		for i, k := range ks {
			v := vs[i]
			if v.Valid() && v.N.Kind == yaml.SequenceNode {
				items, _ := r.List(v)
				var vals []string
				for _, it := range items {
					s, ok := r.Str(it)
					if ok {
						vals = append(vals, s)
					}
				}
				m.labels[k.N.Value] = importer.Entry{Key: k.N.Value, Value: strings.Join(vals, ","), Node: v}
				if len(vals) != 1 {
					m.labels[k.N.Value] = importer.Entry{Key: k.N.Value, Value: "\x00list", Node: v}
				} else {
					m.labels[k.N.Value] = importer.Entry{Key: k.N.Value, Value: vals[0], Node: v}
				}
				continue
			}
			s, ok := r.Str(v)
			if ok {
				m.labels[k.N.Value] = importer.Entry{Key: k.N.Value, Value: s, Node: v}
			}
		}
	}
	for _, e := range r.StringMap(o.Get("annotations")) {
		m.annotations[e.Key] = e
	}
	return m
}

// ref returns the object of the given kind a reference names, marked
// used, or reports the reference when no file given defines it.
func (im *imp) ref(kind string, ref importer.Node) *object {
	name, _ := im.r.Str(ref)
	ob := im.objects[kind][name]
	if ob == nil {
		im.r.Drop(ref, fmt.Sprintf("%s %q is not defined in the files given", kind, name), "pass the file that defines it")
		return nil
	}
	ob.used = true
	return ob
}

// refOrInline returns the object a list entry gives: the one its
// refField names (the entry then holds nothing else; what names the
// entry in reports), or the entry itself as an inline definition.
func (im *imp) refOrInline(kind string, o *importer.Obj, refField, what string) *object {
	if o.Has(refField) {
		ob := im.ref(kind, o.Get(refField))
		o.Unknown(&im.r, what)
		return ob
	}
	o.Skip("apiVersion", "kind")
	return im.object(kind, o)
}

// inline reads node n as an inline object of the given kind.
func (im *imp) inline(kind string, n importer.Node) *object {
	o, ok := im.r.AsObj(n)
	if !ok {
		return nil
	}
	o.Skip("apiVersion", "kind")
	return im.object(kind, o)
}

func (im *imp) model(name string, svcNode importer.Node, sloMeta *meta) *importer.Model {
	r := &im.r
	mn := importer.SafeName(name, "s")
	if m := im.models[mn]; m != nil {
		return m
	}
	if mn != name {
		r.Note(svcNode, fmt.Sprintf("service %q becomes model %q (vigil names are lower-case letters, digits, - and _)", name, mn), "")
	}
	m := &importer.Model{Name: mn, Labels: map[string]string{}}
	im.models[mn] = m
	im.order = append(im.order, mn)
	teamFrom := func(md *meta) bool {
		if md == nil {
			return false
		}
		if e, ok := md.labels["team"]; ok && importer.IsName(e.Value) {
			m.Team = e.Value
			return true
		}
		return false
	}
	svc := im.objects["Service"][name]
	if svc != nil {
		svc.used = true
		m.DisplayName = svc.meta.displayName
		so, ok := r.AsObj(svc.spec)
		if ok {
			m.Description, _ = r.Str(so.Get("description"))
			so.Unknown(r, "an OpenSLO Service")
		}
		for _, k := range slices.Sorted(maps.Keys(svc.meta.labels)) {
			e := svc.meta.labels[k]
			if k == "team" {
				continue
			}
			im.label(m, e)
		}
		im.annotations(svc.meta)
	}
	if !(svc != nil && teamFrom(svc.meta)) && !teamFrom(sloMeta) {
		m.Team = mn
		r.Note(svcNode, fmt.Sprintf("vigil needs an owning team; team %q is the service name (no team label on the Service or SLO)", mn), "change team if another team owns it")
	}
	return m
}

func (im *imp) label(m *importer.Model, e importer.Entry) {
	r := &im.r
	switch {
	case e.Value == "\x00list":
		r.Drop(e.Node, fmt.Sprintf("label %q has several values; a Prometheus label has one", e.Key), "")
	case compiler.IsReservedLabel(e.Key):
		r.Drop(e.Node, fmt.Sprintf("label %q is set by vigil itself", e.Key), "rename it")
	case !importer.IsLabelName(e.Key):
		r.Drop(e.Node, fmt.Sprintf("label %q is not a Prometheus label name", e.Key), "")
	case !importer.IsLabelValue(e.Value):
		r.Drop(e.Node, "label values must be one non-empty line", "")
	default:
		if old, ok := m.Labels[e.Key]; ok && old != e.Value {
			r.Drop(e.Node, fmt.Sprintf("label %s=%q conflicts with %q set earlier on model %s", e.Key, e.Value, old, m.Name), "")
			return
		}
		m.Labels[e.Key] = e.Value
	}
}

// annotations reports annotations vigil does not read.
func (im *imp) annotations(md *meta, known ...string) {
	for _, k := range slices.Sorted(maps.Keys(md.annotations)) {
		if slices.Contains(known, k) {
			continue
		}
		e := md.annotations[k]
		im.r.Note(e.Node, fmt.Sprintf("annotation %q is for other implementations; vigil does not read it", k), "")
	}
}

func (im *imp) slo(ob *object) {
	r := &im.r
	o, ok := r.AsObj(ob.spec)
	if !ok {
		return
	}
	defer o.Unknown(r, "an OpenSLO SLO")
	svcNode := o.Get("service")
	svcName, _ := r.Str(svcNode)
	if svcName == "" {
		r.Drop(ob.spec, fmt.Sprintf("SLO %q has no service", ob.name), "set spec.service")
		o.Fields()
		return
	}
	m := im.model(svcName, svcNode, ob.meta)
	im.files[m.Name] = append(im.files[m.Name], ob.node.File)
	bmNode := o.Get("budgetingMethod")
	bm, _ := r.Str(bmNode)
	switch bm {
	case "":
		r.Note(bmNode, fmt.Sprintf("SLO %q has no budgetingMethod: read as Occurrences", ob.name), "")
	case "Occurrences", "Timeslices":
	case "RatioTimeslices":
		r.Drop(bmNode, fmt.Sprintf("SLO %q: RatioTimeslices budgeting (the average of the slices' ratios) has no vigil counterpart; the SLO is not imported", ob.name),
			"state it as Timeslices (the share of good slices) or Occurrences (good events over all events) if that is acceptable")
		o.Fields()
		return
	default:
		r.Drop(bmNode, fmt.Sprintf("SLO %q: budgetingMethod %q (want Occurrences, Timeslices or RatioTimeslices); the SLO is not imported", ob.name, bm), "")
		o.Fields()
		return
	}
	base := &importer.SLO{Name: importer.SafeName(ob.name, "s")}
	if e, ok := ob.meta.annotations[AnnSLOName]; ok && importer.IsName(e.Value) {
		base.Name = e.Value
	} else if base.Name != ob.name {
		r.Note(ob.meta.node, fmt.Sprintf("SLO %q becomes %q", ob.name, base.Name), "")
	}
	base.Description, _ = r.Str(o.Get("description"))
	if base.Description == "" {
		base.Description = ob.meta.displayName
	}
	for _, k := range slices.Sorted(maps.Keys(ob.meta.labels)) {
		e := ob.meta.labels[k]
		if k == "team" && m.Team == e.Value {
			continue
		}
		r.Drop(e.Node, fmt.Sprintf("SLO label %s: vigil's labels are per model", k), "put it on the Service's labels (every rule and alert of the model)")
	}
	im.annotations(ob.meta, AnnMinBadEvents, AnnBudgetTiers, AnnSLOName)
	zero := 0
	base.MinBadEvents = &zero
	if e, ok := ob.meta.annotations[AnnMinBadEvents]; ok {
		if v, err := strconv.Atoi(e.Value); err == nil && v >= 0 && v <= 1e9 {
			base.MinBadEvents = &v
		} else {
			r.Drop(e.Node, "not a whole number from 0 to 1000000000", "")
		}
	}
	if e, ok := ob.meta.annotations[AnnBudgetTiers]; ok {
		base.Tiers = im.tiers(e)
	}
	base.Window = im.window(o.Get("timeWindow"))
	// The indicator: inline or by reference.
	var sli *object
	in, ref := o.Get("indicator"), o.Get("indicatorRef")
	switch {
	case in.Valid() && ref.Valid():
		r.Drop(ref, "indicator and indicatorRef are both set; the inline indicator is used", "")
		sli = im.inline("SLI", in)
	case in.Valid():
		sli = im.inline("SLI", in)
	case ref.Valid():
		sli = im.ref("SLI", ref)
	}
	im.alertPolicies(m, base, o.Get("alertPolicies"))
	objs, _ := r.List(o.Get("objectives"))
	if len(objs) == 0 {
		r.Drop(ob.spec, fmt.Sprintf("SLO %q has no objectives; it is not imported", ob.name), "")
		return
	}
	timeslices := bm == "Timeslices"
	for i, on := range objs {
		s := *base
		im.condNodes[&s] = im.condNodes[base]
		if len(objs) > 1 {
			s.Name = importer.SafeName(fmt.Sprintf("%s-%d", base.Name, i+1), "s")
		}
		im.objective(m, &s, on, sli, base.Name, len(objs) > 1, timeslices)
	}
}

var durationRE = regexp.MustCompile(`^([0-9]+)([smhdwMQY])$`)

// window converts an OpenSLO timeWindow list to a vigil window.
func (im *imp) window(n importer.Node) string {
	r := &im.r
	if !n.Valid() {
		r.Note(n, "no timeWindow: vigil's default window (30d) applies", "")
		return ""
	}
	l, _ := r.List(n)
	if len(l) != 1 {
		r.Drop(n, "timeWindow must hold exactly one window; vigil's default (30d) is used", "")
		return ""
	}
	o, ok := r.AsObj(l[0])
	if !ok {
		return ""
	}
	defer o.Unknown(r, "an OpenSLO time window")
	dn := o.Get("duration")
	d, _ := r.Str(dn)
	rolling, _ := r.Bool(o.Get("isRolling"))
	cal := o.Get("calendar")
	if cal.Valid() || !rolling {
		r.Drop(l[0], "calendar-aligned windows are not supported: imported as a rolling window of the same length", "")
	}
	w, ok := Duration(d)
	if !ok {
		r.Drop(dn, fmt.Sprintf("window duration %q is not a duration-shorthand vigil can use; vigil's default (30d) is used", d), "")
		return ""
	}
	if w != d {
		r.Note(dn, fmt.Sprintf("window %s is imported as %s", d, w), "")
	}
	return w
}

// Duration converts an OpenSLO duration-shorthand to a vigil duration
// (months as 30 days, quarters as 90 days, years as 365 days).
func Duration(s string) (string, bool) {
	m := durationRE.FindStringSubmatch(s)
	if m == nil {
		return "", false
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil || n <= 0 || n > 100000 {
		return "", false
	}
	switch m[2] {
	case "M":
		return fmt.Sprintf("%dd", n*30), true
	case "Q":
		return fmt.Sprintf("%dd", n*90), true
	case "Y":
		return fmt.Sprintf("%dy", n), true
	}
	return s, true
}

func (im *imp) tiers(e importer.Entry) []importer.Tier {
	var out []importer.Tier
	for _, part := range strings.Split(e.Value, ",") {
		c, sev, ok := strings.Cut(strings.TrimSpace(part), ":")
		v, err := strconv.ParseFloat(c, 64)
		if !ok || err != nil || v <= 0 || v > 100 || !slices.Contains([]string{"critical", "warning", "info"}, sev) {
			im.r.Drop(e.Node, fmt.Sprintf("budget tier %q: want <percent consumed>:<critical|warning|info>", part), "")
			return nil
		}
		out = append(out, importer.Tier{Consumed: c, Severity: sev})
	}
	return out
}

// objective adds one vigil SLO for an OpenSLO objective.
func (im *imp) objective(m *importer.Model, s *importer.SLO, n importer.Node, sli *object, baseName string, several, timeslices bool) {
	r := &im.r
	o, ok := r.AsObj(n)
	if !ok {
		return
	}
	defer o.Unknown(r, "an OpenSLO objective")
	dn, _ := r.Str(o.Get("displayName"))
	if several && dn != "" {
		s.Name = importer.SafeName(baseName+"-"+dn, "s")
	}
	if several {
		im.r.Note(n, fmt.Sprintf("one of several objectives: imported as SLO %q", s.Name), "")
	}
	if oi, or := o.Get("indicator"), o.Get("indicatorRef"); oi.Valid() || or.Valid() {
		r.Drop(n, "composite SLOs (an indicator per objective) are not supported: the objective is imported as its own SLO without the composite budget", "")
		if oi.Valid() {
			sli = im.inline("SLI", oi)
		} else {
			sli = im.ref("SLI", or)
		}
		if w := o.Get("compositeWeight"); w.Valid() {
			r.Drop(w, "compositeWeight has no vigil counterpart", "")
		}
	}
	var sliceTarget *big.Rat
	sliceLen := ""
	if timeslices {
		tst, tsw := o.Get("timeSliceTarget"), o.Get("timeSliceWindow")
		txt, v, ok := r.Number(tst)
		if !ok || v <= 0 || v > 1 {
			if ok {
				r.Drop(tst, "timeSliceTarget must be in (0, 1]; the SLO is not imported", "")
			}
			return
		}
		sliceTarget, _ = new(big.Rat).SetString(txt)
		w, _ := r.Str(tsw)
		if numberOnly.MatchString(w) {
			w += "m" // OpenSLO: a number is minutes
		}
		if sliceLen, ok = Duration(w); !ok {
			r.Drop(tsw, fmt.Sprintf("timeSliceWindow %q is not a duration vigil can use; the SLO is not imported", w), "")
			return
		}
	} else {
		for _, f := range []string{"timeSliceTarget", "timeSliceWindow"} {
			if x := o.Get(f); x.Valid() {
				r.Note(x, f+" applies to time-slice budgeting; ignored for Occurrences", "")
			}
		}
	}
	t, tp := o.Get("target"), o.Get("targetPercent")
	var pct string
	switch {
	case t.Valid() && tp.Valid():
		r.Drop(tp, "target and targetPercent are both set; target is used", "")
		fallthrough
	case t.Valid():
		txt, _, ok := r.Number(t)
		if !ok {
			return
		}
		rat, ok := new(big.Rat).SetString(txt)
		if !ok {
			r.Drop(t, "target is not a number", "")
			return
		}
		pct = ratString(rat.Mul(rat, big.NewRat(100, 1)))
	case tp.Valid():
		txt, _, ok := r.Number(tp)
		if !ok {
			return
		}
		pct = txt
	default:
		r.Drop(n, fmt.Sprintf("objective of SLO %q has no target; it is not imported", s.Name), "set target or targetPercent")
		return
	}
	if v, _ := strconv.ParseFloat(pct, 64); v <= 0 || v >= 100 {
		r.Drop(n, fmt.Sprintf("objective %s%% is outside vigil's range (strictly between 0 and 100); the SLO is not imported", pct), "")
		return
	}
	s.Objective = pct
	im.checkWindows(s)
	if sli == nil {
		r.Drop(n, fmt.Sprintf("SLO %q has no indicator; it is not imported", s.Name), "set indicator or indicatorRef")
		return
	}
	op, val := o.Get("op"), o.Get("value")
	if !im.indicator(m, s, sli, op, val) {
		return
	}
	if sliceTarget != nil && !im.sliced(m, s, sliceTarget, sliceLen, n) {
		return
	}
	for _, other := range m.SLOs {
		if other.Name == s.Name || compiler.Camel(other.Name) == compiler.Camel(s.Name) {
			r.Drop(n, fmt.Sprintf("SLO %q of service %q is already imported (or collides with %q in vigil's alert names)", s.Name, m.Name, other.Name), "rename one of them")
			return
		}
	}
	m.SLOs = append(m.SLOs, s)
}

var numberOnly = regexp.MustCompile(`^[0-9]+$`)

// sliced makes s a time-slice SLO: a slice is good when its good ratio
// is at least target (OpenSLO's timeSliceTarget). A latency SLI's
// condition is the percentile within the threshold; other SLIs become
// ratio SLIs whose slices allow an error ratio of at most 1 - target.
func (im *imp) sliced(m *importer.Model, s *importer.SLO, target *big.Rat, length string, n importer.Node) bool {
	pct := ratString(new(big.Rat).Mul(target, big.NewRat(100, 1)))
	switch s.Kind {
	case "latency":
		if pct == "100" {
			im.r.Drop(n, "a latency slice target of 1 (every request within the threshold) is not a percentile vigil takes (below 100); the SLO is not imported", "")
			return false
		}
		s.Slices = &importer.Slices{Length: length, Percentile: pct}
	case "availability":
		// Slices apply to ratio SLIs: write the availability queries
		// out (the model keeps its requests mapping).
		req := m.Requests
		sel := func(extra map[string]string, extraM []string) string {
			var parts []string
			for _, k := range slices.Sorted(maps.Keys(req.Selector)) {
				parts = append(parts, fmt.Sprintf("%s=%q", k, req.Selector[k]))
			}
			parts = append(parts, req.Matchers...)
			for _, k := range slices.Sorted(maps.Keys(extra)) {
				parts = append(parts, fmt.Sprintf("%s=%q", k, extra[k]))
			}
			parts = append(parts, extraM...)
			return fmt.Sprintf("sum(rate(%s{%s}[$window]))", req.Metric, strings.Join(parts, ","))
		}
		s.Kind, s.Errors, s.Total = "ratio", sel(req.ErrorSelector, req.ErrorMatchers), sel(nil, nil)
		fallthrough
	default:
		maxErr := ratString(new(big.Rat).Sub(big.NewRat(100, 1), new(big.Rat).Mul(target, big.NewRat(100, 1))))
		s.Slices = &importer.Slices{Length: length, MaxErrorPercent: maxErr}
	}
	return true
}

func ratString(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	s := r.FloatString(12)
	return strings.TrimRight(strings.TrimRight(s, "0"), ".")
}

// indicator maps an SLI onto s (and the model's metrics).
func (im *imp) indicator(m *importer.Model, s *importer.SLO, sli *object, op, val importer.Node) bool {
	r := &im.r
	o, ok := r.AsObj(sli.spec)
	if !ok {
		return false
	}
	defer o.Unknown(r, "an OpenSLO SLI")
	o.Skip("description")
	im.annotations(sli.meta)
	if tm := o.Get("thresholdMetric"); tm.Valid() {
		r.Drop(tm, fmt.Sprintf("SLI %q: thresholdMetric (a value compared with a threshold at each data point) has no vigil counterpart; the SLO is not imported", sli.name),
			"count good and total events instead (ratioMetric), e.g. a latency histogram's bucket at the threshold over its count, which vigil imports as a latency SLI")
		return false
	}
	if op.Valid() || val.Valid() {
		r.Note(op, "op and value apply to thresholdMetric SLIs; ignored for a ratioMetric", "")
	}
	rm := o.Get("ratioMetric")
	if !rm.Valid() {
		r.Drop(sli.spec, fmt.Sprintf("SLI %q has neither ratioMetric nor thresholdMetric; the SLO is not imported", sli.name), "")
		return false
	}
	ro, ok := r.AsObj(rm)
	if !ok {
		return false
	}
	defer ro.Unknown(r, "an OpenSLO ratioMetric")
	counter := true
	if c := ro.Get("counter"); c.Valid() {
		counter, _ = r.Bool(c)
	}
	good, bad, total, raw := ro.Get("good"), ro.Get("bad"), ro.Get("total"), ro.Get("raw")
	rawType, _ := r.Str(ro.Get("rawType"))
	q := func(n importer.Node) (string, bool) { return im.query(n, counter) }
	switch {
	case raw.Valid():
		if good.Valid() || bad.Valid() || total.Valid() {
			r.Drop(rm, "raw cannot be combined with good, bad or total; the SLO is not imported", "")
			return false
		}
		rq, ok := im.query(raw, true)
		if !ok {
			return false
		}
		switch rawType {
		case "failure":
		case "success":
			rq = "1 - (" + rq + ")"
		default:
			r.Drop(rm, fmt.Sprintf("rawType %q (want success or failure); the SLO is not imported", rawType), "")
			return false
		}
		s.Kind, s.Errors, s.Total = "ratio", rq, "max_over_time(vector(1)[$window:])"
		s.Comments = append(s.Comments, "OpenSLO raw ratio: the error ratio itself, over one event per second.")
		r.Note(raw, "raw ratio: imported as a ratio SLI whose total is one event per second (the SLO-window ratio averages the ratios)", "")
		return true
	case good.Valid() && bad.Valid():
		r.Drop(rm, "good and bad are both set; the SLO is not imported", "set one of them")
		return false
	case !total.Valid():
		r.Drop(rm, "ratioMetric needs total (with good or bad) or raw; the SLO is not imported", "")
		return false
	}
	tq, ok := q(total)
	if !ok {
		return false
	}
	var eq string
	switch {
	case bad.Valid():
		if eq, ok = q(bad); !ok {
			return false
		}
	case good.Valid():
		gq, ok := q(good)
		if !ok {
			return false
		}
		eq = "(" + tq + ") - (" + gq + ")"
	default:
		r.Drop(rm, "ratioMetric needs good or bad next to total; the SLO is not imported", "")
		return false
	}
	im.events(m, s, eq, tq, rm)
	return true
}

// events sets an events SLI: availability or latency when the queries
// have that shape and the model's slot is free, else ratio.
func (im *imp) events(m *importer.Model, s *importer.SLO, errQ, totQ string, n importer.Node) {
	if _, ok := importer.EventsSLI(m, s, errQ, totQ); ok {
		return
	}
	s.Kind, s.Errors, s.Total = "ratio", errQ, totQ
}

var windowTmpl = regexp.MustCompile(`\{\{\s*\.window\s*\}\}`)

// query reads a metricSource holding a Prometheus query and returns it
// with $window ranges. A counter query without a range is turned into
// rates: every selector x becomes rate(x[$window]).
func (im *imp) query(n importer.Node, counter bool) (string, bool) {
	r := &im.r
	o, ok := r.AsObj(n)
	if !ok {
		return "", false
	}
	defer o.Unknown(r, "an OpenSLO metric")
	ms := o.Get("metricSource")
	mo, ok := r.AsObj(ms)
	if !ok {
		return "", false
	}
	defer mo.Unknown(r, "an OpenSLO metricSource")
	typ, _ := r.Str(mo.Get("type"))
	refN := mo.Get("metricSourceRef")
	specN := mo.Get("spec")
	if refN.Valid() {
		name, _ := r.Str(refN)
		if ds := im.objects["DataSource"][name]; ds != nil {
			if do, ok := r.AsObj(ds.spec); ok {
				dt, _ := r.Str(do.Get("type"))
				do.Skip("description", "connectionDetails")
				do.Unknown(r, "an OpenSLO DataSource")
				if typ == "" {
					typ = dt
				}
			}
		} else if typ == "" {
			r.Drop(refN, fmt.Sprintf("DataSource %q is not defined in the files given and the metric source has no type; the SLO is not imported", name), "pass the file that defines it")
			return "", false
		}
	}
	if !strings.EqualFold(typ, "prometheus") {
		r.Drop(ms, fmt.Sprintf("metric source type %q: vigil reads Prometheus queries only; the SLO is not imported", typ), "rewrite the query in PromQL with type: Prometheus")
		return "", false
	}
	so, ok := r.AsObj(specN)
	if !ok {
		return "", false
	}
	defer so.Unknown(r, "a Prometheus metricSource spec")
	qn := so.Get("query")
	q, _ := r.Str(qn)
	q = strings.TrimSpace(q)
	if q == "" {
		r.Drop(qn, "empty or missing query; the SLO is not imported", "")
		return "", false
	}
	q = windowTmpl.ReplaceAllLiteralString(q, importer.WindowVar)
	if strings.Contains(q, "{{") {
		r.Drop(qn, "the query uses a template other than {{.window}}; the SLO is not imported", "")
		return "", false
	}
	expr, err := importer.ParsePromQL(q)
	if err != nil {
		r.Drop(qn, fmt.Sprintf("invalid PromQL: %v; the SLO is not imported", err), importer.MetricsQLHint(err))
		return "", false
	}
	if !strings.Contains(q, importer.WindowVar) && hasRanges(expr) {
		rq, ranges, ok := windowedRates(expr)
		if !ok {
			r.Drop(qn, fmt.Sprintf("the query has fixed ranges (%s) outside rate() and increase(); vigil evaluates an SLI over every alert and SLO window, so the range must follow the window; the SLO is not imported", strings.Join(ranges, ", ")),
				"write [{{.window}}] where the range goes")
			return "", false
		}
		r.Note(qn, fmt.Sprintf("fixed range %s becomes [$window]: a rate is the same quantity over any window, and vigil evaluates the SLI over every alert and SLO window", strings.Join(ranges, ", ")), "")
		q = rq
	}
	if !strings.Contains(q, importer.WindowVar) {
		if !counter {
			r.Drop(qn, "a gauge query (counter: false) without a range: vigil needs event rates; the SLO is not imported", "write the query over [{{.window}}] ranges")
			return "", false
		}
		rq, ok := ratesOf(expr)
		if !ok {
			r.Drop(qn, "a counter query without a range, whose selectors vigil cannot turn into rates (only sums of counters can); the SLO is not imported", "write rate(...[{{.window}}]) yourself")
			return "", false
		}
		r.Note(qn, "counter query without a range: every selector becomes rate(selector[$window])", "")
		q = rq
	}
	if !importer.IsVector(q) {
		r.Drop(qn, "the query does not return an instant vector; the SLO is not imported", "")
		return "", false
	}
	return q, true
}

// ratesOf turns a sum of counters into a sum of their rates. Only
// selectors, sum (with or without grouping), + and parentheses are
// allowed, so that the rates of the result are the rates of the counters.
func ratesOf(e parser.Expr) (string, bool) {
	ok := true
	var walk func(e parser.Expr) parser.Expr
	walk = func(e parser.Expr) parser.Expr {
		switch x := e.(type) {
		case *parser.ParenExpr:
			x.Expr = walk(x.Expr)
			return x
		case *parser.AggregateExpr:
			if x.Op != parser.SUM {
				ok = false
				return x
			}
			x.Expr = walk(x.Expr)
			return x
		case *parser.BinaryExpr:
			if x.Op != parser.ADD {
				ok = false
				return x
			}
			x.LHS, x.RHS = walk(x.LHS), walk(x.RHS)
			return x
		case *parser.VectorSelector:
			if x.OriginalOffset != 0 || x.Timestamp != nil || x.StartOrEnd != 0 {
				ok = false
			}
			return &parser.Call{
				Func: parser.Functions["rate"],
				Args: parser.Expressions{&parser.MatrixSelector{VectorSelector: x, Range: sentinelRange}},
			}
		}
		ok = false
		return e
	}
	out := walk(e)
	if !ok {
		return "", false
	}
	return withWindow(out), true
}

const sentinelRange = 7777 * time.Second

// withWindow prints e with every sentinelRange written as [$window].
func withWindow(e parser.Expr) string {
	return strings.ReplaceAll(e.String(), "["+model.Duration(sentinelRange).String()+"]", "["+importer.WindowVar+"]")
}

// hasRanges reports whether e holds a range: a matrix selector or a
// subquery.
func hasRanges(e parser.Expr) bool {
	found := false
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		switch n.(type) {
		case *parser.MatrixSelector, *parser.SubqueryExpr:
			found = true
		}
		return nil
	})
	return found
}

// windowedRates rewrites a query whose fixed ranges are all arguments of
// rate() or increase() (e.g. sum(rate(x[5m]))) to range over $window, and
// returns the ranges it replaced, distinct, in order. ok is false when a
// range sits anywhere else (a subquery, *_over_time, irate, an offset),
// where the window would change what the query measures.
func windowedRates(e parser.Expr) (q string, ranges []string, ok bool) {
	ok = true
	parser.Inspect(e, func(n parser.Node, path []parser.Node) error {
		var rng time.Duration
		switch x := n.(type) {
		case *parser.SubqueryExpr:
			rng, ok = x.Range, false
		case *parser.MatrixSelector:
			rng = x.Range
			vs, _ := x.VectorSelector.(*parser.VectorSelector)
			// The parent is the call (or its argument list, then the call).
			isCall := false
			for i := len(path) - 1; i >= 0; i-- {
				if _, args := path[i].(parser.Expressions); args {
					continue
				}
				if c, yes := path[i].(*parser.Call); yes {
					isCall = c.Func.Name == "rate" || c.Func.Name == "increase"
				}
				break
			}
			if !isCall || vs == nil || vs.OriginalOffset != 0 || vs.Timestamp != nil || vs.StartOrEnd != 0 {
				ok = false
			} else {
				x.Range = sentinelRange
			}
		default:
			return nil
		}
		if r := "[" + model.Duration(rng).String() + "]"; !slices.Contains(ranges, r) {
			ranges = append(ranges, r)
		}
		return nil
	})
	if !ok {
		return "", ranges, false
	}
	return withWindow(e), ranges, true
}

// specFields are the spec fields of each kind (OpenSLO v1), for objects
// no SLO uses, whose specs are otherwise not read.
var specFields = map[string][]string{
	"SLI":                     {"description", "ratioMetric", "thresholdMetric"},
	"AlertPolicy":             {"description", "alertWhenNoData", "alertWhenResolved", "alertWhenBreaching", "conditions", "notificationTargets"},
	"AlertCondition":          {"description", "severity", "condition"},
	"AlertNotificationTarget": {"description", "target"},
	"Service":                 {"description"},
}

// checkFields reports unknown spec fields of an object no SLO uses.
func (im *imp) checkFields(ob *object) {
	o, ok := im.r.AsObj(ob.spec)
	if !ok {
		return
	}
	o.Skip(specFields[ob.kind]...)
	o.Unknown(&im.r, "an OpenSLO "+ob.kind)
}

func (im *imp) result() importer.Result {
	res := importer.Result{Files: map[string][]byte{}}
	for _, k := range []string{"SLI", "AlertPolicy", "AlertCondition", "AlertNotificationTarget", "Service"} {
		for _, n := range slices.Sorted(maps.Keys(im.objects[k])) {
			if ob := im.objects[k][n]; !ob.used {
				im.r.Note(ob.meta.node, fmt.Sprintf("%s %q is not used by any SLO given, so nothing of it is imported", k, n), "")
				im.checkFields(ob)
			}
		}
	}
	for _, name := range im.order {
		m := im.models[name]
		files := slices.Compact(slices.Sorted(slices.Values(im.files[name])))
		m.Comments = []string{fmt.Sprintf("OpenSLO service %q from %s.", name, strings.Join(files, ", "))}
		spec := &importer.Spec{Header: Header, Models: []*importer.Model{m}, Teams: im.teams, Receivers: im.receivers}
		b, err := spec.Render()
		if err != nil {
			im.r.Findings = append(im.r.Findings, importer.Finding{Level: importer.Dropped, Message: err.Error()})
			continue
		}
		res.Files[name+".cue"] = b
	}
	if len(im.slos) == 0 && len(im.r.Findings) == 0 {
		im.r.Findings = append(im.r.Findings, importer.Finding{Level: importer.Dropped, Message: "no OpenSLO SLO objects in the files given"})
	}
	res.Findings = im.r.Findings.Dedupe()
	return res
}
