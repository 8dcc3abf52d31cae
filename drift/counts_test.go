package drift

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigil-dev/vigil/drift/config"
)

// TestCountsMatchValues is the differential test of the counting path
// (categorical columns as counts per label, the current sample of binned
// numeric tests as counts in the reference's bins, see plan.go) against
// the value path (every column held as values, as before): on random data
// sets — ties, missing cells (empty, NaN, null), infinities, constant
// columns, current categories the reference lacks, a time window with
// rows outside it and rows without a time, several current files, CSV
// and JSON Lines, bins past stats.Counter's 16-edge fast path, columns
// shared by binned and sample-based tests, conventions evidently — every
// result (score, p-value, threshold, verdict, sample sizes, missing
// share, error and the per-bin shares) must be bit for bit the same: both
// paths count the same values with the same stats.Counter, and counts are
// whole numbers, so adding them up per batch is exact.
func TestCountsMatchValues(t *testing.T) {
	binnedSeen, okResults := 0, 0
	errs := map[string]int{}
	for seed := range uint64(40) {
		rng := rand.New(rand.NewPCG(seed, 99))
		c, files := randomDriftData(rng)
		dir := writeFiles(t, files)
		o := Options{BaseDir: dir, At: time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)}
		counted := Run(context.Background(), c, o)
		o.valuesOnly = true
		values := Run(context.Background(), c, o)
		for _, r := range counted.Results {
			if r.Err == nil {
				okResults++
			} else {
				errs[r.Reason]++
			}
		}
		if d := diffReports(counted, values); d != "" {
			t.Fatalf("seed %d: counting and values differ:\n%s", seed, d)
		}
		// The counting path was taken where it applies.
		w, err := currentWindow(c, o.At, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		ref, cur, refErr, curErr := openSources(c, dir, w, false)
		if refErr != nil || curErr != nil {
			t.Fatalf("seed %d: %v, %v", seed, refErr, curErr)
		}
		for name := range binnable(c.Features) {
			col, err := cur.column(name, kindOf(config.Feature{Type: "numeric"}))
			if err == nil && col.Binned != nil {
				binnedSeen++
				// The reference (one file) is kept as counts too.
				if rc, err := ref.column(name, col.Kind); err != nil || rc.Binned == nil {
					t.Fatalf("seed %d: reference column %s not binned (%v)", seed, name, err)
				}
			}
		}
		for _, f := range c.Features {
			if col, err := cur.column(f.Column, kindOf(f)); err == nil && f.Type != "numeric" && col.Counts == nil {
				t.Fatalf("seed %d: categorical column %s not counted", seed, f.Column)
			}
		}
	}
	t.Logf("%d results, errors %v", okResults, errs)
	if binnedSeen < 30 {
		t.Fatalf("only %d current columns were kept as bin counts", binnedSeen)
	}
}

// diffReports describes the differences between two reports' results
// (floats compared bit for bit), or returns "".
func diffReports(a, b *Report) string {
	var out []string
	if fmt.Sprint(a.Err) != fmt.Sprint(b.Err) || a.ReferenceRows != b.ReferenceRows || a.CurrentRows != b.CurrentRows || a.SkippedRows != b.SkippedRows {
		out = append(out, fmt.Sprintf("report: %v %d %d %d vs %v %d %d %d", a.Err, a.ReferenceRows, a.CurrentRows, a.SkippedRows, b.Err, b.ReferenceRows, b.CurrentRows, b.SkippedRows))
	}
	if len(a.Results) != len(b.Results) {
		return strings.Join(append(out, fmt.Sprintf("%d vs %d results", len(a.Results), len(b.Results))), "\n")
	}
	same := func(x, y float64) bool { return math.Float64bits(x) == math.Float64bits(y) }
	for i := range a.Results {
		x, y := a.Results[i], b.Results[i]
		if x.Feature != y.Feature || x.Method != y.Method || !same(x.Score, y.Score) || !same(x.Threshold, y.Threshold) ||
			x.Detected != y.Detected || !same(x.MissingShare, y.MissingShare) || x.RefRows != y.RefRows || x.CurRows != y.CurRows ||
			fmt.Sprint(x.Err) != fmt.Sprint(y.Err) || x.Reason != y.Reason || len(x.Bins) != len(y.Bins) {
			out = append(out, fmt.Sprintf("%s: %+v\nvs %+v", x.Feature, x, y))
			continue
		}
		for j := range x.Bins {
			if p, q := x.Bins[j], y.Bins[j]; p.Label != q.Label || !same(p.Ref, q.Ref) || !same(p.Cur, q.Cur) {
				out = append(out, fmt.Sprintf("%s bin %d: %+v vs %+v", x.Feature, j, p, q))
			}
		}
	}
	return strings.Join(out, "\n")
}

