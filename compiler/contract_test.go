package compiler

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// TestFleetName checks the fleet name: the spec's name when set, else
// "models-" and the SHA-256 of the sorted model names (the expected
// hashes are `printf 'm\n' | sha256sum` and `printf 'a\nb\n' | sha256sum`).
func TestFleetName(t *testing.T) {
	spec := func(name string, models ...string) *Spec {
		s := &Spec{Name: name}
		for _, m := range models {
			s.Models = append(s.Models, &Model{Name: m})
		}
		return s
	}
	for _, c := range []struct {
		spec      *Spec
		name, uid string
	}{
		{spec("", "m"), "models-01a60e35", "vigilfleet-models-01a60e35"},
		{spec("", "a", "b"), "models-911169dd", "vigilfleet-models-911169dd"},
		{spec("risk-ml", "a", "b"), "risk-ml", "vigilfleet-risk-ml"},
		{spec("risk-ml", "a", "b", "c"), "risk-ml", "vigilfleet-risk-ml"},
		{spec(strings.Repeat("a", 29), "m"), strings.Repeat("a", 29), "vigilfleet-" + strings.Repeat("a", 29)},
	} {
		if got := c.spec.FleetName(); got != c.name {
			t.Errorf("FleetName() = %q, want %q", got, c.name)
		}
		if got := c.spec.FleetDashboardUID(); got != c.uid || len(got) > 40 {
			t.Errorf("FleetDashboardUID() = %q, want %q (at most 40 characters)", got, c.uid)
		}
		if DashboardUID(c.spec.FleetName()) == c.spec.FleetDashboardUID() {
			t.Errorf("the fleet UID %q is a model dashboard's UID", c.spec.FleetDashboardUID())
		}
	}
}

// TestExploreURL decodes Explore links the way Grafana does (the query
// string, then the panes JSON) and checks that the query comes back as
// written, on the configured data source and time range, and that the
// URL needs no escaping inside a Markdown link.
func TestExploreURL(t *testing.T) {
	exprs := []string{
		`sum by (model_version) (rate(x{a="b",c=~"5.."}[5m])) / on () group_left sum(rate(x[5m]))`,
		`histogram_quantile(0.99, sum by (le) (rate(y_bucket{route="/v1/classify?x=1&y=2#frag"}[5m])))`,
		`z{label="quote \" back\\slash <tag> (paren) 100% +plus é 日本"}`,
	}
	for _, ds := range []string{"", "prometheus", "P1809F7CD0C75ACF3"} {
		s := &Spec{Links: Links{Grafana: "https://grafana.example.com", GrafanaDatasource: ds}}
		for _, expr := range exprs {
			u := s.ExploreURL(expr, "6h")
			if strings.ContainsAny(u, " ()<>[]\n") {
				t.Errorf("%s: characters a Markdown link destination cannot hold", u)
			}
			parsed, err := url.Parse(u)
			if err != nil {
				t.Fatal(err)
			}
			if parsed.Scheme+"://"+parsed.Host+parsed.Path != "https://grafana.example.com/explore" {
				t.Errorf("%s: not Grafana's Explore", u)
			}
			q := parsed.Query()
			if q.Get("schemaVersion") != "1" {
				t.Errorf("%s: schemaVersion %q", u, q.Get("schemaVersion"))
			}
			var panes map[string]struct {
				Datasource string `json:"datasource"`
				Queries    []struct {
					RefID string `json:"refId"`
					Expr  string `json:"expr"`
				} `json:"queries"`
				Range struct{ From, To string } `json:"range"`
			}
			if err := json.Unmarshal([]byte(q.Get("panes")), &panes); err != nil {
				t.Fatalf("%s: panes: %v", u, err)
			}
			if len(panes) != 1 {
				t.Fatalf("%s: %d panes", u, len(panes))
			}
			wantDS := ds
			if wantDS == "" {
				wantDS = "default"
			}
			for _, p := range panes {
				if p.Datasource != wantDS || len(p.Queries) != 1 || p.Queries[0].Expr != expr || p.Queries[0].RefID != "A" ||
					p.Range.From != "now-6h" || p.Range.To != "now" {
					t.Errorf("%s decodes to %+v", u, p)
				}
			}
		}
	}
	if got := (&Spec{}).ExploreURL("up", "1h"); !strings.HasPrefix(got, "/explore?") {
		t.Errorf("without a Grafana base URL: %s, want a path from Grafana's root", got)
	}
}
