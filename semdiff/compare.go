package semdiff

import (
	"sort"
	"strings"

	"github.com/vigil-dev/vigil/compiler"
)

// Side is one of the two compiles being compared.
type Side struct {
	// Spec is the compiled spec; nil when there is none (a spec that does
	// not exist at the base revision), which makes everything on the other
	// side added or removed.
	Spec *compiler.Spec
	// Files are the generated artifacts by path, in the plain rules and
	// dashboards forms (the forms Compare parses).
	Files map[string][]byte
}

// The artifact paths Compare reads; everything else generated is only
// compared byte for byte and listed in Report.Files.
const (
	routesPath  = "alertmanager/routes.yaml"
	fleetPath   = "grafana/fleet.json"
	fleetPrefix = "fleet dashboard: "
)

func rulesPath(model string) string     { return "prometheus/" + model + ".rules.yaml" }
func dashboardPath(model string) string { return "grafana/" + model + ".json" }
func driftPath(model string) string     { return "drift/" + model + ".yaml" }
func runbookDir(model string) string    { return "runbooks/" + model + "/" }

// resolvedPath is the model as vigil resolved it: the IR that Compare
// reads directly, restated with the spec's raw query text, so it is
// never compared byte for byte.
func resolvedPath(model string) string { return "resolved/" + model + ".json" }

// derivedPaths are a model's artifacts that restate what the sections of
// the report already compare: the drift ConfigMap and CronJob, and the
// promtool tests of its rules. They are listed in Report.Files only when
// their model shows no other change, so that no change goes unreported.
func derivedPaths(model string) []string {
	return []string{"kubernetes/drift/" + model + ".yaml", "prometheus/tests/" + model + ".test.yaml", "prometheus/tests/" + model + ".history.test.yaml"}
}

// Compare describes how head differs from base. It fails only when a
// generated artifact does not parse, which points at a bug in a target.
func Compare(base, head Side) (*Report, error) {
	r := &Report{Models: []ModelReport{}, Global: []Change{}, Files: []Change{}}
	covered := map[string]bool{routesPath: true, fleetPath: true}
	om, nm := models(base.Spec), models(head.Spec)
	for _, name := range unionKeys(om, nm) {
		mr, err := compareModel(name, om[name], nm[name], base.Files, head.Files, covered)
		if err != nil {
			return nil, err
		}
		if mr.Action != Changed || len(mr.Changes) > 0 || mr.PanelsReflowed > 0 {
			r.Models = append(r.Models, mr)
			for _, p := range derivedPaths(name) {
				covered[p] = true
			}
		}
	}

	or, err := parseRouting(routesPath, base.Files[routesPath])
	if err != nil {
		return nil, err
	}
	nr, err := parseRouting(routesPath, head.Files[routesPath])
	if err != nil {
		return nil, err
	}
	r.Global = append(r.Global, compareRouting(or, nr)...)
	of, err := parseDashboard(fleetPath, base.Files[fleetPath])
	if err != nil {
		return nil, err
	}
	nf, err := parseDashboard(fleetPath, head.Files[fleetPath])
	if err != nil {
		return nil, err
	}
	fleet, _ := compareDashboards(fleetPrefix, of, nf)
	r.Global = append(r.Global, fleet...)
	r.Global = append(r.Global, compareOutput(base.Spec, head.Spec)...)
	ddFleet, err := compareDatadog(base.Files, head.Files, covered, ddFleetPath)
	if err != nil {
		return nil, err
	}
	r.Global = append(r.Global, ddFleet...)
	sortChanges(r.Global)

	for _, c := range compareKeyed(KindFile, base.Files, head.Files, nil, bytesDiff) {
		if !covered[c.Name] && !strings.HasPrefix(c.Name, "runbooks/") {
			r.Files = append(r.Files, c)
		}
	}
	return r, nil
}

func models(s *compiler.Spec) map[string]*compiler.Model {
	m := map[string]*compiler.Model{}
	if s != nil {
		for _, x := range s.Models {
			m[x.Name] = x
		}
	}
	return m
}

