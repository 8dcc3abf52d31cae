package semdiff

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-dev/vigil/compiler"
)

// TestCompareDriftShards: sharding a model's evaluation, or changing the
// shard count, is a change of its drift settings; an unsharded model
// lists no shards.
func TestCompareDriftShards(t *testing.T) {
	model := func(shards int) *compiler.Model {
		return &compiler.Model{Name: "m", Drift: &compiler.Drift{Cron: "0 2 * * *", Shards: shards}}
	}
	for _, c := range []struct {
		base, head int
		want       []Field
	}{
		{0, 3, []Field{{Name: "shards", New: "3"}}},
		{3, 4, []Field{{Name: "shards", Old: "3", New: "4"}}},
		{4, 0, []Field{{Name: "shards", Old: "4"}}},
		{0, 0, nil},
	} {
		var got []Field
		for _, ch := range compareDrift(model(c.base), model(c.head)) {
			if ch.Kind == KindDrift && ch.Name == driftSettingsName {
				got = append(got, ch.Fields...)
			}
		}
		if d := cmp.Diff(c.want, got); d != "" {
			t.Errorf("%d → %d shards:\n%s", c.base, c.head, d)
		}
	}
}
