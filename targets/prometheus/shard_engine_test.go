package prometheus_test

import (
	"strings"
	"testing"
	"time"

	"github.com/vigil-dev/vigil/internal/ruletest"
)

// shardedDriftSpec evaluates three features in three shards: in name
// order a, b, c, so shard 0 tests a, shard 1 b and shard 2 c.
const shardedDriftSpec = `package x
models: m: {
	team: "t"
	drift: {
		reference: path: "ref.parquet"
		current: {path: "cur/*.parquet", time_column: "ts"}
		schedule: "daily"
		shards: 3
	}
	features: {
		a: {type: "numeric", test: {method: "psi", consecutive: 1}}
		b: {type: "numeric", test: {method: "psi", consecutive: 1}}
		c: {type: "numeric", test: {method: "psi", consecutive: 1}}
	}
}
`

const perDay = int(day / (5 * time.Minute))

// shardRuns lays out 5 days at 5m resolution: the shards in fresh run
// every day (their timestamp steps to each day's start), the others ran
// once at time 0 and stopped, their last push still served; feature
// verdicts are held throughout.
func shardRuns(fresh []bool, verdicts map[string]float64) string {
	s := ruletest.NewSeries(5 * time.Minute)
	for i, f := range []string{"a", "b", "c"} {
		shard := string(rune('0' + i))
		s.Gauge(`vigil_drift_detected{model="m",feature="`+f+`",test="psi",shard="`+shard+`"}`, ruletest.Segment{Steps: 5 * perDay, Value: verdicts[f]})
		var ts []ruletest.Segment
		for d := range 5 {
			v := 0.0
			if fresh[i] {
				v = float64(d) * day.Seconds()
			}
			ts = append(ts, ruletest.Segment{Steps: perDay, Value: v})
		}
		s.Gauge(`vigil_drift_last_run_timestamp_seconds{model="m",shard="`+shard+`"}`, ts...)
	}
	return s.String()
}

