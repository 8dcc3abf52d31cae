package data

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
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

// addTextBefore is addText as it was before its fast path for plain
// numbers (numeric columns), the reference TestAddTextFastPath compares
// with.
func addTextBefore(c *Column, s string) error {
	c.Rows++
	if missingText(s) {
		c.Missing++
		return nil
	}
	s = strings.TrimSpace(s)
	if len(s) <= 5 {
		switch strings.ToLower(s) {
		case "true":
			c.Numbers = append(c.Numbers, 1)
			return nil
		case "false":
			c.Numbers = append(c.Numbers, 0)
			return nil
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("%q is not a number", s)
	}
	if math.IsNaN(v) {
		c.Missing++
		return nil
	}
	c.Numbers = append(c.Numbers, v)
	return nil
}

// TestAddTextFastPath: numeric cells read the same (value bits, missing,
// error) with and without addText's fast path, on chosen cells and on
// random strings over the characters numbers, booleans and missing words
// are made of.
func TestAddTextFastPath(t *testing.T) {
	cells := []string{"", "1", "-1", "+1", ".5", "5.", "-0", "1e5", "1E-5", "0x1p-2", "1_000", "0x_1p0", "-", "+", ".", "1 2", " 1", "1 ", "nan", "NaN", "-nan", "inf", "-Inf", "+infinity", "1e400", "-1e-400", "4.9e-324", "00012", "true", "False", "n/a", "None", "1.7976931348623157e308", "0.1000000000000000055511151231257827", "9007199254740993"}
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "0123456789+-.eE_xXpPinfatyINFATY \t/"
	for range 200000 {
		b := make([]byte, rng.IntN(9))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		cells = append(cells, string(b))
	}
	in := newInterner()
	for _, s := range cells {
		fast, before := &Column{Kind: Numeric}, &Column{Kind: Numeric}
		e1, e2 := fast.addText(s, in), addTextBefore(before, s)
		same := len(fast.Numbers) == len(before.Numbers) && (len(fast.Numbers) == 0 || math.Float64bits(fast.Numbers[0]) == math.Float64bits(before.Numbers[0]))
		if fmt.Sprint(e1) != fmt.Sprint(e2) || !same || fast.Missing != before.Missing || fast.Rows != before.Rows {
			t.Fatalf("%q: %+v, %v; before: %+v, %v", s, fast, e1, before, e2)
		}
	}
}
