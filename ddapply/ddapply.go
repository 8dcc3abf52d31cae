// Package ddapply is `vigil apply datadog`: it syncs the Datadog target's
// SLOs, monitors and dashboards (datadog/ under a compile's output
// directory) to a Datadog organisation through the official Go client.
//
// It owns only the objects that carry targets/datadog's ManagedTag and
// the spec's SpecTag (dashboards: the marker line of their description),
// matched to generated objects by their IDTagKey tag. It prints a plan
// (create, update, unchanged) and changes nothing unless asked to; it
// never deletes, and never touches an object it does not own. SLOs are
// applied first, so that the monitors and widgets that name an SLO by
// datadog.SLORef get its id.
package ddapply

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/DataDog/datadog-api-client-go/v2/api/datadog"
	"github.com/DataDog/datadog-api-client-go/v2/api/datadogV1"

	"github.com/vigil-dev/vigil/internal/ddstrict"
	vdd "github.com/vigil-dev/vigil/targets/datadog"
)

// Env names the environment variables apply reads.
const (
	EnvAPIKey = "DD_API_KEY"
	EnvAppKey = "DD_APP_KEY"
	// EnvSite is the Datadog site (datadoghq.com, datadoghq.eu, ...); a
	// URL (http://host:port) sends the requests there instead, e.g. to a
	// proxy or a test server.
	EnvSite = "DD_SITE"
)

// ErrEnv is returned (wrapped) when the environment lacks keys.
var ErrEnv = fmt.Errorf("environment")

// Options configure a run.
type Options struct {
	// Dir is the compile output directory (holding datadog/).
	Dir string
	// Apply makes the changes; without it apply only plans.
	Apply bool
	// Out receives the plan and what was done.
	Out io.Writer
	// Getenv reads the environment (os.Getenv when nil).
	Getenv func(string) string
}

// Kind is an object kind.
type Kind string

// The object kinds, in apply order.
const (
	SLO       Kind = "slo"
	Monitor   Kind = "monitor"
	Dashboard Kind = "dashboard"
)

// Action is what apply does with one object.
type Action string

// The actions.
const (
	Create    Action = "create"
	Update    Action = "update"
	Unchanged Action = "unchanged"
)

// Step is one object of the plan.
type Step struct {
	Kind   Kind
	ID     string // the vigil-id
	Name   string
	Action Action
	// RemoteID is the Datadog id of an existing object (SLO and
	// dashboard ids are strings, monitor ids numbers).
	RemoteID string
	// body is the desired payload as generic JSON (SLO references not
	// yet substituted).
	body map[string]any
}

// Result is a run's plan and what it did.
type Result struct {
	Steps []Step
	// Stale are vigil-ids of owned objects that the directory no longer
	// generates; they are left alone.
	Stale []string
}

// Counts returns how many steps have each action.
func (r Result) Counts() map[Action]int {
	c := map[Action]int{}
	for _, s := range r.Steps {
		c[s.Action]++
	}
	return c
}

// desired are the generated objects, by kind, in file order.
type desired struct {
	spec  string // the spec tag
	items map[Kind][]*Step
}

