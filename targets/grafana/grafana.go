// Package grafana is the Grafana target: one dashboard per model, laid
// out in the layers practitioners use (SLO overview, operational, model
// health, business, infrastructure and data pipeline), a fleet overview,
// and a file-provisioning provider. Dashboards are built with the Grafana
// foundation SDK and query the Prometheus target's recording rules
// wherever one exists.
//
// Conventions (dashboard-linter and monitoring-mixin): one data-source
// variable `datasource` used by every panel and query; rates over raw
// counters use $__rate_interval; every panel has a unit, a title and a
// description; dashboards are not editable; UIDs derive from model names;
// panel IDs are hashes of a stable key, so adding a panel never renumbers
// the others.
package grafana

import (
	"errors"
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/internal/jsonout"
	"github.com/vigil-dev/vigil/internal/yamlout"
)

// Target is the Grafana dashboards target.
type Target struct{}

// Name implements compiler.Target.
func (Target) Name() string { return "grafana" }

// DatasourceVar is the data-source variable every query uses.
const DatasourceVar = "datasource"

// Settings every dashboard shares, in both forms.
const (
	datasourceLabel  = "Data source"
	timeFrom, timeTo = "now-24h", "now"
	refresh          = "1m"
	allValue         = ".*"
	alertTitleFormat = "{{alertname}}"
	alertTextFormat  = "{{severity}}"
	alertTagKeys     = "alertname,severity"
	alertStep        = "1m"
)

// Generate implements compiler.Target. The spec's output.grafana.format
// picks the form: plain JSON files with a provisioning provider (default),
// a ConfigMap per dashboard for the Grafana sidecar, a grafana-operator
// GrafanaDashboard per dashboard, or a dashboard.grafana.app/v2 resource
// per dashboard (v2).
func (Target) Generate(spec *compiler.Spec) ([]compiler.Artifact, error) {
	if spec.Output.DashboardsFormat == "operator" && len(spec.Output.GrafanaInstanceLabels) == 0 {
		// The spec's own format is checked by the compiler, with a
		// position; this is --dashboards-format operator on a spec
		// without instance labels.
		return nil, errors.New(compiler.ErrNoInstanceLabels)
	}
	type dash struct {
		name string
		spec *dashSpec
	}
	var dashes []dash
	for _, m := range spec.Models {
		dashes = append(dashes, dash{m.Name, modelDashSpec(spec, m)})
	}
	dashes = append(dashes, dash{"fleet", fleetDashSpec(spec)})

	var out []compiler.Artifact
	if spec.Output.DashboardsFormat == FormatV2 {
		for _, d := range dashes {
			b, err := encodeV2(d.spec, dashboardLabels(spec, d.name), spec.Output.DashboardsNamespace)
			if err != nil {
				return nil, fmt.Errorf("dashboard %s: %w", d.name, err)
			}
			out = append(out, compiler.Artifact{Path: V2Dir + d.name + ".json", Bytes: b})
		}
		return out, nil
	}
	for _, d := range dashes {
		v1, err := renderV1(d.spec)
		if err != nil {
			return nil, fmt.Errorf("dashboard %s: %w", d.name, err)
		}
		b, err := encode(v1)
		if err != nil {
			return nil, err
		}
		switch spec.Output.DashboardsFormat {
		case "configmap", "operator":
			k, err := kubernetesObject(spec, d.name, d.spec.uid, b)
			if err != nil {
				return nil, err
			}
			out = append(out, compiler.Artifact{Path: "kubernetes/grafana/" + d.name + ".yaml", Bytes: k})
		default:
			out = append(out, compiler.Artifact{Path: "grafana/" + d.name + ".json", Bytes: b})
		}
	}
	if f := spec.Output.DashboardsFormat; f != "configmap" && f != "operator" {
		b, err := provisioningFile(spec.Name, spec.Output.GrafanaFolder)
		if err != nil {
			return nil, err
		}
		out = append(out, compiler.Artifact{Path: "grafana/provisioning/dashboards.yaml", Bytes: b})
	}
	return out, nil
}

