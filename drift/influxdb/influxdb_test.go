package influxdb

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/influxdata/line-protocol/v2/lineprotocol"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/vigil-dev/vigil/internal/extserver"
)

// oddValues are label values line protocol must escape.
// (A value ending in a backslash cannot be written at all: line
// protocol has no escape for it. TestEncodeRefusesNaN checks that it is
// refused.)
var oddValues = []string{`a b`, `a,b`, `a=b`, `a"b`, `a\b`, `ünï cödé`, `=`, `,`, `a\\ b`}

func gather(t *testing.T, labels []string) []*dto.MetricFamily {
	t.Helper()
	reg := prometheus.NewRegistry()
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "vigil_drift_score", Help: "h"}, []string{"model", "feature"})
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vigil_drift_errors_total", Help: "h"}, []string{"model"})
	reg.MustRegister(g, c)
	for i, l := range labels {
		g.WithLabelValues("m", l).Set(float64(i) + 0.125)
	}
	c.WithLabelValues("m").Add(3)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	return mfs
}

// point is one decoded line.
type point struct {
	measurement string
	tags        map[string]string
	value       float64
	at          time.Time
}

// TestEncodeRoundTrip encodes label values that need escaping and
// decodes the lines with the line-protocol library's own decoder.
func TestEncodeRoundTrip(t *testing.T) {
	at := time.Date(2026, 12, 6, 12, 0, 0, 123456789, time.UTC)
	b, err := Encode(gather(t, oddValues), at)
	if err != nil {
		t.Fatal(err)
	}
	dec := lineprotocol.NewDecoderWithBytes(b)
	var got []point
	for dec.Next() {
		m, err := dec.Measurement()
		if err != nil {
			t.Fatal(err)
		}
		p := point{measurement: string(m), tags: map[string]string{}}
		for {
			k, v, err := dec.NextTag()
			if err != nil {
				t.Fatal(err)
			}
			if k == nil {
				break
			}
			p.tags[string(k)] = string(v)
		}
		for {
			k, v, err := dec.NextField()
			if err != nil {
				t.Fatal(err)
			}
			if k == nil {
				break
			}
			if string(k) != "value" {
				t.Fatalf("field %q, want only value", k)
			}
			p.value = v.FloatV()
		}
		if p.at, err = dec.Time(lineprotocol.Nanosecond, time.Time{}); err != nil {
			t.Fatal(err)
		}
		got = append(got, p)
	}
	if len(got) != len(oddValues)+1 {
		t.Fatalf("%d points, want %d:\n%s", len(got), len(oddValues)+1, b)
	}
	seen := map[string]float64{}
	for _, p := range got {
		if !p.at.Equal(at) {
			t.Errorf("%s: time %s, want %s", p.measurement, p.at, at)
		}
		if p.measurement == "vigil_drift_errors_total" {
			if p.value != 3 || p.tags["model"] != "m" {
				t.Errorf("counter point %+v", p)
			}
			continue
		}
		seen[p.tags["feature"]] = p.value
	}
	for i, v := range oddValues {
		if seen[v] != float64(i)+0.125 {
			t.Errorf("feature %q: value %v, want %v (decoded: %v)", v, seen[v], float64(i)+0.125, seen)
		}
	}
}

// TestEncodeRefusesNaN checks that what line protocol cannot carry (a
// NaN, a tag value ending in a backslash) is an error, not a bad line.
func TestEncodeRefusesNaN(t *testing.T) {
	reg := prometheus.NewRegistry()
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "x", Help: "h"})
	reg.MustRegister(g)
	g.Set(math.NaN())
	mfs, _ := reg.Gather()
	if _, err := Encode(mfs, time.Unix(0, 0)); err == nil {
		t.Fatal("a NaN was encoded")
	}
	if _, err := Encode(gather(t, []string{`trailing\`}), time.Unix(0, 0)); err == nil {
		t.Fatal("a tag value ending in a backslash was encoded")
	}
}

func query(t *testing.T, base, db, q string) (columns []string, rows [][]any) {
	t.Helper()
	columns, rows, err := extserver.InfluxQuery(base, db, q)
	if err != nil {
		t.Fatal(err)
	}
	return columns, rows
}

// TestWriteToRealInfluxDB writes the points to Debian's InfluxDB and
// reads them back with InfluxQL: every odd tag value, every value and the
// timestamp survive; a write to a missing database is refused with
// InfluxDB's own message.
func TestWriteToRealInfluxDB(t *testing.T) {
	base := extserver.StartInfluxDB(t)
	extserver.CreateInfluxDatabase(t, base, "vigil")
	at := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	b, err := Encode(gather(t, oddValues), at)
	if err != nil {
		t.Fatal(err)
	}
	if err := Write(context.Background(), Target{URL: base, Database: "vigil"}, b); err != nil {
		t.Fatal(err)
	}
	cols, rows := query(t, base, "vigil", `SELECT "value", "feature", "model" FROM "vigil_drift_score"`)
	if len(rows) != len(oddValues) {
		t.Fatalf("%d rows read back, want %d: %v %v", len(rows), len(oddValues), cols, rows)
	}
	got := map[string]float64{}
	for _, r := range rows {
		if ts := int64(r[0].(float64)); ts != at.UnixNano() {
			t.Errorf("time %d, want %d", ts, at.UnixNano())
		}
		if r[3] != "m" {
			t.Errorf("model tag %v", r[3])
		}
		got[r[2].(string)] = r[1].(float64)
	}
	for i, v := range oddValues {
		if got[v] != float64(i)+0.125 {
			t.Errorf("feature %q: read back %v, want %v (all: %v)", v, got[v], float64(i)+0.125, got)
		}
	}

	err = Write(context.Background(), Target{URL: base, Database: "missing"}, b)
	if err == nil || !strings.Contains(err.Error(), "database not found") {
		t.Fatalf("write to a missing database: %v", err)
	}
}
