package driftdemo_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	promclient "github.com/prometheus/client_golang/prometheus"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/drift"
	"github.com/vigil-dev/vigil/drift/config"
	"github.com/vigil-dev/vigil/internal/driftdemo"
	"github.com/vigil-dev/vigil/internal/exampletest"
	"github.com/vigil-dev/vigil/internal/promsamples"
	"github.com/vigil-dev/vigil/internal/ruletest"
	targetdrift "github.com/vigil-dev/vigil/targets/drift"
	"github.com/vigil-dev/vigil/targets/prometheus"
)

const (
	day  = 24 * time.Hour
	step = time.Hour // scrape resolution of the simulated Prometheus
)

// artifact returns the bytes vigil compile writes at path.
func artifact(t *testing.T, arts []compiler.Artifact, path string) []byte {
	t.Helper()
	for _, a := range arts {
		if a.Path == path {
			return a.Bytes
		}
	}
	t.Fatalf("no artifact %s", path)
	return nil
}

// TestRecommendationsDriftEndToEnd is the drift loop of the
// recommendations-drift example, closed inside the repository: synthetic
// data where price (numeric, PSI) and device_type (categorical,
// Jensen-Shannon) shift from day 4 of 7 is evaluated once a day by the
// evaluator with the compiled drift config; the exported series feed the
// compiled rule file in the Prometheus rule engine. Both features need 3
// consecutive breaches, so their alerts must fire with the run of day 6,
// and no other drift alert may fire.
func TestRecommendationsDriftEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end drift loop")
	}
	spec, diags, err := compiler.Load(compiler.Source{Args: []string{filepath.Join(exampletest.Dir(), "recommendations-drift")}})
	if err != nil || len(diags) > 0 {
		t.Fatal(err, diags)
	}
	m := spec.Model("product-recs")
	driftArts, err := targetdrift.Target{}.Generate(spec)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse(artifact(t, driftArts, "drift/product-recs.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	promArts, err := prometheus.Target{}.Generate(spec)
	if err != nil {
		t.Fatal(err)
	}
	rules := artifact(t, promArts, "prometheus/product-recs.rules.yaml")

	dir := t.TempDir()
	o := driftdemo.Default
	if err := driftdemo.Write(dir, o); err != nil {
		t.Fatal(err)
	}

	// The evaluator runs once a day; run d (1..7) reads day d's data at
	// simulated time d days (the rule engine's clock starts at the Unix
	// epoch) and its series hold until the next run.
	exp, err := drift.NewExporter(cfg)
	if err != nil {
		t.Fatal(err)
	}
	reg := promclient.NewRegistry()
	reg.MustRegister(exp)
	values := map[string][]string{} // series → one value per step, "_" when absent
	steps := int(8 * day / step)
	for d := 1; d <= o.Days; d++ {
		now := time.Unix(0, 0).Add(time.Duration(d) * day)
		rep := drift.Run(context.Background(), cfg, drift.Options{At: o.Day(d + 1), BaseDir: dir, Now: func() time.Time { return now }})
		if rep.Err != nil {
			t.Fatalf("day %d: %v", d, rep.Err)
		}
		var drifting []string
		for _, r := range rep.Results {
			if r.Err != nil {
				t.Fatalf("day %d: %s: %v", d, r.Feature, r.Err)
			}
			if r.Detected {
				drifting = append(drifting, r.Feature)
			}
		}
		want := []string(nil)
		if d >= o.ShiftFrom {
			want = []string{"device_type", "price"}
		}
		if diff := cmp.Diff(want, drifting); diff != "" {
			t.Errorf("day %d: drifting features (-want +got): %s", d, diff)
		}
		if rep.CurrentRows != o.RowsPerDay || rep.SkippedRows != 6*o.RowsPerDay {
			t.Errorf("day %d: %d rows in the window, %d skipped; want %d and %d", d, rep.CurrentRows, rep.SkippedRows, o.RowsPerDay, 6*o.RowsPerDay)
		}
		exp.Update(rep)
		samples := gatherText(t, reg)
		from := int(time.Duration(d) * day / step)
		to := min(from+int(day/step), steps)
		for s, v := range samples {
			if values[s] == nil {
				values[s] = make([]string, steps)
				for i := range values[s] {
					values[s][i] = "_"
				}
			}
			for i := from; i < to; i++ {
				values[s][i] = v
			}
		}
	}
	if got := values[`vigil_drift_consecutive_breaches{feature="price",model="product-recs",test="psi"}`][int(6*day/step)]; got != "3" {
		t.Errorf("the evaluator's consecutive-breach count for price on day 6 is %s, want 3", got)
	}

	var load strings.Builder
	load.WriteString("load " + step.String() + "\n")
	names := make([]string, 0, len(values))
	for s := range values {
		names = append(names, s)
	}
	sort.Strings(names)
	for _, s := range names {
		fmt.Fprintf(&load, "  %s %s\n", s, strings.Join(values[s], " "))
	}

	driftAlerts := map[string]bool{}
	for _, a := range prometheus.Alerts(spec, m) {
		if a.Kind == prometheus.KindDrift {
			driftAlerts[a.Rule.Alert] = true
		}
	}
	if !driftAlerts["PriceDrift"] || !driftAlerts["DeviceTypeDrift"] || !driftAlerts["FeatureDriftShareHigh"] {
		t.Fatalf("unexpected drift alerts in the example: %v", driftAlerts)
	}
	run, err := ruletest.New(load.String(), rules)
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	first := map[string]time.Duration{}
	err = run.Eval(time.Duration(steps-1)*step, step, func(at time.Duration, firing ruletest.Firing) bool {
		for name, alerts := range firing {
			if !driftAlerts[name] {
				continue
			}
			if _, ok := first[name]; !ok {
				first[name] = at
			}
			for _, a := range alerts {
				if f := a.Get("feature"); name != "FeatureDriftShareHigh" && f != map[string]string{"PriceDrift": "price", "DeviceTypeDrift": "device_type"}[name] {
					t.Errorf("%s fired for feature %q", name, f)
				}
			}
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]time.Duration{"PriceDrift": 6 * day, "DeviceTypeDrift": 6 * day}
	if d := cmp.Diff(want, first); d != "" {
		t.Errorf("first firing of the drift alerts (-want +got):\n%s", d)
	}
}

// gatherText renders a registry's samples as promqltest series
// selectors (labels sorted) and values.
func gatherText(t *testing.T, reg *promclient.Registry) map[string]string {
	t.Helper()
	samples, err := promsamples.Gather(reg)
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]string, len(samples))
	for k, v := range samples {
		out[k] = strconv.FormatFloat(v, 'g', -1, 64)
	}
	return out
}

// TestWriteIsDeterministic checks that the same options write the same
// bytes, so the end-to-end test sees the same data on every run.
func TestWriteIsDeterministic(t *testing.T) {
	o := driftdemo.Default
	o.ReferenceRows, o.RowsPerDay, o.Days = 500, 100, 2
	a, b := t.TempDir(), t.TempDir()
	if err := driftdemo.Write(a, o); err != nil {
		t.Fatal(err)
	}
	if err := driftdemo.Write(b, o); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{driftdemo.ReferencePath, driftdemo.PartitionDir + "/dt=2026-11-02/part-0.parquet"} {
		x, err := os.ReadFile(filepath.Join(a, p))
		if err != nil {
			t.Fatal(err)
		}
		y, _ := os.ReadFile(filepath.Join(b, p))
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs", p)
		}
	}
}
