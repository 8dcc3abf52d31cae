package openslo

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/importer"
)

// pageSeverities are AlertCondition severities read as page alerts (the
// rest open tickets), unless the vigil.dev/class annotation says.
var pageSeverities = []string{"page", "critical", "sev1", "sev-1", "sev0", "p0", "p1", "urgent", "high", "emergency"}

// condWindow is an imported burn-rate window with where it came from.
type condWindow struct {
	w      importer.Window
	factor float64
	long   time.Duration
	node   importer.Node
}

// alertPolicies maps an SLO's alert policies onto s.Page and s.Ticket.
// Absent: vigil's defaults. Present: the conditions replace the defaults,
// and a class without conditions is disabled.
func (im *imp) alertPolicies(m *importer.Model, s *importer.SLO, n importer.Node) {
	r := &im.r
	if !n.Valid() {
		r.Note(n, "no alertPolicies: vigil's default multiwindow burn-rate alerts apply", "")
		return
	}
	items, ok := r.List(n)
	if !ok {
		return
	}
	var page, ticket []condWindow
	pageFor, ticketFor := "", ""
	for _, it := range items {
		io, ok := r.AsObj(it)
		if !ok {
			continue
		}
		pol := im.refOrInline("AlertPolicy", io, "alertPolicyRef", "an alertPolicies entry")
		if pol == nil {
			continue
		}
		po, ok := r.AsObj(pol.spec)
		if !ok {
			continue
		}
		po.Skip("description")
		im.annotations(pol.meta)
		breaching := true
		if b := po.Get("alertWhenBreaching"); b.Valid() {
			breaching, _ = r.Bool(b)
		}
		if nd := po.Get("alertWhenNoData"); nd.Valid() {
			if v, _ := r.Bool(nd); v {
				r.Drop(nd, "vigil's burn-rate alerts do not fire on missing SLI data", "add an absent-data alert (alerts.absent) on the model")
			}
		}
		if rs := po.Get("alertWhenResolved"); rs.Valid() {
			if v, _ := r.Bool(rs); v {
				r.Note(rs, "resolved notifications are Alertmanager's send_resolved setting of the receiver", "")
			}
		}
		type tgt struct {
			n            importer.Node
			t            *object
			target, desc string
		}
		var targets []tgt
		tl, _ := r.List(po.Get("notificationTargets"))
		for _, t := range tl {
			if ob, target, desc := im.notificationTarget(t); ob != nil {
				targets = append(targets, tgt{t, ob, target, desc})
			}
		}
		cl, _ := r.List(po.Get("conditions"))
		po.Unknown(r, "an OpenSLO AlertPolicy")
		if !breaching {
			r.Note(pol.meta.node, fmt.Sprintf("alert policy %q has alertWhenBreaching: false; its conditions do not alert", pol.name), "")
			continue
		}
		for _, c := range cl {
			cw, class, sev, after, ok := im.condition(c)
			if !ok {
				continue
			}
			vsev := sev
			if vsev == "" {
				vsev = map[string]string{"page": "critical", "ticket": "warning"}[class]
			}
			for _, t := range targets {
				im.route(m, vsev, t.n, t.t, t.target, t.desc)
			}
			if class == "page" {
				page = append(page, cw)
				pageFor = im.mergeFor(pageFor, after, cw.node)
				if sev != "" {
					s.Page.Severity = sev
				}
			} else {
				ticket = append(ticket, cw)
				ticketFor = im.mergeFor(ticketFor, after, cw.node)
				if sev != "" {
					s.Ticket.Severity = sev
				}
			}
		}
	}
	set := func(p *importer.Policy, ws []condWindow, f string) {
		if len(ws) == 0 {
			p.Disabled = true
			p.Severity = ""
			return
		}
		for _, w := range ws {
			p.Windows = append(p.Windows, w.w)
		}
		p.For = f
	}
	set(&s.Page, page, pageFor)
	set(&s.Ticket, ticket, ticketFor)
	im.condNodes[s] = append(append([]condWindow{}, page...), ticket...)
}

