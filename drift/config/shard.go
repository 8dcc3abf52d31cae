package config

import (
	"fmt"
	"slices"
	"strings"
)

// ShardCount is the number of evaluator processes the configuration is
// written for: Shards, or 1 when absent.
func (c *Config) ShardCount() int { return max(c.Shards, 1) }

// checkShards rejects a shard count below 2 written out (absent means
// one) or above the number of features (a shard without features could
// never report a successful evaluation).
func (c *Config) checkShards() error {
	switch {
	case c.Shards < 0 || c.Shards == 1:
		return fmt.Errorf("shards: %d is not a shard count (at least 2; leave it out for one process)", c.Shards)
	case c.Shards > len(c.Features):
		return fmt.Errorf("shards: %d shards for %d features: each shard needs at least one feature", c.Shards, len(c.Features))
	case c.Shards > 1 && c.Correction != "" && c.Correction != CorrectionNone:
		return fmt.Errorf("shards: correction %q adjusts every feature's p-value by the others', which one shard does not see; set correction: none or leave shards out", c.Correction)
	}
	return nil
}

// ShardFeatures returns the features shard i of n tests: with the
// features sorted by name, feature k belongs to shard k mod n. The
// split depends only on the feature names and n, so every process of
// an Indexed Job computes the same one, every feature lands in exactly
// one shard, and shard sizes differ by at most one. The features keep
// their order in fs.
func ShardFeatures(fs []Feature, i, n int) ([]Feature, error) {
	if n < 1 {
		return nil, fmt.Errorf("shard count %d: must be at least 1", n)
	}
	if i < 0 || i >= n {
		return nil, fmt.Errorf("shard %d: must be between 0 and %d (the shard count less one)", i, n-1)
	}
	if n == 1 {
		return slices.Clone(fs), nil
	}
	names := make([]string, len(fs))
	for k, f := range fs {
		names[k] = f.Name
	}
	shard := ShardAssignment(names, n)
	var out []Feature
	for pos, f := range fs {
		if shard[pos] == i {
			out = append(out, f)
		}
	}
	return out, nil
}

// ShardAssignment returns the shard of each of the named features when
// n shards share them (see ShardFeatures): with the names sorted, the
// k-th belongs to shard k mod n. Duplicate names, which vigil never
// writes, each get a position of their own.
func ShardAssignment(names []string, n int) []int {
	order := make([]int, len(names))
	for k := range order {
		order[k] = k
	}
	slices.SortStableFunc(order, func(a, b int) int { return strings.Compare(names[a], names[b]) })
	shard := make([]int, len(names))
	for k, pos := range order {
		shard[pos] = k % max(n, 1)
	}
	return shard
}

// Shard returns the configuration shard i of n evaluates: a copy of c
// with only that shard's features (ShardFeatures). It fails when i is out
// of range or the shard has no features.
func (c *Config) Shard(i, n int) (*Config, error) {
	fs, err := ShardFeatures(c.Features, i, n)
	if err != nil {
		return nil, err
	}
	if len(fs) == 0 {
		return nil, fmt.Errorf("shard %d of %d has no features (the config has %d: %s)", i, n, len(c.Features), featureNames(c.Features))
	}
	s := *c
	s.Features = fs
	return &s, nil
}

func featureNames(fs []Feature) string {
	names := make([]string, len(fs))
	for k, f := range fs {
		names[k] = f.Name
	}
	return strings.Join(names, ", ")
}