// Load reads and strictly decodes the generated payloads under dir.
func load(dir string) (*desired, error) {
	root := filepath.Join(dir, vdd.Dir)
	if fi, err := os.Stat(root); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("%s: no Datadog output here; run vigil compile --target datadog -o %s first", root, dir)
	}
	d := &desired{items: map[Kind][]*Step{}}
	add := func(kind Kind, file string, v any, tags []string, name, description string) error {
		raw, err := json.Marshal(v)
		if err != nil {
			return err
		}
		var body map[string]any
		if err := json.Unmarshal(raw, &body); err != nil {
			return err
		}
		id, spec := tagValue(tags, vdd.IDTagKey), tagValue(tags, vdd.SpecTagKey)
		if kind == Dashboard {
			id, spec = markerValue(description, vdd.IDTagKey), markerValue(description, vdd.SpecTagKey)
		}
		if id == "" || spec == "" {
			return fmt.Errorf("%s: %s %q carries no %s and %s", file, kind, name, vdd.IDTagKey, vdd.SpecTagKey)
		}
		if d.spec != "" && d.spec != spec {
			return fmt.Errorf("%s: objects of two specs (%s and %s) in one directory", file, d.spec, spec)
		}
		d.spec = spec
		for _, s := range d.items[kind] {
			if s.ID == id {
				return fmt.Errorf("%s: two %ss with identity %s", file, kind, id)
			}
		}
		d.items[kind] = append(d.items[kind], &Step{Kind: kind, ID: id, Name: name, body: body})
		return nil
	}
	for _, kind := range []Kind{SLO, Monitor, Dashboard} {
		files, _ := filepath.Glob(filepath.Join(root, string(kind)+"s", "*.json"))
		sort.Strings(files)
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				return nil, err
			}
			switch kind {
			case SLO:
				v, err := ddstrict.Decode[[]datadogV1.ServiceLevelObjectiveRequest](data)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", f, err)
				}
				for _, s := range v {
					if err := add(kind, f, s, s.Tags, s.Name, ""); err != nil {
						return nil, err
					}
				}
			case Monitor:
				v, err := ddstrict.Decode[[]datadogV1.Monitor](data)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", f, err)
				}
				for _, m := range v {
					if err := add(kind, f, m, m.Tags, m.GetName(), ""); err != nil {
						return nil, err
					}
				}
			case Dashboard:
				v, err := ddstrict.Decode[datadogV1.Dashboard](data)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", f, err)
				}
				if err := add(kind, f, v, nil, v.Title, v.GetDescription()); err != nil {
					return nil, err
				}
			}
		}
	}
	if d.spec == "" {
		return nil, fmt.Errorf("%s: no SLOs, monitors or dashboards", root)
	}
	return d, nil
}

// tagValue is the value of the first tag with the key, or "".
func tagValue(tags []string, key string) string {
	for _, t := range tags {
		if v, ok := strings.CutPrefix(t, key+":"); ok {
			return v
		}
	}
	return ""
}

// markerValue reads a key from a dashboard description's marker line
// (its last line, see datadog.DashboardMarker).
func markerValue(desc, key string) string {
	lines := strings.Split(strings.TrimSpace(desc), "\n")
	last := strings.Fields(lines[len(lines)-1])
	if !slices.Contains(last, vdd.ManagedTag) {
		return ""
	}
	return tagValue(last, key)
}

// owned reports whether tags mark an object of the spec, and its id.
func owned(tags []string, spec string) (string, bool) {
	if !slices.Contains(tags, vdd.ManagedTag) || !slices.Contains(tags, vdd.SpecTagKey+":"+spec) {
		return "", false
	}
	id := tagValue(tags, vdd.IDTagKey)
	return id, id != ""
}

// remote is an existing owned object.
type remote struct {
	id   string
	body map[string]any
}

// Run plans, and with opts.Apply applies, the directory's objects.
func Run(ctx context.Context, opts Options) (Result, error) {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	apiKey, appKey := getenv(EnvAPIKey), getenv(EnvAppKey)
	var missing []string
	if apiKey == "" {
		missing = append(missing, EnvAPIKey)
	}
	if appKey == "" {
		missing = append(missing, EnvAppKey)
	}
	if len(missing) > 0 {
		return Result{}, fmt.Errorf("%w: set %s (a Datadog API key and an application key)", ErrEnv, strings.Join(missing, " and "))
	}
	d, err := load(opts.Dir)
	if err != nil {
		return Result{}, err
	}
	ctx, err = clientContext(ctx, apiKey, appKey, getenv(EnvSite))
	if err != nil {
		return Result{}, err
	}
	cfg := datadog.NewConfiguration()
	cfg.Compress = false
	client := datadog.NewAPIClient(cfg)
	s := &syncer{ctx: ctx, spec: d.spec,
		slos: datadogV1.NewServiceLevelObjectivesApi(client), monitors: datadogV1.NewMonitorsApi(client),
		dashboards: datadogV1.NewDashboardsApi(client), out: opts.Out}
	return s.run(d, opts.Apply)
}

