package simulate_test

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/internal/exampletest"
)

// TestShardedDriftScenarioMatchesUnsharded simulates the drift example's
// scenario with the model evaluated by one process and by three shards:
// the synthesized series carry each feature's shard and every shard's
// run, so the same alerts fire at the same times (a shard label, should
// an alert's key show one, left out of the comparison), and the
// evaluation is never reported stale.
func TestShardedDriftScenarioMatchesUnsharded(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(exampletest.Dir(), "recommendations-drift")
	sc := loadScenario(t, filepath.Join(dir, "scenarios", "three-day-drift.yaml"))
	intervals := func(shards int) []string {
		spec, diags, err := compiler.Load(compiler.Source{Args: []string{dir}})
		if err != nil || len(diags) > 0 {
			t.Fatalf("example: %v %v", err, diags)
		}
		spec.Model("product-recs").Drift.Shards = shards
		res := run(t, spec, sc)
		shardLabel := regexp.MustCompile(`,?shard="[0-9]+"`)
		var out []string
		for _, iv := range res.Firing {
			if strings.Contains(iv.Key, "DriftEvaluationStale") {
				t.Errorf("%d shards: %s fired from %s to %s", shards, iv.Key, iv.From, iv.To)
			}
			out = append(out, fmt.Sprintf("%s %s-%s", shardLabel.ReplaceAllString(iv.Key, ""), iv.From, iv.To))
		}
		slices.Sort(out)
		return out
	}
	whole, split := intervals(0), intervals(3)
	if len(whole) == 0 {
		t.Fatal("no alert fired in the unsharded simulation")
	}
	if !slices.Equal(whole, split) {
		t.Errorf("firing intervals differ:\none process: %v\nthree shards: %v", whole, split)
	}
}
