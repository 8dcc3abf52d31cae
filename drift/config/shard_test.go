package config

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func names(fs []Feature) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Name
	}
	return out
}

func features(ns ...string) []Feature {
	fs := make([]Feature, len(ns))
	for i, n := range ns {
		fs[i] = Feature{Name: n, Column: n, Type: "numeric"}
	}
	return fs
}

// TestShardFeaturesExample pins the documented rule on a small case
// worked out by hand: sorted by name, feature k goes to shard k mod n.
func TestShardFeaturesExample(t *testing.T) {
	// Name order: age, color, flag, price, qty, score, zip.
	fs := features("price", "age", "zip", "color", "qty", "flag", "score")
	want := [][]string{
		{"price", "age", "zip"}, // positions 3, 0, 6 in name order; kept in fs order
		{"color", "qty"},        // 1, 4
		{"flag", "score"},       // 2, 5
	}
	for i, w := range want {
		got, err := ShardFeatures(fs, i, 3)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(names(got), w) {
			t.Errorf("shard %d of 3: %v, want %v", i, names(got), w)
		}
	}
	one, err := ShardFeatures(fs, 0, 1)
	if err != nil || !slices.Equal(names(one), names(fs)) {
		t.Errorf("one shard: %v (%v), want every feature in config order", names(one), err)
	}
}

// TestShardFeaturesPartition checks on random feature sets that the
// shards together hold every feature exactly once, that their sizes
// differ by at most one, and that the split does not depend on the
// order of the features in the config.
func TestShardFeaturesPartition(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 1))
	for trial := range 300 {
		m := 1 + r.IntN(60)
		var ns []string
		seen := map[string]bool{}
		for len(ns) < m {
			n := fmt.Sprintf("f%d", r.IntN(1000))
			if !seen[n] {
				seen[n] = true
				ns = append(ns, n)
			}
		}
		fs := features(ns...)
		shuffled := slices.Clone(fs)
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		n := 1 + r.IntN(m)
		count := map[string]int{}
		minSize, maxSize := m, 0
		for i := range n {
			got, err := ShardFeatures(fs, i, n)
			if err != nil {
				t.Fatal(err)
			}
			other, err := ShardFeatures(shuffled, i, n)
			if err != nil {
				t.Fatal(err)
			}
			a, b := names(got), names(other)
			slices.Sort(a)
			slices.Sort(b)
			if !slices.Equal(a, b) {
				t.Fatalf("trial %d: shard %d of %d depends on the config order: %v vs %v", trial, i, n, a, b)
			}
			for _, f := range got {
				count[f.Name]++
			}
			minSize, maxSize = min(minSize, len(got)), max(maxSize, len(got))
		}
		for _, name := range ns {
			if count[name] != 1 {
				t.Fatalf("trial %d: %s is in %d of %d shards", trial, name, count[name], n)
			}
		}
		if len(count) != m || maxSize-minSize > 1 || minSize == 0 {
			t.Fatalf("trial %d: %d features in %d shards: %d distinct, sizes %d to %d", trial, m, n, len(count), minSize, maxSize)
		}
	}
}

func TestShardFeaturesRejectsBadIndexes(t *testing.T) {
	fs := features("a", "b")
	for _, c := range []struct{ i, n int }{{-1, 2}, {2, 2}, {0, 0}, {5, 3}} {
		if _, err := ShardFeatures(fs, c.i, c.n); err == nil {
			t.Errorf("shard %d of %d: want an error", c.i, c.n)
		}
	}
	c := &Config{Features: fs}
	if _, err := c.Shard(2, 3); err == nil || !strings.Contains(err.Error(), "has no features") {
		t.Errorf("a shard without features: %v", err)
	}
	s, err := c.Shard(1, 2)
	if err != nil || !slices.Equal(names(s.Features), []string{"b"}) || len(c.Features) != 2 {
		t.Errorf("shard 1 of 2: %v (%v); the original keeps %d features", s, err, len(c.Features))
	}
}

func TestParseChecksShards(t *testing.T) {
	base := "version: 1\nmodel: m\nfeatures:\n  - {name: a, column: a, type: numeric}\n  - {name: b, column: b, type: numeric}\n"
	for shards, want := range map[string]string{
		"shards: 2\n": "",
		"shards: 3\n": "3 shards for 2 features",
		"shards: 1\n": "not a shard count",
		"shards: 0\n": "",
	} {
		c, err := Parse([]byte(base + shards))
		switch {
		case want == "" && err != nil:
			t.Errorf("%q: %v", shards, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%q: error %v, want one containing %q", shards, err, want)
		case want == "" && shards == "shards: 2\n" && c.ShardCount() != 2:
			t.Errorf("%q: ShardCount %d", shards, c.ShardCount())
		}
	}
}
