package data

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestReadCSV(t *testing.T) {
	src := "id,price,country,flag,unused\n" +
		"1,10.5,DE,true,x\n" +
		"2,,FR,false,x\n" +
		"3,NaN,,true,x\n" +
		"4,7,DE,,x\n"
	cols, err := ReadCSV(strings.NewReader(src), map[string]Kind{"price": Numeric, "country": Categorical, "flag": Numeric})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(&Column{Kind: Numeric, Numbers: []float64{10.5, 7}, Missing: 2, Rows: 4}, cols["price"]); d != "" {
		t.Errorf("price: %s", d)
	}
	if d := cmp.Diff(&Column{Kind: Categorical, Labels: []string{"DE", "FR", "DE"}, Missing: 1, Rows: 4}, cols["country"]); d != "" {
		t.Errorf("country: %s", d)
	}
	if d := cmp.Diff([]float64{1, 0, 1}, cols["flag"].Numbers); d != "" {
		t.Errorf("flag: %s", d)
	}
	if _, ok := cols["unused"]; ok {
		t.Error("unrequested columns must not be kept")
	}
	if got := cols["price"].MissingShare(); got != 0.5 {
		t.Errorf("missing share %v, want 0.5", got)
	}
	if _, err := ReadCSV(strings.NewReader("a\n1\n"), map[string]Kind{"b": Numeric}); err == nil || !strings.Contains(err.Error(), `column "b"`) {
		t.Errorf("missing column: %v", err)
	}
	if _, err := ReadCSV(strings.NewReader("a\n1\nx\n"), map[string]Kind{"a": Numeric}); err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("bad number: %v", err)
	}
}

func TestReadJSONL(t *testing.T) {
	src := `{"price": 10.5, "country": "DE", "flag": true}
{"price": null, "country": "FR"}

{"country": 49, "flag": false, "price": "7"}
`
	cols, err := ReadJSONL(strings.NewReader(src), map[string]Kind{"price": Numeric, "country": Categorical, "flag": Numeric})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(&Column{Kind: Numeric, Numbers: []float64{10.5, 7}, Missing: 1, Rows: 3}, cols["price"]); d != "" {
		t.Errorf("price: %s", d)
	}
	if d := cmp.Diff([]string{"DE", "FR", "49"}, cols["country"].Labels); d != "" {
		t.Errorf("country: %s", d)
	}
	if c := cols["flag"]; c.Missing != 1 || len(c.Numbers) != 2 {
		t.Errorf("flag: %+v", c)
	}
	if _, err := ReadJSONL(strings.NewReader("{\"a\": 1}\n{oops\n"), map[string]Kind{"a": Numeric}); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("bad line: %v", err)
	}
}