// kubernetesObject wraps a dashboard for the sidecar (ConfigMap) or the
// operator (GrafanaDashboard). A model dashboard's object is named
// vigil-dashboard-<model>; the fleet dashboard's is named like its UID,
// vigilfleet-<fleet name>, so that the fleets of several specs in one
// namespace do not replace each other. Every object is labelled with the
// dashboard (the model's name, or "fleet") and the fleet name, by which
// one spec's objects can be listed or pruned.
func kubernetesObject(spec *compiler.Spec, name, uid string, js []byte) ([]byte, error) {
	objName := "vigil-dashboard-" + name
	if name == "fleet" {
		objName = uid
	}
	meta := map[string]any{
		"name":   objName,
		"labels": dashboardLabels(spec, name),
	}
	if spec.Output.DashboardsNamespace != "" {
		meta["namespace"] = spec.Output.DashboardsNamespace
	}
	var obj any
	if spec.Output.DashboardsFormat == "configmap" {
		meta["labels"].(map[string]string)["grafana_dashboard"] = "1"
		meta["annotations"] = map[string]string{"grafana_folder": spec.Output.GrafanaFolder}
		obj = struct {
			APIVersion string            `yaml:"apiVersion"`
			Kind       string            `yaml:"kind"`
			Metadata   map[string]any    `yaml:"metadata"`
			Data       map[string]string `yaml:"data"`
		}{"v1", "ConfigMap", meta, map[string]string{name + ".json": string(js)}}
	} else {
		match := map[string]string{}
		for _, l := range spec.Output.GrafanaInstanceLabels {
			match[l.Name] = l.Value
		}
		obj = struct {
			APIVersion string         `yaml:"apiVersion"`
			Kind       string         `yaml:"kind"`
			Metadata   map[string]any `yaml:"metadata"`
			Spec       map[string]any `yaml:"spec"`
		}{"grafana.integreatly.org/v1beta1", "GrafanaDashboard", meta, map[string]any{
			"instanceSelector": map[string]any{"matchLabels": match},
			"folder":           spec.Output.GrafanaFolder,
			"json":             string(js),
		}}
	}
	return yamlout.Render(obj)
}

// provisioning is Grafana's dashboard provisioning file.
type provisioning struct {
	APIVersion int        `yaml:"apiVersion"`
	Providers  []provider `yaml:"providers"`
}

type provider struct {
	Name            string `yaml:"name"`
	Folder          string `yaml:"folder"`
	Type            string `yaml:"type"`
	DisableDeletion bool   `yaml:"disableDeletion"`
	AllowUIUpdates  bool   `yaml:"allowUiUpdates"`
	Options         struct {
		Path                      string `yaml:"path"`
		FoldersFromFilesStructure bool   `yaml:"foldersFromFilesStructure"`
	} `yaml:"options"`
}

// dashboardLabels are the Kubernetes labels of a dashboard's object (or
// v2 resource).
func dashboardLabels(spec *compiler.Spec, name string) map[string]string {
	return map[string]string{
		"app.kubernetes.io/managed-by": "vigil",
		"vigil.dev/dashboard":          name,
		"vigil.dev/fleet":              spec.FleetName(),
	}
}

// provisioningFile is the file-provisioning provider for the dashboards
// in the given folder. The folder name is written as YAML quotes it, and
// each "$" doubled: Grafana replaces $NAME and ${NAME} in provisioning
// files with environment variables, and reads "$$" as "$".
//
// Provider names must be unique in a Grafana and each provider reads its
// own directory, so a named spec gets the provider vigil-<name> reading
// /var/lib/grafana/dashboards/vigil-<name>. An unnamed spec keeps "vigil"
// and .../vigil: the path is part of how Grafana is deployed (a volume
// mount), so it must not follow the default fleet name, which changes
// whenever a model is added.
func provisioningFile(specName, folder string) ([]byte, error) {
	name := "vigil"
	if specName != "" {
		name += "-" + specName
	}
	p := provider{Name: name, Folder: strings.ReplaceAll(folder, "$", "$$"), Type: "file"}
	p.Options.Path = "/var/lib/grafana/dashboards/" + name
	return yamlout.Render(provisioning{APIVersion: 1, Providers: []provider{p}},
		"Grafana file provisioning: copy the grafana/ folder to the path below.")
}

// encode renders v as indented JSON without HTML escaping.
func encode(v any) ([]byte, error) { return jsonout.Marshal(v) }

// panelID derives a stable panel ID from a key unique in the dashboard.
func panelID(key string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(key))
	return h.Sum32()&0x7fffffff | 1
}

// layout places panels left to right, wrapping at 24 columns.
type layout struct {
	x, y, rowH uint32
}

func (l *layout) place(w, h uint32) gridPos {
	if l.x+w > 24 {
		l.x, l.y = 0, l.y+l.rowH
		l.rowH = 0
	}
	p := gridPos{x: l.x, y: l.y, w: w, h: h}
	l.x += w
	if h > l.rowH {
		l.rowH = h
	}
	return p
}

// row starts a new row at the left.
func (l *layout) row() gridPos {
	if l.x > 0 {
		l.x, l.y = 0, l.y+l.rowH
	}
	p := gridPos{x: 0, y: l.y, w: 24, h: 1}
	l.y++
	l.rowH = 0
	return p
}