// clientContext carries the keys and the site to the client.
func clientContext(ctx context.Context, apiKey, appKey, site string) (context.Context, error) {
	ctx = context.WithValue(ctx, datadog.ContextAPIKeys, map[string]datadog.APIKey{
		"apiKeyAuth": {Key: apiKey}, "appKeyAuth": {Key: appKey}})
	switch {
	case strings.HasPrefix(site, "http://") || strings.HasPrefix(site, "https://"):
		u, err := url.Parse(site)
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("%w: %s=%q is not a site or a URL", ErrEnv, EnvSite, site)
		}
		ctx = context.WithValue(ctx, datadog.ContextServerIndex, 1)
		ctx = context.WithValue(ctx, datadog.ContextServerVariables, map[string]string{"protocol": u.Scheme, "name": u.Host})
	case site != "":
		ctx = context.WithValue(ctx, datadog.ContextServerIndex, 2)
		ctx = context.WithValue(ctx, datadog.ContextServerVariables, map[string]string{"site": site})
	}
	return ctx, nil
}

type syncer struct {
	ctx        context.Context
	spec       string
	slos       *datadogV1.ServiceLevelObjectivesApi
	monitors   *datadogV1.MonitorsApi
	dashboards *datadogV1.DashboardsApi
	out        io.Writer
}

func (s *syncer) printf(format string, args ...any) {
	if s.out != nil {
		fmt.Fprintf(s.out, format, args...)
	}
}

func generic(v any) (map[string]any, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	err = json.Unmarshal(raw, &m)
	return m, err
}

// existing lists the owned objects of a kind by vigil-id. Objects that
// are not the spec's are skipped; of two owned objects with one id the
// first listed is used.
func (s *syncer) existing(kind Kind) (map[string]remote, error) {
	out := map[string]remote{}
	keep := func(id, remoteID string, v any) error {
		if _, dup := out[id]; dup {
			s.printf("warning: two Datadog %ss carry %s:%s; using the first, leaving %s alone\n", kind, vdd.IDTagKey, id, remoteID)
			return nil
		}
		body, err := generic(v)
		out[id] = remote{id: remoteID, body: body}
		return err
	}
	switch kind {
	case SLO:
		const limit = 1000
		for offset := int64(0); ; offset += limit {
			resp, _, err := s.slos.ListSLOs(s.ctx, *datadogV1.NewListSLOsOptionalParameters().
				WithTagsQuery(vdd.ManagedTag).WithLimit(limit).WithOffset(offset))
			if err != nil {
				return nil, apiErr("listing SLOs", err)
			}
			for _, o := range resp.Data {
				if id, ok := owned(o.Tags, s.spec); ok {
					if err := keep(id, o.GetId(), o); err != nil {
						return nil, err
					}
				}
			}
			if len(resp.Data) < limit {
				break
			}
		}
	case Monitor:
		const size = 1000
		for page := int64(0); ; page++ {
			list, _, err := s.monitors.ListMonitors(s.ctx, *datadogV1.NewListMonitorsOptionalParameters().
				WithMonitorTags(vdd.ManagedTag + "," + vdd.SpecTagKey + ":" + s.spec).WithPage(page).WithPageSize(size))
			if err != nil {
				return nil, apiErr("listing monitors", err)
			}
			for _, o := range list {
				if id, ok := owned(o.Tags, s.spec); ok {
					if err := keep(id, fmt.Sprint(o.GetId()), o); err != nil {
						return nil, err
					}
				}
			}
			if len(list) < size {
				break
			}
		}
	case Dashboard:
		const count = 100
		for start := int64(0); ; start += count {
			resp, _, err := s.dashboards.ListDashboards(s.ctx, *datadogV1.NewListDashboardsOptionalParameters().WithCount(count).WithStart(start))
			if err != nil {
				return nil, apiErr("listing dashboards", err)
			}
			for _, o := range resp.Dashboards {
				desc := o.GetDescription()
				if markerValue(desc, vdd.SpecTagKey) != s.spec {
					continue
				}
				id := markerValue(desc, vdd.IDTagKey)
				if id == "" {
					continue
				}
				full, _, err := s.dashboards.GetDashboard(s.ctx, o.GetId())
				if err != nil {
					return nil, apiErr("reading dashboard "+o.GetId(), err)
				}
				if err := keep(id, o.GetId(), full); err != nil {
					return nil, err
				}
			}
			if len(resp.Dashboards) < count {
				break
			}
		}
	}
	return out, nil
}

