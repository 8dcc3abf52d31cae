package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigil-dev/vigil/internal/extserver"
)

// shardFeatures are the features of the sharded end-to-end test: three
// drift (price, qty, flag) and three do not (age, color, score), so the
// drift share is 50%. In name order (age, color, flag, price, qty,
// score), shard 0 of 3 tests age and price, shard 1 color and qty,
// shard 2 flag and score: every shard has a drifting feature.
const shardFeatures = `{
		age: {type: "numeric", test: {method: "psi", consecutive: 1}}
		color: {type: "categorical", test: consecutive: 1}
		flag: {type: "boolean", test: consecutive: 1}
		price: {type: "numeric", test: {method: "psi", consecutive: 1}}
		qty: {type: "numeric", test: {method: "ks", consecutive: 1}}
		score: {type: "numeric", test: {method: "wasserstein", consecutive: 1}}
	}`

// shardSpec has two models with the same features and data: whole is
// evaluated by one process, split by three (drift.shards).
func shardSpec() string {
	model := func(name, extra string) string {
		return fmt.Sprintf(`models: %s: {
	team: "t"
	drift: {
		reference: path: "../../ref.csv"
		current: {path: "../../cur.csv", time_column: "ts"}
		share_threshold: 50%s
	}
	features: %s
}
`, name, extra, shardFeatures)
	}
	return "package x\n\n" + model("whole", "") + model("split", "\n\t\tshards: 3")
}

