package data

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// manyRows is a CSV whose row i has x = i, a label cycling through
// three values, every 7th x missing, and a time of i seconds; bad, when
// positive, makes that line's x unparsable.
func manyRows(n, bad int) string {
	var b strings.Builder
	b.WriteString("ts,x,c\n")
	for i := range n {
		x := fmt.Sprint(i)
		switch {
		case i+2 == bad:
			x = "oops"
		case i%7 == 3:
			x = ""
		}
		fmt.Fprintf(&b, "%d,%s,%s\n", i, x, []string{"red", "green", "blue"}[i%3])
	}
	return b.String()
}

// TestReadCSVInParallelKeepsOrder reads many batches' worth of rows on
// more workers than the machine may have cores and checks that values,
// labels, counts and the first error are those of a sequential read.
func TestReadCSVInParallelKeepsOrder(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	const n = 10*batchSize + 123
	want := map[string]Kind{"x": Numeric, "c": Categorical}
	cols, err := ReadCSV(strings.NewReader(manyRows(n, 0)), want)
	if err != nil {
		t.Fatal(err)
	}
	x, c := cols["x"], cols["c"]
	if x.Rows != n || c.Rows != n {
		t.Fatalf("rows %d and %d, want %d", x.Rows, c.Rows, n)
	}
	var wantX []float64
	for i := range n {
		if i%7 != 3 {
			wantX = append(wantX, float64(i))
		}
	}
	if x.Missing != n-len(wantX) || len(x.Numbers) != len(wantX) {
		t.Fatalf("x: %d values, %d missing; want %d, %d", len(x.Numbers), x.Missing, len(wantX), n-len(wantX))
	}
	for i, v := range wantX {
		if x.Numbers[i] != v {
			t.Fatalf("x[%d] = %v, want %v: rows out of order", i, x.Numbers[i], v)
		}
	}
	for i, l := range c.Labels {
		if want := []string{"red", "green", "blue"}[i%3]; l != want {
			t.Fatalf("c[%d] = %q, want %q", i, l, want)
		}
	}

	// A bad value late in the file, and one in each of two batches: the
	// error names the first.
	for _, bad := range []int{n - 5, 3*batchSize + 17} {
		_, err := ReadCSV(strings.NewReader(manyRows(n, bad)), want)
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("line %d,", bad)) {
			t.Errorf("bad value on line %d: %v", bad, err)
		}
	}
	src := manyRows(n, 7*batchSize) // later bad line ...
	src = strings.Replace(src, "\n4000,", "\n4000,\"", 1)
	if _, err := ReadCSV(strings.NewReader(src), want); err == nil || !strings.Contains(err.Error(), "line 4002") {
		t.Errorf("a quote error before a bad value must be reported first: %v", err)
	}

	// With a window: rows [1000s, 2000s) of the file.
	w := &Window{Column: "ts", Start: time.Unix(1000, 0), End: time.Unix(2000, 0)}
	cols, sel, err := ReadCSVWindow(strings.NewReader(manyRows(n, 0)), want, w)
	if err != nil {
		t.Fatal(err)
	}
	if sel.Rows != 1000 || sel.Skipped != n-1000 || cols["c"].Rows != 1000 || cols["c"].Labels[0] != []string{"red", "green", "blue"}[1000%3] {
		t.Fatalf("window: %+v, %d rows, first label %q", sel, cols["c"].Rows, cols["c"].Labels[0])
	}
}

// TestReadJSONLInParallelKeepsOrder is the JSON Lines counterpart, with
// blank lines (skipped, but counted in line numbers) and a late bad line.
func TestReadJSONLInParallelKeepsOrder(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	const n = 5*batchSize + 7
	var b strings.Builder
	for i := range n {
		if i%1000 == 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "{\"x\": %d, \"c\": %q}\n", i, []string{"red", "green", "blue"}[i%3])
	}
	want := map[string]Kind{"x": Numeric, "c": Categorical}
	cols, err := ReadJSONL(strings.NewReader(b.String()), want)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range cols["x"].Numbers {
		if v != float64(i) || cols["c"].Labels[i] != []string{"red", "green", "blue"}[i%3] {
			t.Fatalf("row %d: x %v, c %q: out of order", i, v, cols["c"].Labels[i])
		}
	}
	if len(cols["x"].Numbers) != n {
		t.Fatalf("%d rows, want %d", len(cols["x"].Numbers), n)
	}
	// Row 9000 is on line 9000 + 10 blank lines + 1.
	src := strings.Replace(b.String(), "{\"x\": 9000,", "{\"x\": oops,", 1)
	if _, err = ReadJSONL(strings.NewReader(src), want); err == nil || !strings.Contains(err.Error(), "line 9011:") {
		t.Fatalf("bad line: %v", err)
	}
}