func (im *imp) mergeFor(old, after string, n importer.Node) string {
	if after == "" || after == "0s" || after == "0m" {
		after = ""
	}
	if old != "" && after != old {
		im.r.Drop(n, fmt.Sprintf("alertAfter %q differs from %q of another condition of the same class; vigil has one per class", after, old), "")
		return old
	}
	return after
}

// notificationTarget reads a notification target (inline or by
// reference) and returns its name, its target kind and description.
func (im *imp) notificationTarget(n importer.Node) (t *object, target, desc string) {
	r := &im.r
	o, ok := r.AsObj(n)
	if !ok {
		return nil, "", ""
	}
	t = im.refOrInline("AlertNotificationTarget", o, "targetRef", "a notificationTargets entry")
	if t == nil {
		return nil, "", ""
	}
	if to, ok := r.AsObj(t.spec); ok {
		target, _ = r.Str(to.Get("target"))
		desc, _ = r.Str(to.Get("description"))
		to.Unknown(r, "an OpenSLO AlertNotificationTarget")
	}
	return t, target, desc
}

// receiverKinds maps words in an AlertNotificationTarget's target to
// vigil receiver kinds.
var receiverKinds = []struct{ word, kind string }{
	{"pagerduty", "pagerduty"}, {"opsgenie", "opsgenie"}, {"slack", "slack"},
	{"teams", "msteams"}, {"mail", "email"},
}

// route records a notification target as the receiver of a team's
// severity.
func (im *imp) route(m *importer.Model, sev string, n importer.Node, t *object, target, desc string) {
	r := &im.r
	kind := ""
	for _, k := range receiverKinds {
		if strings.Contains(strings.ToLower(target), k.word) {
			kind = k.kind
			break
		}
	}
	if kind == "" {
		r.Drop(n, fmt.Sprintf("notification target %q (target %q): vigil routes to pagerduty, opsgenie, slack, msteams, email and webhook receivers (a webhook needs a url)", t.name, target),
			"declare the receiver under routing.receivers and name it in teams.<team>.receivers")
		return
	}
	name := importer.SafeName(t.name, "r")
	if old, ok := im.receivers[name]; ok && old.Kind != kind {
		r.Drop(n, fmt.Sprintf("receiver %q is already a %s receiver", name, old.Kind), "")
		return
	}
	im.receivers[name] = importer.Receiver{Kind: kind, Target: desc}
	if im.teams[m.Team] == nil {
		im.teams[m.Team] = map[string]string{}
	}
	if old, ok := im.teams[m.Team][sev]; ok && old != name {
		r.Drop(n, fmt.Sprintf("team %s already sends %s alerts to %q; vigil has one receiver per team and severity", m.Team, sev, old), "")
		return
	}
	im.teams[m.Team][sev] = name
	if name != t.name {
		r.Note(n, fmt.Sprintf("notification target %q becomes receiver %q", t.name, name), "")
	}
}