// TestDriftShardsMatchOneProcess runs `vigil drift run --pushgateway`
// once for a model evaluated by one process and three times (--shard 0,
// 1, 2 --shard-count 3) for the same model sharded, against Debian's
// Pushgateway scraped by Debian's Prometheus with both models' compiled
// rules, and checks in Prometheus that the shards together export the
// same per-feature series with the same values as the one process
// (ignoring the shard label), that each feature comes from exactly one
// shard, that the model-level series and the aggregates the rules and
// dashboards compute agree, and that the same drift alerts fire for both
// models and neither is reported stale.
func TestDriftShardsMatchOneProcess(t *testing.T) {
	pgw := extserver.RequireBinary(t, "prometheus-pushgateway", "prometheus-pushgateway", "pushgateway")
	dir := t.TempDir()
	now := time.Now().UTC()
	var ref, cur strings.Builder
	ref.WriteString("ts,age,color,flag,price,qty,score\n")
	cur.WriteString("ts,age,color,flag,price,qty,score\n")
	colors := []string{"red", "green", "blue"}
	for i := range 300 {
		ts := now.Add(-time.Hour).Unix() + int64(i)
		// age, color and score have the same values in both samples
		// (in another order); flag, price and qty move.
		fmt.Fprintf(&ref, "%d,%d,%s,%t,%d,%d,%g\n", ts-7*86400, i%30, colors[i%3], i%2 == 0, i%20, i%10, float64(i)/300)
		fmt.Fprintf(&cur, "%d,%d,%s,%t,%d,%d,%g\n", ts, (7*i)%30, colors[(i+1)%3], i%5 == 0, 15+i%20, 5+i%10, float64(299-i)/300)
	}
	for name, body := range map[string]string{"spec.cue": shardSpec(), "ref.csv": ref.String(), "cur.csv": cur.String()} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "out")
	var stderr strings.Builder
	if code := run(context.Background(), []string{"compile", filepath.Join(dir, "spec.cue"), "-o", out}, io.Discard, &stderr); code != 0 {
		t.Fatalf("compile: exit %d\n%s", code, stderr.String())
	}

	pgwAddr := extserver.FreeAddr(t)
	extserver.Start(t, dir, "pushgateway", pgw, "--web.listen-address="+pgwAddr)
	base := extserver.StartPrometheus(t, dir, []string{
		filepath.Join(out, "prometheus", "whole.rules.yaml"),
		filepath.Join(out, "prometheus", "split.rules.yaml"),
	}, []string{pgwAddr})

	at := now.Add(time.Minute).Format(time.RFC3339)
	push := func(model string, extra ...string) int {
		stderr.Reset()
		args := append([]string{"drift", "run", "--config", filepath.Join(out, "drift", model+".yaml"), "--pushgateway", "http://" + pgwAddr, "--at", at}, extra...)
		return run(context.Background(), args, io.Discard, &stderr)
	}
	// The Pushgateway takes a moment to listen; drift run fails (exit 1)
	// until it does.
	pushed := false
	for deadline := time.Now().Add(30 * time.Second); !pushed && time.Now().Before(deadline); {
		if pushed = push("whole") == 0; !pushed {
			time.Sleep(200 * time.Millisecond)
		}
	}
	if !pushed {
		t.Fatalf("drift run --pushgateway never succeeded:\n%s", stderr.String())
	}
	for i := range 3 {
		if code := push("split", "--shard", strconv.Itoa(i), "--shard-count", "3"); code != 0 {
			t.Fatalf("drift run --shard %d: exit %d\n%s", i, code, stderr.String())
		}
	}

	// Prometheus scrapes every second and evaluates the rules every
	// second: wait until it has both models' runs (four last-run series)
	// and the alerts agree, then compare everything once.
	wantAlerts := []string{"FeatureDriftShareHigh", "FlagDrift/flag", "PriceDrift/price", "QtyDrift/qty"}
	var whole, split []sample
	var lastProblem string
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(500 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("Prometheus did not show the expected state within 60s: %s", lastProblem)
		}
		runs, err := promQuery(base, `vigil_drift_last_run_timestamp_seconds{model=~"whole|split"}`)
		if err != nil || len(runs) != 4 {
			lastProblem = fmt.Sprintf("last-run series %v (%v)", runs, err)
			continue
		}
		alerts, err := extserver.Alerts(base)
		if err != nil {
			lastProblem = err.Error()
			continue
		}
		firing := map[string][]string{}
		for _, a := range alerts {
			if a.State == "firing" {
				name := a.Labels["alertname"]
				if f := a.Labels["feature"]; f != "" {
					name += "/" + f
				}
				firing[a.Labels["model"]] = append(firing[a.Labels["model"]], name)
			}
		}
		slices.Sort(firing["whole"])
		slices.Sort(firing["split"])
		if !slices.Equal(firing["whole"], wantAlerts) || !slices.Equal(firing["split"], wantAlerts) {
			lastProblem = fmt.Sprintf("firing alerts: whole %v, split %v; want %v for both", firing["whole"], firing["split"], wantAlerts)
			continue
		}
		if whole, err = promQuery(base, `{__name__=~"vigil_drift_.+",model="whole"}`); err != nil {
			t.Fatal(err)
		}
		if split, err = promQuery(base, `{__name__=~"vigil_drift_.+",model="split"}`); err != nil {
			t.Fatal(err)
		}
		break
	}

	// Per-feature series: the same set, each from one shard, with the
	// same values.
	wf, wm := bySeries(t, whole, false)
	sf, sm := bySeries(t, split, true)
	if len(wf) == 0 {
		t.Fatal("no per-feature series for the unsharded model")
	}
	for _, k := range slices.Sorted(maps.Keys(wf)) {
		s, ok := sf[k]
		if !ok {
			t.Errorf("the shards do not export %s", k)
			continue
		}
		if len(s) != 1 {
			t.Errorf("%s comes from %d shards %v, want exactly one", k, len(s), s)
			continue
		}
		if w := wf[k][0].value; !close12(w, s[0].value) {
			t.Errorf("%s: one process %v, shards %v", k, w, s[0].value)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(sf)) {
		if _, ok := wf[k]; !ok {
			t.Errorf("the shards export %s, which one process does not", k)
		}
	}
	// Each shard tested the features of config.ShardFeatures.
	wantShard := map[string]string{"age": "0", "price": "0", "color": "1", "qty": "1", "flag": "2", "score": "2"}
	for k, s := range sf {
		if f := s[0].labels["feature"]; s[0].labels["shard"] != wantShard[f] {
			t.Errorf("%s came from shard %q, want %q", k, s[0].labels["shard"], wantShard[f])
		}
	}

	// Model-level series: every shard reports each of them once; the
	// rows read are the same in every shard as in the one process.
	for _, k := range slices.Sorted(maps.Keys(wm)) {
		s := sm[k]
		var shards []string
		for _, x := range s {
			shards = append(shards, x.labels["shard"])
		}
		slices.Sort(shards)
		if !slices.Equal(shards, []string{"0", "1", "2"}) {
			t.Errorf("%s: shards %v, want 0, 1 and 2", k, shards)
		}
		if strings.HasPrefix(k, "vigil_drift_rows_read") {
			for _, x := range s {
				if x.value != wm[k][0].value {
					t.Errorf("%s: shard %s read %v rows, one process %v", k, x.labels["shard"], x.value, wm[k][0].value)
				}
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(sm)) {
		if _, ok := wm[k]; !ok {
			t.Errorf("the shards export %s, which one process does not", k)
		}
	}

	// The aggregates of the rules and dashboards: drift share (the
	// FeatureDriftShareHigh rule), drifting features (the fleet
	// dashboard), the oldest run (DriftEvaluationStale).
	for _, q := range []string{
		`100 * sum by (model) (vigil_drift_detected{model=~"whole|split"}) / count by (model) (vigil_drift_detected{model=~"whole|split"})`,
		`sum by (model) (vigil_drift_detected{model=~"whole|split"})`,
		`count by (model) (vigil_drift_score{model=~"whole|split"})`,
	} {
		res, err := promQuery(base, q)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]float64{}
		for _, s := range res {
			got[s.labels["model"]] = s.value
		}
		if len(got) != 2 || !close12(got["whole"], got["split"]) {
			t.Errorf("%s: %v, want the same value for whole and split", q, got)
		}
	}
	if share, err := promQuery(base, `100 * sum by (model) (vigil_drift_detected{model="split"}) / count by (model) (vigil_drift_detected{model="split"})`); err != nil || len(share) != 1 || share[0].value != 50 {
		t.Errorf("drift share of split: %v (%v), want 50 (3 of 6 features)", share, err)
	}
}

// sample is one series of an instant query.
type sample struct {
	labels map[string]string
	value  float64
}

// promQuery runs an instant query against Prometheus's HTTP API.
func promQuery(base, q string) ([]sample, error) {
	var resp struct {
		Status string `json:"status"`
		Data   struct {
			Result []struct {
				Metric map[string]string `json:"metric"`
				Value  [2]any            `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := extserver.GetJSON(base+"/api/v1/query?query="+url.QueryEscape(q), &resp); err != nil {
		return nil, err
	}
	var out []sample
	for _, r := range resp.Data.Result {
		s, _ := r.Value[1].(string)
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("%s: value %v: %w", q, r.Value[1], err)
		}
		out = append(out, sample{r.Metric, v})
	}
	return out, nil
}

// bySeries groups samples by name and labels, leaving out the model, the
// shard and the labels the scrape adds (job, instance): per-feature
// series (those with a feature label) and model-level ones. An
// unsharded sample must not carry a shard label, a sharded one must.
func bySeries(t *testing.T, ss []sample, sharded bool) (feature, model map[string][]sample) {
	t.Helper()
	feature, model = map[string][]sample{}, map[string][]sample{}
	for _, s := range ss {
		if _, ok := s.labels["shard"]; ok != sharded {
			t.Errorf("series %v: shard label present = %t, want %t", s.labels, ok, sharded)
		}
		var parts []string
		for k, v := range s.labels {
			switch k {
			case "__name__", "model", "shard", "job", "instance":
				continue
			}
			parts = append(parts, k+"="+strconv.Quote(v))
		}
		sort.Strings(parts)
		key := s.labels["__name__"] + "{" + strings.Join(parts, ",") + "}"
		if _, ok := s.labels["feature"]; ok {
			feature[key] = append(feature[key], s)
		} else {
			model[key] = append(model[key], s)
		}
	}
	return feature, model
}

// close12 compares to 1e-12, relative to the larger magnitude (absolute
// below 1).
func close12(a, b float64) bool {
	return math.Abs(a-b) <= 1e-12*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// TestDriftShardUsageExitCodes checks that every shard-selection mistake
// is a usage error (exit 2) with one plain line, before any data is
// read.
func TestDriftShardUsageExitCodes(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "m.yaml")
	body := "version: 1\nmodel: m\nschedule: 1d\ncron: 0 2 * * *\nwindow: 1d\nshards: 2\n" +
		"reference: {path: nothing.csv, format: auto}\ncurrent: {path: nothing.csv, format: auto, time_column: ts}\ncorrection: none\n" +
		"features:\n  - {name: a, column: a, type: numeric, test: {method: psi, drift: above, consecutive: 1}}\n  - {name: b, column: b, type: numeric, test: {method: psi, drift: above, consecutive: 1}}\n" +
		"metrics: {feature_labels: [model, feature, test], model_labels: [model], score: s, threshold: t, detected: d, last_run: l}\n"
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		env  string
		args []string
		want string
	}{
		{"", nil, "give this process's index with --shard"},
		{"x", nil, `JOB_COMPLETION_INDEX="x" is not a shard index`},
		{"-1", nil, `JOB_COMPLETION_INDEX="-1" is not a shard index`},
		{"2", nil, `JOB_COMPLETION_INDEX="2" is not a shard index`},
		{"0", []string{"--shard", "2"}, "--shard 2 is not a shard index"},
		{"0", []string{"--shard-count", "3"}, "--shard-count 3 disagrees with the config"},
		{"0", []string{"--shard-count", "-2"}, "--shard-count -2: must be at least 1"},
		{"0", []string{"--shard", "zero"}, `invalid argument "zero"`},
	} {
		t.Setenv("JOB_COMPLETION_INDEX", c.env)
		var stderr strings.Builder
		code := run(context.Background(), append([]string{"drift", "run", "--config", cfg}, c.args...), io.Discard, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("JOB_COMPLETION_INDEX=%q %v: exit %d, stderr %q; want exit 2 and %q", c.env, c.args, code, stderr.String(), c.want)
		}
		// (A flag that does not parse gets the CLI's usage hint too.)
		if strings.Count(strings.TrimSpace(stderr.String()), "\n") > 0 && !strings.Contains(c.want, "invalid argument") {
			t.Errorf("%v: more than one line: %q", c.args, stderr.String())
		}
	}
	// With a valid index the run goes on and fails reading the data:
	// exit 1, not 2.
	t.Setenv("JOB_COMPLETION_INDEX", "1")
	var stderr strings.Builder
	if code := run(context.Background(), []string{"drift", "run", "--config", cfg}, io.Discard, &stderr); code != 1 {
		t.Errorf("valid shard, missing data: exit %d, want 1\n%s", code, stderr.String())
	}
}