// randomDriftData is a random drift config and its files: ref.csv and
// cur1/cur2 (CSV or JSON Lines) with a time column ts over three days
// (the window, ending at 2026-11-03, is the last one).
func randomDriftData(rng *rand.Rand) (*config.Config, map[string]string) {
	numericMethods := []string{"psi", "kl", "jensen_shannon", "hellinger", "chi_square", "psi", "jensen_shannon", "ks", "wasserstein", "cramer_von_mises", "anderson_darling", "auto"}
	categoricalMethods := []string{"chi_square", "jensen_shannon", "psi", "kl", "hellinger", "auto"}
	const numCols, catCols = 5, 3
	var features []config.Feature
	add := func(col, typ, method string) {
		f := feature(fmt.Sprintf("%s_%d", col, len(features)), typ, method)
		f.Column = col
		if typ == "numeric" {
			f.Test.Bins = []int{0, 3, 10, 20}[rng.IntN(4)]
			if rng.IntN(3) == 0 {
				f.Test.Binning = "equal_width"
			}
		}
		if rng.IntN(6) == 0 {
			f.Test.Conventions = config.ConventionsEvidently
		}
		features = append(features, f)
	}
	for i := range numCols {
		for range 1 + rng.IntN(2) {
			add(fmt.Sprintf("n%d", i), "numeric", numericMethods[rng.IntN(len(numericMethods))])
		}
	}
	for i := range catCols {
		add(fmt.Sprintf("c%d", i), "categorical", categoricalMethods[rng.IntN(len(categoricalMethods))])
	}
	add("k", "numeric", "psi")                // constant: the same single value in both samples
	add("b", "categorical", "jensen_shannon") // one label in both samples
	c := testConfig(features...)
	jsonl := rng.IntN(3) == 0
	if jsonl {
		c.Current.Path = "cur*.jsonl"
	}
	infinities := rng.IntN(4) == 0
	missing := []float64{0, 0.05, 0.3}[rng.IntN(3)]
	decimals := rng.IntN(3) // few decimals: many ties
	cats := []string{"books", "home", "toys", "garden", "music", "pets"}
	cell := func(col string, cur bool) string {
		if rng.Float64() < missing {
			return []string{"", "NaN", "null"}[rng.IntN(3)]
		}
		switch {
		case col == "k":
			return "7"
		case col == "b":
			return "yes"
		case col[0] == 'c':
			n := 4
			if cur {
				n = 6 // current-only categories
			}
			return cats[rng.IntN(n)]
		}
		if infinities && rng.IntN(50) == 0 {
			return []string{"inf", "-inf"}[rng.IntN(2)]
		}
		shift := 0.0
		if cur {
			shift = 0.3 * float64(col[1]-'0')
		}
		v := rng.NormFloat64()*(1+float64(col[1]-'0')) + shift
		return strconv.FormatFloat(v, 'f', decimals, 64)
	}
	cols := []string{"ts", "k", "b"}
	for i := range numCols {
		cols = append(cols, fmt.Sprintf("n%d", i))
	}
	for i := range catCols {
		cols = append(cols, fmt.Sprintf("c%d", i))
	}
	day := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	rows := func(n int, cur bool) []map[string]string {
		var out []map[string]string
		for range n {
			r := map[string]string{}
			for _, col := range cols[1:] {
				r[col] = cell(col, cur)
			}
			if rng.IntN(20) == 0 {
				r["ts"] = ""
			} else {
				r["ts"] = day.Add(time.Duration(rng.IntN(3*86400)-86400) * time.Second).Format(time.RFC3339)
			}
			out = append(out, r)
		}
		return out
	}
	files := map[string]string{"ref.csv": csvText(cols, rows(20+rng.IntN(1500), false))}
	for _, name := range []string{"cur1", "cur2"} {
		rs := rows(rng.IntN(2500), true)
		if jsonl {
			files[name+".jsonl"] = jsonlText(rs)
		} else {
			files[name+".csv"] = csvText(cols, rs)
		}
	}
	return c, files
}

func csvText(cols []string, rows []map[string]string) string {
	var b strings.Builder
	b.WriteString(strings.Join(cols, ",") + "\n")
	for _, r := range rows {
		for i, col := range cols {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(r[col])
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// jsonlText writes each row as an object; numbers-looking cells are JSON
// numbers where JSON allows, "null" is null, the rest strings.
func jsonlText(rows []map[string]string) string {
	var b strings.Builder
	for _, r := range rows {
		obj := map[string]any{}
		for k, v := range r {
			switch f, err := strconv.ParseFloat(v, 64); {
			case v == "null":
				obj[k] = nil
			case err == nil && !math.IsInf(f, 0) && !math.IsNaN(f):
				obj[k] = json.Number(v)
			default:
				obj[k] = v
			}
		}
		line, _ := json.Marshal(obj)
		b.Write(line)
		b.WriteByte('\n')
	}
	return b.String()
}