// apiErr adds the response body the client keeps to an API error.
func apiErr(what string, err error) error {
	if ge, ok := err.(datadog.GenericOpenAPIError); ok {
		return fmt.Errorf("%s: %v: %s", what, err, strings.TrimSpace(string(ge.Body())))
	}
	return fmt.Errorf("%s: %w", what, err)
}

// run plans every kind, then applies them in order.
func (s *syncer) run(d *desired, apply bool) (Result, error) {
	var res Result
	remotes := map[Kind]map[string]remote{}
	for _, kind := range []Kind{SLO, Monitor, Dashboard} {
		r, err := s.existing(kind)
		if err != nil {
			return res, err
		}
		remotes[kind] = r
	}
	// SLO ids known before any change; new SLOs get theirs when created.
	sloIDs := map[string]string{}
	for id, r := range remotes[SLO] {
		sloIDs[id] = r.id
	}
	for _, kind := range []Kind{SLO, Monitor, Dashboard} {
		want := map[string]bool{}
		for _, st := range d.items[kind] {
			want[st.ID] = true
			body := substitute(st.body, sloIDs)
			if r, ok := remotes[kind][st.ID]; ok {
				st.RemoteID = r.id
				st.Action = Update
				if subset(body, r.body) {
					st.Action = Unchanged
				}
			} else {
				st.Action = Create
			}
			s.printf("%-9s %-9s %s (%s)\n", st.Action, kind, st.ID, st.Name)
			if apply && st.Action != Unchanged {
				id, err := s.write(kind, st, body)
				if err != nil {
					return res, err
				}
				st.RemoteID = id
				if kind == SLO {
					sloIDs[st.ID] = id
				}
			}
			res.Steps = append(res.Steps, *st)
		}
		var stale []string
		for id := range remotes[kind] {
			if !want[id] {
				stale = append(stale, id)
			}
		}
		sort.Strings(stale)
		for _, id := range stale {
			s.printf("%-9s %-9s %s (no longer generated; left alone, delete it in Datadog if it is not needed)\n", "stale", kind, id)
		}
		res.Stale = append(res.Stale, stale...)
	}
	c := res.Counts()
	verb := "plan"
	if apply {
		verb = "applied"
	}
	s.printf("%s: %d to create, %d to update, %d unchanged", verb, c[Create], c[Update], c[Unchanged])
	if len(res.Stale) > 0 {
		s.printf(", %d stale left alone", len(res.Stale))
	}
	s.printf("\n")
	if !apply && c[Create]+c[Update] > 0 {
		s.printf("nothing was changed; run with --apply to make these changes\n")
	}
	return res, nil
}

// substitute replaces SLO references (datadog.SLORef) in every string of
// a payload with the SLO's Datadog id; an SLO not created yet keeps its
// reference (its monitors are then created or updated anyway).
func substitute(body map[string]any, ids map[string]string) map[string]any {
	var walk func(v any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case string:
			for id, remote := range ids {
				x = strings.ReplaceAll(x, "${"+vdd.IDTagKey+":"+id+"}", remote)
			}
			return x
		case map[string]any:
			out := make(map[string]any, len(x))
			for k, e := range x {
				out[k] = walk(e)
			}
			return out
		case []any:
			out := make([]any, len(x))
			for i, e := range x {
				out[i] = walk(e)
			}
			return out
		}
		return v
	}
	return walk(body).(map[string]any)
}