// query is a range query with a legend.
func query(expr, legend string) promQuery {
	return promQuery{expr: expr, legend: legend}
}

// steps turns (value, color) pairs into threshold steps; a nil value is
// the base step.
func steps(pairs ...any) []step {
	var out []step
	for i := 0; i+1 < len(pairs); i += 2 {
		var v *float64
		if f, ok := pairs[i].(float64); ok {
			v = ptr(f)
		}
		out = append(out, step{value: v, color: pairs[i+1].(string)})
	}
	return out
}

// ptr returns a pointer to a copy of f.
func ptr(f float64) *float64 { return &f }

func win(d compiler.Duration) string { return compiler.FormatDuration(time.Duration(d)) }

func fleetLink(spec *compiler.Spec) dashLink {
	return dashLink{title: "Fleet overview", url: "/d/" + spec.FleetDashboardUID(), keepTime: true}
}

// Panel keys. A model dashboard's panels are identified by these stable
// keys (a panel's ID is the hash of its key, see PanelID); the dashboard
// builder and the runbooks' links both use them, so they cannot drift
// apart. ModelPanels says which keys a model's dashboard has.
const (
	KeyRequests   = "ops:rps"
	KeyErrorRatio = "ops:errors"
	KeyLatency    = "ops:latency"
	KeyConfidence = "health:confidence"
	KeyLabelMix   = "health:labels"
	KeyDrift      = "health:drift"
	KeyDriftKPI   = "health:drift-kpi"
)

// SLO panel views, for SLOPanelKey.
const (
	ViewSLI       = "sli"
	ViewRemaining = "remaining"
	ViewConsumed  = "consumed"
	ViewBurn      = "burn"
	ViewDowntime  = "downtime"
)

// SLOPanelKey is the key of an SLO's panel in the SLO overview row.
func SLOPanelKey(slo, view string) string { return "slo:" + slo + ":" + view }

// QualityPanelKey is the key of a quality SLO's rolling-window panel.
func QualityPanelKey(slo string) string { return "health:quality:" + slo }

// SharePanelKey is the key of a share alert's panel.
func SharePanelKey(share string) string { return "health:share:" + share }

// AnomalyPanelKey is the key of an anomaly alert's panel: the watched
// value against its baseline mean and band.
func AnomalyPanelKey(anomaly string) string { return "business:anomaly:" + anomaly }

// AnomalyZPanelKey is the key of an anomaly alert's z-score panel, which
// also shows whether a seasonal baseline is in use.
func AnomalyZPanelKey(anomaly string) string { return "business:anomaly-z:" + anomaly }

// DriftBinsPanelKey is the key of a feature's panel that compares the
// reference and current shares per bin.
func DriftBinsPanelKey(feature string) string { return "health:drift-bins:" + feature }

// KPIPanelKey is the key of a business KPI's panel.
func KPIPanelKey(kpi string) string { return "kpi:" + kpi }

// InfraPanelKey is the key of an infrastructure or pipeline panel: cpu,
// memory, replicas, freshness or rows.
func InfraPanelKey(what string) string { return "infra:" + what }

// PanelKey returns the key of the panel that shows what an alert of the
// given kind watches, for links from runbooks (`?viewPanel=<PanelID>`).
// ok is false when no panel shows it. The key may still be missing from
// a model's dashboard (drift alerts of a model without features): check
// ModelPanels.
func PanelKey(kind, slo, feature, share, anomaly string, sloKind compiler.SLIKind) (key string, ok bool) {
	switch kind {
	case "burn_rate":
		return SLOPanelKey(slo, ViewBurn), true
	case "budget_tier":
		return SLOPanelKey(slo, ViewConsumed), true
	case "quality":
		if sloKind == compiler.Quality {
			return QualityPanelKey(slo), true
		}
	case "drift", "drift_stale":
		return KeyDrift, true
	case "share":
		return SharePanelKey(share), true
	case "anomaly":
		if anomaly != "" {
			return AnomalyPanelKey(anomaly), true
		}
	}
	return "", false
}

// PanelID is the stable ID of the panel with the given key.
func PanelID(key string) uint32 { return panelID(key) }

// PanelRef is a panel of a generated dashboard, for links to it.
type PanelRef struct {
	ID    uint32
	Title string
}

// ModelPanels returns the panels of the model's dashboard (rows left
// out), by key: the same dashboard description every form renders.
func ModelPanels(spec *compiler.Spec, m *compiler.Model) map[string]PanelRef {
	out := map[string]PanelRef{}
	for _, it := range modelDashSpec(spec, m).items {
		if p := it.panel; p != nil {
			out[p.key] = PanelRef{ID: p.id(), Title: p.title}
		}
	}
	return out
}
