package data

import (
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestChunkedCSVMatchesRecordReader is the differential test of the
// chunked CSV reading (chunker, one csv.Reader per chunk) against one
// encoding/csv Reader over the whole file: on random files with quoted
// fields holding commas, line breaks and doubled quotes, CRLF and LF line
// ends, blank lines, a byte-order mark, no final line break, records
// longer than a chunk, short reads, and malformed input (bare and stray quotes, an
// unclosed quote, a wrong number of fields, an unparsable number or
// time), both give the same columns (values in order, counts, bins),
// selection and error text (line numbers included).
func TestChunkedCSVMatchesRecordReader(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	defer func(s int) { chunkSize = s }(chunkSize)
	w := &Window{Column: "ts", Start: time.Unix(100, 0), End: time.Unix(400, 0)}
	errorsSeen := 0
	for seed := range uint64(400) {
		rng := rand.New(rand.NewPCG(seed, 3))
		chunkSize = []int{16, 64, 200, 1 << 12}[rng.IntN(4)]
		windowed := rng.IntN(2) == 0
		src, malformed := randomCSV(rng)
		want := map[string]Spec{
			"x": {Kind: Numeric},
			"b": {Kind: Numeric, Edges: []float64{-1, 0, 2.5}},
			"c": {Kind: Categorical},
			"d": {Kind: Categorical, Count: true},
		}
		var win *Window
		if windowed {
			win = w
		}
		// Short reads (one byte, half the asked size) and data returned
		// with io.EOF, as slow or unusual readers do.
		var in io.Reader = strings.NewReader(src)
		switch seed % 4 {
		case 1:
			in = iotest.OneByteReader(in)
		case 2:
			in = iotest.HalfReader(in)
		case 3:
			in = iotest.DataErrReader(in)
		}
		c1, s1, e1 := readCSV(in, want, win, true)
		c2, s2, e2 := readCSV(strings.NewReader(src), want, win, false)
		if fmt.Sprint(e1) != fmt.Sprint(e2) {
			t.Fatalf("seed %d: chunked error %v, record reader's %v\n%q", seed, e1, e2, src)
		}
		if e1 != nil {
			errorsSeen++
			continue
		}
		if malformed {
			t.Fatalf("seed %d: malformed input accepted:\n%q", seed, src)
		}
		if d := cmp.Diff(c2, c1); d != "" || s1 != s2 {
			t.Fatalf("seed %d: chunked differs (-records +chunks):\n%s\n%+v %+v", seed, d, s1, s2)
		}
	}
	t.Logf("%d of 400 files rejected", errorsSeen)
	if errorsSeen < 40 || errorsSeen > 360 {
		t.Fatalf("%d of 400 files rejected: the generator's mix is off", errorsSeen)
	}
}

// randomCSV is a random file with columns u (free text), ts, x, b, c, d;
// malformed reports whether a CSV syntax error was planted (unparsable
// values are planted too, but the window may skip their rows).
func randomCSV(rng *rand.Rand) (string, bool) {
	var sb strings.Builder
	if rng.IntN(4) == 0 {
		sb.WriteString("\ufeff")
	}
	eol := func() string {
		if rng.IntN(3) == 0 {
			return "\r\n"
		}
		return "\n"
	}
	sb.WriteString("u,ts,x,b,c,d" + eol())
	text := []string{"plain", "with, comma", "two\nlines", "crlf\r\ninside", `say ""hi""`, "", " spaced "}
	labels := []string{"a", "b b", "c,c", "d\nd", `e""e`}
	quote := func(s string) string {
		if strings.ContainsAny(s, ",\n\r\"") || rng.IntN(4) == 0 {
			return `"` + s + `"`
		}
		return s
	}
	rows := rng.IntN(60)
	malformed := false
	for i := range rows {
		long := ""
		if rng.IntN(30) == 0 {
			long = strings.Repeat("z", 300) // longer than small chunks
		}
		f := []string{
			quote(text[rng.IntN(len(text))] + long),
			fmt.Sprint(rng.IntN(500)),
			[]string{"1.5", "-2", "", "NaN", " 3 ", "7e-1", "true"}[rng.IntN(7)],
			fmt.Sprint(rng.IntN(7) - 3),
			quote(labels[rng.IntN(len(labels))]),
			quote(labels[rng.IntN(len(labels))]),
		}
		if rng.IntN(8) == 0 {
			f[1] = "" // no time: skipped by the window
		}
		if rng.IntN(100) == 0 {
			malformed = true
			switch rng.IntN(5) {
			case 0:
				f[0] = `bare"quote`
			case 1:
				f[0] = `"stray"quote`
			case 2:
				f = f[:5]
			case 3: // an error unless the window skips the row
				f[2] = "oops"
				malformed = false
			case 4: // an error when windowed
				f[1] = "soon"
				malformed = false
			}
		}
		if rng.IntN(10) == 0 {
			sb.WriteString(eol()) // a blank line
		}
		sb.WriteString(strings.Join(f, ","))
		if i < rows-1 || rng.IntN(2) == 0 {
			sb.WriteString(eol())
		}
	}
	if rng.IntN(100) == 0 {
		malformed = true
		sb.WriteString("\n\"unclosed,1,1,1,a,a\n")
	}
	return sb.String(), malformed
}
