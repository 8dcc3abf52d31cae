package data

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/parquet-go/parquet-go"
)

// localZones are time zones TestParseTime runs under as time.Local: the
// machine's, one whose offset equals a test input's (time.Parse then
// returns a time in Local), and two far from UTC. Zone-less inputs must
// still read as UTC.
var localZones = []*time.Location{
	time.Local,
	time.FixedZone("UTC+1", 3600),
	time.FixedZone("UTC+13:45", 13*3600+45*60),
	time.FixedZone("UTC-9:30", -(9*3600 + 30*60)),
}

func TestParseTime(t *testing.T) {
	defer func(l *time.Location) { time.Local = l }(time.Local)
	for _, loc := range localZones {
		time.Local = loc
		t.Run(loc.String(), testParseTime)
	}
}

func testParseTime(t *testing.T) {
	want := time.Date(2026, 11, 24, 13, 5, 0, 0, time.UTC)
	for _, s := range []string{
		"2026-11-24T13:05:00Z",
		"2026-11-24T14:05:00+01:00",
		"2026-11-24T13:05:00.000Z",
		"2026-11-24T13:05:00",
		"2026-11-24 13:05:00",
		" 1795525500 ",
		"1795525500000",
		"1795525500000000",
		"1795525500000000000",
		"1795525500.0",
	} {
		got, err := ParseTime(s)
		if err != nil {
			t.Errorf("%q: %v", s, err)
			continue
		}
		if !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("%q: got %v, want %v", s, got, want)
		}
	}
	if got, err := ParseTime("2026-11-24"); err != nil || !got.Equal(time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("date: %v, %v", got, err)
	}
	if got, err := ParseTime("1.5"); err != nil || !got.Equal(time.Unix(1, 5e8)) {
		t.Errorf("fractional seconds: %v, %v", got, err)
	}
	for _, bad := range []string{"yesterday", "2026-13-01", "NaN", "24/11/2026"} {
		if _, err := ParseTime(bad); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

// window is 2026-11-24 (UTC), one day.
var window = &Window{Column: "ts", Start: time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)}

func TestReadCSVWindow(t *testing.T) {
	src := "ts,price\n" +
		"2026-11-23T23:59:59Z,1\n" + // before
		"2026-11-24,2\n" + // start: inside
		"1795525500,3\n" + // seconds, inside
		",4\n" + // no time: skipped
		"2026-11-25T00:00:00Z,5\n" + // end: outside
		"1795525500000,\n" // milliseconds, inside, missing value
	cols, sel, err := ReadCSVWindow(strings.NewReader(src), map[string]Kind{"price": Numeric}, window)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(&Column{Kind: Numeric, Numbers: []float64{2, 3}, Missing: 1, Rows: 3}, cols["price"]); d != "" {
		t.Error(d)
	}
	if sel != (Selection{Rows: 3, Skipped: 3}) {
		t.Errorf("selection %+v", sel)
	}
	if _, _, err := ReadCSVWindow(strings.NewReader("ts,price\nsoon,1\n"), map[string]Kind{"price": Numeric}, window); err == nil || !strings.Contains(err.Error(), "line 2, time column") {
		t.Errorf("bad time: %v", err)
	}
	if _, _, err := ReadCSVWindow(strings.NewReader("price\n1\n"), map[string]Kind{"price": Numeric}, window); err == nil || !strings.Contains(err.Error(), `time column "ts"`) {
		t.Errorf("missing time column: %v", err)
	}
}

func TestReadJSONLWindow(t *testing.T) {
	src := `{"ts": "2026-11-24T10:00:00Z", "country": "DE"}
{"ts": 1795525500, "country": "FR"}
{"ts": null, "country": "IT"}
{"country": "ES"}
{"ts": "2026-11-26", "country": "PL"}
`
	cols, sel, err := ReadJSONLWindow(strings.NewReader(src), map[string]Kind{"country": Categorical}, window)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"DE", "FR"}, cols["country"].Labels); d != "" {
		t.Error(d)
	}
	if sel != (Selection{Rows: 2, Skipped: 3}) {
		t.Errorf("selection %+v", sel)
	}
}

type timedRow struct {
	TS      time.Time `parquet:"ts,timestamp(millisecond)"`
	Text    string    `parquet:"text_ts"`
	Unix    int64     `parquet:"unix_ts"`
	Price   float64   `parquet:"price"`
	Country string    `parquet:"country"`
}

func TestParquetWindow(t *testing.T) {
	day := window.Start
	var rows []timedRow
	for i := range 10 {
		ts := day.Add(time.Duration(i-3) * 6 * time.Hour) // 3 rows before, 4 inside, 3 after
		rows = append(rows, timedRow{TS: ts, Text: ts.Format(time.RFC3339), Unix: ts.UnixMilli(), Price: float64(i), Country: string(rune('A' + i))})
	}
	var buf bytes.Buffer
	if err := parquet.Write(&buf, rows, parquet.MaxRowsPerRowGroup(3)); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	for _, col := range []string{"ts", "text_ts", "unix_ts"} {
		w := *window
		w.Column = col
		p, err := OpenParquet(bytes.NewReader(b), int64(len(b)), &w)
		if err != nil {
			t.Fatalf("%s: %v", col, err)
		}
		want := Selection{Rows: 4, Skipped: 6}
		if col == "ts" {
			// Row groups of 3: [-18h -12h -6h] and [36h] lie wholly
			// outside the window by their statistics.
			want.SkippedGroups = 2
		}
		if p.Selection() != want {
			t.Errorf("%s: selection %+v, want %+v", col, p.Selection(), want)
		}
		price, err := p.Column("price", Numeric)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff([]float64{3, 4, 5, 6}, price.Numbers); d != "" {
			t.Errorf("%s: price %s", col, d)
		}
		country, err := p.Column("country", Categorical)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff([]string{"D", "E", "F", "G"}, country.Labels); d != "" {
			t.Errorf("%s: country %s", col, d)
		}
	}
	w := *window
	w.Column = "nope"
	if _, err := OpenParquet(bytes.NewReader(b), int64(len(b)), &w); err == nil || !strings.Contains(err.Error(), `time column "nope"`) {
		t.Errorf("unknown time column: %v", err)
	}
	w.Column = "price" // numbers 0..9 are Unix seconds in 1970: no row inside
	p, err := OpenParquet(bytes.NewReader(b), int64(len(b)), &w)
	if err != nil || p.Selection() != (Selection{Skipped: 10}) {
		t.Errorf("numeric time column: %+v, %v", p, err)
	}
}

type nullableTimeRow struct {
	TS    *time.Time `parquet:"ts,optional,timestamp(microsecond)"`
	Price float64    `parquet:"price"`
}

// TestParquetWindowNullTimes checks that a row group whose statistics lie
// inside the window still drops its rows without a time.
func TestParquetWindowNullTimes(t *testing.T) {
	in := window.Start.Add(time.Hour)
	rows := []nullableTimeRow{{TS: &in, Price: 1}, {TS: nil, Price: 2}, {TS: &in, Price: 3}}
	var buf bytes.Buffer
	if err := parquet.Write(&buf, rows); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	p, err := OpenParquet(bytes.NewReader(b), int64(len(b)), window)
	if err != nil {
		t.Fatal(err)
	}
	price, err := p.Column("price", Numeric)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]float64{1, 3}, price.Numbers); d != "" || p.Selection() != (Selection{Rows: 2, Skipped: 1}) {
		t.Errorf("%s %+v", d, p.Selection())
	}
}