// subset reports whether every field of want is in have with the same
// value: objects compare by want's keys (Datadog adds fields it
// computes, such as ids, timestamps and defaults), arrays element by
// element, arrays of strings (tags) as sets.
func subset(want, have any) bool {
	switch w := want.(type) {
	case map[string]any:
		h, ok := have.(map[string]any)
		if !ok {
			return false
		}
		for k, v := range w {
			if !subset(v, h[k]) {
				return false
			}
		}
		return true
	case []any:
		h, ok := have.([]any)
		if !ok || len(h) != len(w) {
			return false
		}
		if ws, ok := strings_(w); ok {
			if hs, ok := strings_(h); ok {
				sort.Strings(ws)
				sort.Strings(hs)
				return slices.Equal(ws, hs)
			}
		}
		for i := range w {
			if !subset(w[i], h[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(want, have)
}

func strings_(a []any) ([]string, bool) {
	out := make([]string, len(a))
	for i, v := range a {
		s, ok := v.(string)
		if !ok {
			return nil, false
		}
		out[i] = s
	}
	return out, true
}

// write creates or updates one object and returns its Datadog id.
func (s *syncer) write(kind Kind, st *Step, body map[string]any) (string, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return "", err
	}
	what := fmt.Sprintf("%s %s %s", st.Action, kind, st.ID)
	if i := strings.Index(string(raw), "${"+vdd.IDTagKey+":"); i >= 0 {
		return "", fmt.Errorf("%s: names an SLO that has no Datadog id: %.80s", what, raw[i:])
	}
	switch kind {
	case SLO:
		if st.Action == Create {
			var req datadogV1.ServiceLevelObjectiveRequest
			if err := json.Unmarshal(raw, &req); err != nil {
				return "", err
			}
			resp, _, err := s.slos.CreateSLO(s.ctx, req)
			if err != nil {
				return "", apiErr(what, err)
			}
			if len(resp.Data) == 0 || resp.Data[0].GetId() == "" {
				return "", fmt.Errorf("%s: the response holds no SLO id", what)
			}
			s.printf("created   slo       %s: id %s\n", st.ID, resp.Data[0].GetId())
			return resp.Data[0].GetId(), nil
		}
		var slo datadogV1.ServiceLevelObjective
		if err := json.Unmarshal(raw, &slo); err != nil {
			return "", err
		}
		if _, _, err := s.slos.UpdateSLO(s.ctx, st.RemoteID, slo); err != nil {
			return "", apiErr(what, err)
		}
	case Monitor:
		if st.Action == Create {
			var m datadogV1.Monitor
			if err := json.Unmarshal(raw, &m); err != nil {
				return "", err
			}
			resp, _, err := s.monitors.CreateMonitor(s.ctx, m)
			if err != nil {
				return "", apiErr(what, err)
			}
			s.printf("created   monitor   %s: id %d\n", st.ID, resp.GetId())
			return fmt.Sprint(resp.GetId()), nil
		}
		var m datadogV1.MonitorUpdateRequest
		if err := json.Unmarshal(raw, &m); err != nil {
			return "", err
		}
		var id int64
		if _, err := fmt.Sscan(st.RemoteID, &id); err != nil {
			return "", fmt.Errorf("%s: monitor id %q", what, st.RemoteID)
		}
		if _, _, err := s.monitors.UpdateMonitor(s.ctx, id, m); err != nil {
			return "", apiErr(what, err)
		}
	case Dashboard:
		var dash datadogV1.Dashboard
		if err := json.Unmarshal(raw, &dash); err != nil {
			return "", err
		}
		if st.Action == Create {
			resp, _, err := s.dashboards.CreateDashboard(s.ctx, dash)
			if err != nil {
				return "", apiErr(what, err)
			}
			s.printf("created   dashboard %s: id %s\n", st.ID, resp.GetId())
			return resp.GetId(), nil
		}
		if _, _, err := s.dashboards.UpdateDashboard(s.ctx, st.RemoteID, dash); err != nil {
			return "", apiErr(what, err)
		}
	}
	s.printf("updated   %-9s %s\n", kind, st.ID)
	return st.RemoteID, nil
}
