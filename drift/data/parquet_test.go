package data

import (
	"bytes"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/parquet-go/parquet-go"
)

type row struct {
	Price   *float64 `parquet:"price,optional"`
	Country string   `parquet:"country"`
	Items   int32    `parquet:"items"`
	Flag    bool     `parquet:"flag"`
	Unused  string   `parquet:"unused"`
}

func TestReadParquet(t *testing.T) {
	p := func(f float64) *float64 { return &f }
	rows := []row{
		{Price: p(10.5), Country: "DE", Items: 3, Flag: true},
		{Price: nil, Country: "FR", Items: 1},
		{Price: p(math.NaN()), Country: "DE", Items: 2, Flag: true},
		{Price: p(7), Country: "IT", Items: 4},
	}
	var buf bytes.Buffer
	// Small row groups, so the reader must walk several.
	if err := parquet.Write(&buf, rows, parquet.MaxRowsPerRowGroup(2)); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	cols, err := ReadParquet(bytes.NewReader(b), int64(len(b)), map[string]Kind{
		"price": Numeric, "country": Categorical, "items": Numeric, "flag": Numeric,
	})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(&Column{Kind: Numeric, Numbers: []float64{10.5, 7}, Missing: 2, Rows: 4}, cols["price"]); d != "" {
		t.Errorf("price: %s", d)
	}
	if d := cmp.Diff([]string{"DE", "FR", "DE", "IT"}, cols["country"].Labels); d != "" {
		t.Errorf("country: %s", d)
	}
	if d := cmp.Diff([]float64{3, 1, 2, 4}, cols["items"].Numbers); d != "" {
		t.Errorf("items: %s", d)
	}
	if d := cmp.Diff([]float64{1, 0, 1, 0}, cols["flag"].Numbers); d != "" {
		t.Errorf("flag: %s", d)
	}
	pf, err := OpenParquet(bytes.NewReader(b), int64(len(b)), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"country", "items", "flag"} {
		counted, err := pf.ColumnSpec(name, Spec{Kind: Categorical, Count: true})
		if err != nil {
			t.Fatal(err)
		}
		labels, err := pf.Column(name, Categorical)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(labels.LabelCounts(), counted.Counts); d != "" || counted.Labels != nil || counted.Rows != 4 || counted.Missing != labels.Missing {
			t.Errorf("%s counted: %s %+v", name, d, counted)
		}
	}
	if d := cmp.Diff(map[string]int{"DE": 2, "FR": 1, "IT": 1}, mustColumn(t, pf, "country").Counts); d != "" {
		t.Errorf("country counts: %s", d)
	}
	if _, err := ReadParquet(bytes.NewReader(b), int64(len(b)), map[string]Kind{"nope": Numeric}); err == nil {
		t.Error("an unknown column must be an error")
	}
}

func mustColumn(t *testing.T, pf *ParquetFile, name string) *Column {
	t.Helper()
	c, err := pf.ColumnSpec(name, Spec{Kind: Categorical, Count: true})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
