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
			b, err := encodeV2(d.spec, d.name, spec.Output.DashboardsNamespace)
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
			k, err := kubernetesObject(spec, d.name, b)
			if err != nil {
				return nil, err
			}
			out = append(out, compiler.Artifact{Path: "kubernetes/grafana/" + d.name + ".yaml", Bytes: k})
		default:
			out = append(out, compiler.Artifact{Path: "grafana/" + d.name + ".json", Bytes: b})
		}
	}
	if f := spec.Output.DashboardsFormat; f != "configmap" && f != "operator" {
		b, err := provisioningFile(spec.Output.GrafanaFolder)
		if err != nil {
			return nil, err
		}
		out = append(out, compiler.Artifact{Path: "grafana/provisioning/dashboards.yaml", Bytes: b})
	}
	return out, nil
}

// kubernetesObject wraps a dashboard for the sidecar (ConfigMap) or the
// operator (GrafanaDashboard).
func kubernetesObject(spec *compiler.Spec, name string, js []byte) ([]byte, error) {
	meta := map[string]any{
		"name":   "vigil-dashboard-" + name,
		"labels": map[string]string{"app.kubernetes.io/managed-by": "vigil", "vigil.dev/dashboard": name},
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

// provisioningFile is the file-provisioning provider for the dashboards
// in the given folder. The folder name is written as YAML quotes it, and
// each "$" doubled: Grafana replaces $NAME and ${NAME} in provisioning
// files with environment variables, and reads "$$" as "$".
func provisioningFile(folder string) ([]byte, error) {
	p := provider{Name: "vigil", Folder: strings.ReplaceAll(folder, "$", "$$"), Type: "file"}
	p.Options.Path = "/var/lib/grafana/dashboards/vigil"
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

func fleetLink() dashLink {
	return dashLink{title: "Fleet overview", url: "/d/" + compiler.FleetDashboardUID, keepTime: true}
}

// PanelKey returns the key of the panel that shows what an alert of the
// given kind watches, for links from runbooks (`?viewPanel=<PanelID>`).
// ok is false when no panel shows it.
func PanelKey(kind, slo, feature, share, kpi string, sloKind compiler.SLIKind) (key string, ok bool) {
	switch kind {
	case "burn_rate":
		return "slo:" + slo + ":burn", true
	case "budget_tier":
		return "slo:" + slo + ":consumed", true
	case "quality":
		if sloKind == compiler.Quality {
			return "health:quality:" + slo, true
		}
	case "drift", "drift_stale":
		return "health:drift", true
	case "share":
		return "health:share:" + share, true
	case "anomaly":
		if kpi != "" {
			return "kpi:" + kpi, true
		}
	}
	return "", false
}

// PanelID is the stable ID of the panel with the given key.
func PanelID(key string) uint32 { return panelID(key) }
