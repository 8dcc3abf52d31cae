package config_test

import (
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/vigil-dev/vigil/drift/config"
	"github.com/vigil-dev/vigil/internal/yamlout"
)

// TestCheckAgreesWithParse writes random configurations with the
// compiler's YAML writer and checks that Check accepts exactly those that
// Parse reads back, and that Parse then gives back the same
// configuration: the drift target relies on this to check what it
// writes without decoding it.
func TestCheckAgreesWithParse(t *testing.T) {
	r := rand.New(rand.NewPCG(51, 52))
	strs := []string{"", "a", "model-1", "yes", "1.0", "null", ": x", "a#b", "a #b", "multi\nline", "  lead", "Zürich", "{x}", "'q'", `"q"`}
	str := func() string { return strs[r.IntN(len(strs))] }
	nums := []string{"0.001", "1", "30", "2.5e-3", "-1", "0", "1E6", "abc", "", "1_000", ".5", "0x10", "inf", "NaN"}
	num := func() *config.Number {
		if r.IntN(3) == 0 {
			return nil
		}
		n := config.Number(nums[r.IntN(len(nums))])
		return &n
	}
	list := func() []string {
		switch r.IntN(3) {
		case 0:
			return nil
		case 1:
			return []string{}
		}
		return []string{str(), str()}
	}
	valid, invalid := 0, 0
	for n := 0; n < 3000; n++ {
		c := &config.Config{
			Version: 1, Model: str(), Schedule: str(), Cron: str(), Window: str(),
			Reference:      config.Source{Path: str(), Format: str()},
			Current:        config.Source{Path: str(), Format: str(), TimeColumn: str()},
			Correction:     str(),
			ShareThreshold: num(),
			Metrics:        config.Metrics{FeatureLabels: list(), ModelLabels: list(), Score: str()},
		}
		if r.IntN(20) == 0 {
			c.Version = 2
		}
		for k := r.IntN(4); k > 0; k-- {
			c.Features = append(c.Features, config.Feature{Name: str(), Column: str(), Type: str(),
				Test: config.Test{Method: str(), Threshold: num(), Drift: str(), Bins: r.IntN(3), Consecutive: r.IntN(4)}})
		}
		b, err := yamlout.Render(c)
		if err != nil {
			t.Fatal(err)
		}
		got, perr := config.Parse(b)
		cerr := c.Check()
		if (perr == nil) != (cerr == nil) {
			t.Fatalf("config %d: Parse says %v, Check says %v\n%s", n, perr, cerr, b)
		}
		if perr != nil {
			invalid++
			continue
		}
		valid++
		if d := cmp.Diff(c, got, cmpopts.EquateEmpty()); d != "" {
			t.Fatalf("config %d does not parse back to itself:\n%s\n%s", n, d, b)
		}
	}
	t.Logf("%d valid, %d invalid configurations", valid, invalid)
	if valid < 500 || invalid < 500 {
		t.Errorf("too few valid (%d) or invalid (%d) configurations", valid, invalid)
	}
}
