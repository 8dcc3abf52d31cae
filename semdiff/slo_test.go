package semdiff

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/common/model"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/internal/decimal"
)

func TestBudgetMinutes(t *testing.T) {
	day := 24 * time.Hour
	for _, c := range []struct {
		objective string
		window    time.Duration
		want      string
	}{
		{"99.9", 30 * day, "43.2"},
		{"99.5", 30 * day, "216"},
		{"99.95", 30 * day, "21.6"},
		{"99", 7 * day, "100.8"},
		{"99.99", 28 * day, "4.03"}, // 4.032, to two decimals
		{"100", 30 * day, "0"},
	} {
		if got := BudgetMinutes(decimal.MustParse(c.objective), c.window); got != c.want {
			t.Errorf("BudgetMinutes(%s%%, %v) = %s, want %s", c.objective, c.window, got, c.want)
		}
	}
}

func slo(name, objective string, window time.Duration) *compiler.SLO {
	return &compiler.SLO{Name: name, Objective: decimal.MustParse(objective), Window: model.Duration(window), Kind: compiler.Availability}
}

func TestCompareSLOs(t *testing.T) {
	month := 30 * 24 * time.Hour
	got := compareSLOs(
		[]*compiler.SLO{slo("availability", "99.9", month), slo("old", "99", month)},
		[]*compiler.SLO{slo("new", "99", month), slo("availability", "99.5", month)},
	)
	want := []Change{
		{Kind: KindSLO, Name: "availability", Action: Changed, Fields: []Field{
			{Name: "objective", Old: "99.9%", New: "99.5%"},
			{Name: "error budget", Old: "43.2 min", New: "216 min"},
		}},
		{Kind: KindSLO, Name: "new", Action: Added, Fields: []Field{
			{Name: "objective", New: "99%"}, {Name: "window", New: "30d"},
			{Name: "error budget", New: "432 min"}, {Name: "indicator", New: "availability"},
		}},
		{Kind: KindSLO, Name: "old", Action: Removed, Fields: []Field{
			{Name: "objective", Old: "99%"}, {Name: "window", Old: "30d"},
			{Name: "error budget", Old: "432 min"}, {Name: "indicator", Old: "availability"},
		}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("compareSLOs (-want +got):\n%s", d)
	}
}

func TestCompareSLOsKeepsBudgetWhenUnchangedInMinutes(t *testing.T) {
	// 99.9% over 30d and 99.8% over 15d both allow 43.2 minutes.
	got := compareSLOs(
		[]*compiler.SLO{slo("a", "99.9", 30*24*time.Hour)},
		[]*compiler.SLO{slo("a", "99.8", 15*24*time.Hour)},
	)
	want := []Field{
		{Name: "objective", Old: "99.9%", New: "99.8%"},
		{Name: "error budget", Old: "43.2 min", New: "43.2 min"},
		{Name: "window", Old: "30d", New: "15d"},
	}
	if len(got) != 1 {
		t.Fatalf("got %d changes, want 1", len(got))
	}
	if d := cmp.Diff(want, got[0].Fields); d != "" {
		t.Errorf("fields (-want +got):\n%s", d)
	}
}
