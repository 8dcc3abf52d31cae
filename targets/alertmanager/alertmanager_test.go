package alertmanager_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	amconfig "github.com/prometheus/alertmanager/config"
	"go.yaml.in/yaml/v3"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/targets/alertmanager"
)

// TestExampleConfigsLoadInAlertmanager loads every example's generated
// configuration with Alertmanager's own config package, which checks the
// route tree, the matchers, the inhibition rules and that every receiver a
// route names exists.
func TestExampleConfigsLoadInAlertmanager(t *testing.T) {
	dirs, _ := filepath.Glob("../../examples/*")
	if len(dirs) < 3 {
		t.Fatalf("found %d examples", len(dirs))
	}
	for _, d := range dirs {
		t.Run(filepath.Base(d), func(t *testing.T) {
			spec, diags, err := compiler.Load(compiler.Source{Args: []string{d}})
			if err != nil || len(diags) > 0 {
				t.Fatal(err, diags)
			}
			arts, err := alertmanager.Target{}.Generate(spec)
			if err != nil {
				t.Fatal(err)
			}
			files := map[string][]byte{}
			for _, a := range arts {
				files[a.Path] = a.Bytes
			}
			// The fragment users merge is exactly the example's routing.
			var frag, full map[string]any
			if err := yaml.Unmarshal(files["alertmanager/routes.yaml"], &frag); err != nil {
				t.Fatal(err)
			}
			if err := yaml.Unmarshal(files["alertmanager/alertmanager.example.yaml"], &full); err != nil {
				t.Fatal(err)
			}
			if len(frag) != 2 || frag["route"] == nil || frag["inhibit_rules"] == nil {
				t.Fatalf("routes.yaml holds %v, want route and inhibit_rules", frag)
			}
			for _, k := range []string{"route", "inhibit_rules"} {
				if d := cmp.Diff(frag[k], full[k]); d != "" {
					t.Errorf("routes.yaml %s differs from the example configuration:\n%s", k, d)
				}
			}
			for _, a := range arts {
				if a.Path != "alertmanager/alertmanager.example.yaml" {
					continue
				}
				cfg, err := amconfig.Load(string(a.Bytes))
				if err != nil {
					t.Fatalf("Alertmanager rejects %s: %v", a.Path, err)
				}
				if len(cfg.InhibitRules) != 2 {
					t.Errorf("want 2 inhibit rules, got %d", len(cfg.InhibitRules))
				}
				retrain := false
				for _, r := range cfg.Route.Routes {
					for _, m := range r.Matchers {
						if m.Name == "action" && m.Value == "retrain" {
							retrain = true
							if !r.Continue {
								t.Errorf("the retraining route must continue to the team routes")
							}
						}
					}
				}
				wantRetrain := false
				for _, m := range spec.Models {
					wantRetrain = wantRetrain || m.Retraining != nil
				}
				if retrain != wantRetrain {
					t.Errorf("retraining route present = %v, want %v", retrain, wantRetrain)
				}
				for _, team := range spec.Teams {
					for sev, recv := range team.Receivers {
						if !routes(cfg.Route, team.Name, spec.Routing.SeverityNames[sev], recv) {
							t.Errorf("no route sends team %s severity %s to %s", team.Name, sev, recv)
						}
					}
				}
			}
		})
	}
}

func routes(r *amconfig.Route, team, severity, receiver string) bool {
	for _, c := range r.Routes {
		var got []string
		for _, m := range c.Matchers {
			got = append(got, m.String())
		}
		s := strings.Join(got, ",")
		if c.Receiver == receiver && strings.Contains(s, `team="`+team+`"`) && strings.Contains(s, `severity="`+severity+`"`) {
			return true
		}
	}
	return false
}