// shardFiring evaluates every 5 minutes for 5 days and returns, per
// alert, the first and last offsets at which it was firing.
func shardFiring(t *testing.T, series string, rules []byte) (first, last map[string]time.Duration) {
	t.Helper()
	run, err := ruletest.New(series, rules)
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	first, last = map[string]time.Duration{}, map[string]time.Duration{}
	err = run.Eval(5*day-5*time.Minute, 5*time.Minute, func(at time.Duration, f ruletest.Firing) bool {
		for name := range f {
			if _, ok := first[name]; !ok {
				first[name] = at
			}
			last[name] = at
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	return first, last
}

// TestShardedDriftStaleShardCannotHide: shard 2 stops after its first
// run while shards 0 and 1 go on. Its feature's verdict (drift) stays on
// the Pushgateway, but the feature's alert must stop once shard 2 is
// stale (two schedules) even though the other shards are fresh, and
// DriftEvaluationStale must fire then. The same rules joined on the
// model alone, as the unsharded rules are, would keep the stale verdict
// alive: checked too, so the test is known to tell the two apart.
func TestShardedDriftStaleShardCannotHide(t *testing.T) {
	rules := compileRules(t, shardedDriftSpec)
	series := shardRuns([]bool{true, true, false}, map[string]float64{"c": 1})
	first, last := shardFiring(t, series, rules)
	if at, ok := first["CDrift"]; !ok || at > 10*time.Minute {
		t.Fatalf("CDrift first fired at %v (%t), want at the start", at, ok)
	}
	if at := last["CDrift"]; at >= 2*day {
		t.Errorf("CDrift still fired at %s, after shard 2 went stale at %s", at, 2*day)
	}
	if at, ok := first["DriftEvaluationStale"]; !ok || at <= 2*day || at > 2*day+10*time.Minute {
		t.Errorf("DriftEvaluationStale first fired at %v (%t), want just after %s (shard 2's run is two schedules old)", at, ok, 2*day)
	}
	for _, name := range []string{"ADrift", "BDrift"} {
		if _, ok := first[name]; ok {
			t.Errorf("%s fired without drift", name)
		}
	}

	joinedOnModel := []byte(strings.ReplaceAll(string(rules), "on (model, shard)", "on (model)"))
	_, last = shardFiring(t, series, joinedOnModel)
	if at := last["CDrift"]; at < 4*day {
		t.Errorf("joined on the model alone, CDrift last fired at %s; the test expects such rules to keep the stale verdict alive", at)
	}
}

// TestShardedDriftMissingShard: shards 0 and 1 run every day, shard 2
// never reports. DriftEvaluationStale waits, as on a fresh database,
// two schedules of rule evaluation for the late shard, then fires
// although the other shards are fresh.
func TestShardedDriftMissingShard(t *testing.T) {
	rules := compileRules(t, shardedDriftSpec)
	s := ruletest.NewSeries(5 * time.Minute)
	for i, f := range []string{"a", "b"} {
		shard := string(rune('0' + i))
		s.Gauge(`vigil_drift_detected{model="m",feature="`+f+`",test="psi",shard="`+shard+`"}`, ruletest.Segment{Steps: 5 * perDay, Value: 0})
		var ts []ruletest.Segment
		for d := range 5 {
			ts = append(ts, ruletest.Segment{Steps: perDay, Value: float64(d) * day.Seconds()})
		}
		s.Gauge(`vigil_drift_last_run_timestamp_seconds{model="m",shard="`+shard+`"}`, ts...)
	}
	first, _ := shardFiring(t, s.String(), rules)
	at, ok := first["DriftEvaluationStale"]
	if !ok {
		t.Fatal("DriftEvaluationStale never fired with shard 2 missing")
	}
	// The rules' own history guard (rulesRunning) counts from the first
	// evaluation: two schedules later, within a few evaluations.
	if at < 2*day || at > 2*day+15*time.Minute {
		t.Errorf("DriftEvaluationStale first fired at %s, want at %s (two schedules after the rules started)", at, 2*day)
	}

	// All three shards fresh: never stale.
	first, _ = shardFiring(t, shardRuns([]bool{true, true, true}, nil), rules)
	if at, ok := first["DriftEvaluationStale"]; ok {
		t.Errorf("DriftEvaluationStale fired at %s with every shard fresh", at)
	}
}

// TestShardedDriftShareCountsFreshShards: a drifts (shard 0), b and c
// do not; shard 2 (c) stops after its first run. While every shard is
// fresh the share is 1 of 3 features, below the 50% threshold; once
// shard 2 is two schedules old its feature leaves the share, which
// becomes 1 of 2, and FeatureDriftShareHigh fires, as documented.
func TestShardedDriftShareCountsFreshShards(t *testing.T) {
	spec := strings.Replace(shardedDriftSpec, "shards: 3", "shards: 3\n\t\tshare_threshold: 50", 1)
	rules := compileRules(t, spec)
	if !strings.Contains(string(rules), "FeatureDriftShareHigh") {
		t.Fatal("no share alert compiled")
	}
	first, _ := shardFiring(t, shardRuns([]bool{true, true, false}, map[string]float64{"a": 1}), rules)
	at, ok := first["FeatureDriftShareHigh"]
	if !ok || at < 2*day || at > 2*day+10*time.Minute {
		t.Errorf("FeatureDriftShareHigh first fired at %v (%t), want just after %s, when shard 2 leaves the share", at, ok, 2*day)
	}
	// Every shard fresh: 1 of 3 throughout, never.
	first, _ = shardFiring(t, shardRuns([]bool{true, true, true}, map[string]float64{"a": 1}), rules)
	if at, ok := first["FeatureDriftShareHigh"]; ok {
		t.Errorf("FeatureDriftShareHigh fired at %s with 1 of 3 features drifting", at)
	}
}