// compareModel compares one model's IR and artifacts, marking the
// artifact paths it read as covered.
func compareModel(name string, o, n *compiler.Model, of, nf map[string][]byte, covered map[string]bool) (ModelReport, error) {
	mr := ModelReport{Name: name, Action: Changed, Changes: []Change{}}
	switch {
	case o == nil:
		mr.Action = Added
	case n == nil:
		mr.Action = Removed
	}
	if o != nil && n != nil {
		if f := diffFields(modelFields(o), modelFields(n)); len(f) > 0 {
			mr.Changes = append(mr.Changes, Change{Kind: KindModel, Name: name, Action: Changed, Fields: f})
		}
	}
	var os, ns []*compiler.SLO
	if o != nil {
		os = o.SLOs
	}
	if n != nil {
		ns = n.SLOs
	}
	mr.Changes = append(mr.Changes, compareSLOs(os, ns)...)

	covered[resolvedPath(name)] = true
	rp := rulesPath(name)
	covered[rp] = true
	orules, err := parseRules(rp, of[rp])
	if err != nil {
		return mr, err
	}
	nrules, err := parseRules(rp, nf[rp])
	if err != nil {
		return mr, err
	}
	mr.Changes = append(mr.Changes, compareRules(orules, nrules)...)

	covered[driftPath(name)] = true
	mr.Changes = append(mr.Changes, compareDrift(o, n)...)

	dp := dashboardPath(name)
	covered[dp] = true
	od, err := parseDashboard(dp, of[dp])
	if err != nil {
		return mr, err
	}
	nd, err := parseDashboard(dp, nf[dp])
	if err != nil {
		return mr, err
	}
	panels, reflowed := compareDashboards("", od, nd)
	mr.Changes = append(mr.Changes, panels...)
	mr.PanelsReflowed = reflowed

	mr.Changes = append(mr.Changes, compareRunbooks(runbookDir(name), of, nf)...)
	dd, err := compareDatadog(of, nf, covered, ddPaths(name)...)
	if err != nil {
		return mr, err
	}
	mr.Changes = append(mr.Changes, dd...)
	sortChanges(mr.Changes)
	return mr, nil
}

// compareRunbooks compares a model's runbook pages (its index page
// aside, which only lists the alerts and SLOs reported above).
func compareRunbooks(dir string, of, nf map[string][]byte) []Change {
	pages := func(files map[string][]byte) map[string][]byte {
		m := map[string][]byte{}
		for p, b := range files {
			rest, ok := strings.CutPrefix(p, dir)
			if ok && !strings.Contains(rest, "/") && strings.HasSuffix(rest, ".md") && rest != "index.md" {
				m[strings.TrimSuffix(rest, ".md")] = b
			}
		}
		return m
	}
	o, n := pages(of), pages(nf)
	var out []Change
	out = append(out, compareKeyed(KindRunbook, o, n, nil, bytesDiff)...)
	return out
}

// modelFields lists a model's own settings (its SLOs, alerts and panels
// are compared separately).
func modelFields(m *compiler.Model) []Field {
	return []Field{
		{Name: "display name", New: m.DisplayName},
		{Name: "description", New: m.Description},
		{Name: "team", New: m.Team},
		{Name: "tier", New: m.Tier},
		{Name: "version label", New: m.VersionLabel},
		{Name: "labels", New: labelList(m.Labels)},
		{Name: "links", New: labelList(m.Links)},
		{Name: "owner", New: m.Contacts.Owner},
		{Name: "chat", New: m.Contacts.Chat},
		{Name: "pager", New: m.Contacts.Pager},
		{Name: "email", New: m.Contacts.Email},
	}
}

func labelList(ls []compiler.Label) string {
	var out []string
	for _, l := range ls {
		out = append(out, l.Name+"="+l.Value)
	}
	return strings.Join(out, ", ")
}

// outputFields lists the spec's output forms and link bases.
func outputFields(s *compiler.Spec) []Field {
	if s == nil {
		return nil
	}
	o := s.Output
	return []Field{
		{Name: "rules format", New: o.RulesFormat},
		{Name: "rules namespace", New: o.Namespace},
		{Name: "rule object labels", New: labelList(o.RuleLabels)},
		{Name: "dashboards format", New: o.DashboardsFormat},
		{Name: "dashboards namespace", New: o.DashboardsNamespace},
		{Name: "grafana instance labels", New: labelList(o.GrafanaInstanceLabels)},
		{Name: "grafana folder", New: o.GrafanaFolder},
		{Name: "drift image", New: o.DriftImage},
		{Name: "drift namespace", New: o.DriftNamespace},
		{Name: "runbook links", New: s.Links.Runbooks},
		{Name: "grafana links", New: s.Links.Grafana},
	}
}

// compareOutput reports changed output settings. A spec appearing or
// disappearing altogether is reported through its models instead.
func compareOutput(o, n *compiler.Spec) []Change {
	if o == nil || n == nil {
		return nil
	}
	if f := diffFields(outputFields(o), outputFields(n)); len(f) > 0 {
		return []Change{{Kind: KindOutput, Name: "output", Action: Changed, Fields: f}}
	}
	return nil
}

// sortChanges orders changes by kind (report order), then name, then
// action; the sort is stable, so equal keys keep the order they were
// found in.
func sortChanges(cs []Change) {
	rank := func(k Kind) int {
		for i, x := range kinds {
			if x == k {
				return i
			}
		}
		return len(kinds)
	}
	arank := func(a Action) int {
		for i, x := range actions {
			if x == a {
				return i
			}
		}
		return len(actions)
	}
	sort.SliceStable(cs, func(i, j int) bool {
		a, b := cs[i], cs[j]
		if a.Kind != b.Kind {
			return rank(a.Kind) < rank(b.Kind)
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return arank(a.Action) < arank(b.Action)
	})
}