// condition reads one AlertCondition (inline or by reference).
func (im *imp) condition(n importer.Node) (cw condWindow, class, sev, after string, ok bool) {
	r := &im.r
	o, isObj := r.AsObj(n)
	if !isObj {
		return
	}
	c := im.refOrInline("AlertCondition", o, "conditionRef", "a conditions entry")
	if c == nil {
		return
	}
	co, isObj := r.AsObj(c.spec)
	if !isObj {
		return
	}
	defer co.Unknown(r, "an OpenSLO AlertCondition")
	co.Skip("description")
	im.annotations(c.meta, AnnShortWindow, AnnClass)
	sevN := co.Get("severity")
	severity, _ := r.Str(sevN)
	class = "ticket"
	for _, p := range pageSeverities {
		if strings.EqualFold(severity, p) {
			class = "page"
		}
	}
	if e, has := c.meta.annotations[AnnClass]; has {
		if e.Value == "page" || e.Value == "ticket" {
			class = e.Value
		} else {
			r.Drop(e.Node, "want page or ticket", "")
		}
	}
	switch strings.ToLower(severity) {
	case "critical", "warning", "info":
		sev = strings.ToLower(severity)
		if (class == "page" && sev == "critical") || (class == "ticket" && sev == "warning") {
			sev = ""
		}
	default:
		r.Note(sevN, fmt.Sprintf("severity %q: imported as a %s alert (vigil severity %s)", severity, class, map[string]string{"page": "critical", "ticket": "warning"}[class]), "")
	}
	cn := co.Get("condition")
	cond, isObj := r.AsObj(cn)
	if !isObj {
		return
	}
	defer cond.Unknown(r, "an OpenSLO condition")
	kind, _ := r.Str(cond.Get("kind"))
	opN, thN, lbN, afterN := cond.Get("op"), cond.Get("threshold"), cond.Get("lookbackWindow"), cond.Get("alertAfter")
	if kind != "" && kind != "burnrate" {
		r.Drop(cn, fmt.Sprintf("condition kind %q: vigil imports burnrate conditions", kind), "")
		return
	}
	op, _ := r.Str(opN)
	if op != "gt" && op != "gte" {
		r.Drop(opN, fmt.Sprintf("burn-rate op %q: vigil alerts when the burn rate exceeds the threshold (gt); the condition is not imported", op), "use op: gt")
		return
	}
	th, thv, isNum := r.Number(thN)
	if !isNum {
		return
	}
	if thv <= 0 {
		r.Drop(thN, "the burn-rate threshold must be positive", "")
		return
	}
	lb, _ := r.Str(lbN)
	long, isDur := Duration(lb)
	ld, err := model.ParseDuration(long)
	if !isDur || err != nil || ld <= 0 {
		r.Drop(lbN, fmt.Sprintf("lookbackWindow %q is not a duration vigil can use; the condition is not imported", lb), "")
		return
	}
	short := compiler.FormatDuration(time.Duration(ld) / 12)
	if e, has := c.meta.annotations[AnnShortWindow]; has {
		sd, err := model.ParseDuration(e.Value)
		if err != nil || sd <= 0 || sd >= ld {
			r.Drop(e.Node, "the short window must be a duration shorter than lookbackWindow", "")
			return
		}
		short = e.Value
	} else {
		r.Note(lbN, fmt.Sprintf("burn rate %sx over %s: vigil adds the short window %s (lookbackWindow/12), which must burn too, so the alert resolves soon after the burn stops", th, long, short), "")
	}
	if a := afterN; a.Valid() {
		as, _ := r.Str(a)
		if ad, isDur := Duration(as); isDur {
			after = ad
		} else {
			r.Drop(a, fmt.Sprintf("alertAfter %q is not a duration vigil can use", as), "")
		}
	}
	cw = condWindow{w: importer.Window{Long: long, Short: short, Factor: th}, factor: thv, long: time.Duration(ld), node: cn}
	return cw, class, sev, after, true
}

// checkWindows drops burn-rate windows that vigil would reject for this
// objective and window: a factor that can never fire (factor x budget >
// 1) or a long window beyond the SLO window.
func (im *imp) checkWindows(s *importer.SLO) {
	cws := im.condNodes[s]
	if len(cws) == 0 {
		return
	}
	obj, _ := strconv.ParseFloat(s.Objective, 64)
	budget := 1 - obj/100
	win := 30 * 24 * time.Hour
	if s.Window != "" {
		if d, err := model.ParseDuration(s.Window); err == nil {
			win = time.Duration(d)
		}
	}
	keep := func(p *importer.Policy) {
		var out []importer.Window
		for _, w := range p.Windows {
			var cw condWindow
			for _, c := range cws {
				if c.w == w {
					cw = c
				}
			}
			switch {
			case cw.factor*budget > 1:
				im.r.Drop(cw.node, fmt.Sprintf("burn rate %sx can never be reached with an error budget of %.6g%% (SLO %s); the condition is not imported", w.Factor, budget*100, s.Name), "")
			case cw.long > win:
				im.r.Drop(cw.node, fmt.Sprintf("lookbackWindow %s is longer than the SLO window; the condition is not imported", w.Long), "")
			default:
				out = append(out, w)
			}
		}
		p.Windows = out
		if len(out) == 0 {
			p.Disabled, p.For, p.Severity = true, "", ""
		}
	}
	if !s.Page.Disabled {
		keep(&s.Page)
	}
	if !s.Ticket.Disabled {
		keep(&s.Ticket)
	}
}
