package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/vigil-dev/vigil/internal/extserver"
)

const pushSpec = `package x

models: m: {
	team: "t"
	drift: {
		reference: path: "../../ref.csv"
		current: {path: "../../cur.csv", time_column: "ts"}
	}
	features: price: {type: "numeric", test: {method: "psi", consecutive: 1}}
}
`

// TestDriftPushgateway runs `vigil drift run --pushgateway` against
// Debian's Pushgateway, scraped by Debian's Prometheus with the compiled
// rules loaded, and checks that the generated drift alert fires there,
// and that the evaluation is not reported stale.
func TestDriftPushgateway(t *testing.T) {
	pgw := extserver.RequireBinary(t, "prometheus-pushgateway", "prometheus-pushgateway", "pushgateway")

	dir, out, now := compileDriftSpec(t)

	pgwAddr := extserver.FreeAddr(t)
	extserver.Start(t, dir, "pushgateway", pgw, "--web.listen-address="+pgwAddr)
	base := extserver.StartPrometheus(t, dir, []string{filepath.Join(out, "prometheus", "m.rules.yaml")}, []string{pgwAddr})

	// The Pushgateway takes a moment to listen; drift run fails (exit 1)
	// until it does.
	var pushed bool
	var stderr strings.Builder
	for deadline := time.Now().Add(30 * time.Second); !pushed && time.Now().Before(deadline); {
		stderr.Reset()
		pushed = run(context.Background(), []string{"drift", "run", "--config", filepath.Join(out, "drift", "m.yaml"), "--pushgateway", "http://" + pgwAddr, "--at", now.Add(time.Minute).Format(time.RFC3339)}, io.Discard, &stderr) == 0
		if !pushed {
			time.Sleep(200 * time.Millisecond)
		}
	}
	if !pushed {
		t.Fatalf("drift run --pushgateway never succeeded:\n%s", stderr.String())
	}

	last := ""
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		alerts, err := extserver.Alerts(base)
		if err != nil {
			last = err.Error()
			continue
		}
		var names []string
		firing := false
		for _, a := range alerts {
			names = append(names, a.Labels["alertname"]+"/"+a.State)
			if a.Labels["alertname"] == "DriftEvaluationStale" {
				t.Fatalf("a fresh evaluation is reported stale: %v", a)
			}
			if a.Labels["alertname"] == "PriceDrift" && a.Labels["model"] == "m" && a.State == "firing" {
				firing = true
			}
		}
		if firing {
			return
		}
		last = strings.Join(names, ", ")
	}
	t.Fatalf("PriceDrift did not fire in Prometheus within 60s; alerts: %s", last)
}

// TestWithoutGroupingLabels checks that the grouping label is removed
// from pushed metrics, and that a metric labelled with another value for
// it is refused rather than exposed under the grouping's value.
func TestWithoutGroupingLabels(t *testing.T) {
	reg := prometheus.NewRegistry()
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "x"}, []string{"model", "feature"})
	reg.MustRegister(g)
	g.WithLabelValues("m", "f").Set(1)
	mfs, err := withoutGroupingLabels(reg, map[string]string{"model": "m"}).Gather()
	if err != nil {
		t.Fatal(err)
	}
	if got := mfs[0].Metric[0].Label; len(got) != 1 || got[0].GetName() != "feature" {
		t.Fatalf("labels after removing the grouping label: %v", got)
	}
	g.WithLabelValues("other", "f").Set(1)
	if _, err := withoutGroupingLabels(reg, map[string]string{"model": "m"}).Gather(); err == nil || !strings.Contains(err.Error(), `model="other"`) {
		t.Fatalf("a metric of another model was not refused: %v", err)
	}
}

// TestDriftInfluxDB runs `vigil drift run --influxdb` against Debian's
// InfluxDB and reads the drift verdict back with InfluxQL.
func TestDriftInfluxDB(t *testing.T) {
	base := extserver.StartInfluxDB(t)
	_, out, now := compileDriftSpec(t)
	var stderr strings.Builder
	extserver.CreateInfluxDatabase(t, base, "drift")
	args := []string{"drift", "run", "--config", filepath.Join(out, "drift", "m.yaml"), "--at", now.Add(time.Minute).Format(time.RFC3339)}
	// --influxdb and --influxdb-db go together.
	if code := run(context.Background(), append(args, "--influxdb", base), io.Discard, io.Discard); code != exitUsage {
		t.Fatalf("--influxdb without --influxdb-db: exit %d, want %d", code, exitUsage)
	}
	stderr.Reset()
	if code := run(context.Background(), append(args, "--influxdb", base, "--influxdb-db", "drift"), io.Discard, &stderr); code != 0 {
		t.Fatalf("drift run --influxdb: exit %d\n%s", code, stderr.String())
	}
	q := `SELECT "value" FROM "vigil_drift_detected" WHERE "model" = 'm' AND "feature" = 'price' AND "test" = 'psi'`
	_, rows, err := extserver.InfluxQuery(base, "drift", q)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 {
		t.Fatalf("%s: %v", q, rows)
	}
	if v := rows[0][1]; v != 1.0 {
		t.Fatalf("vigil_drift_detected for price read back as %v, want 1", v)
	}
	// A database that does not exist: exit 1 with InfluxDB's message.
	stderr.Reset()
	if code := run(context.Background(), append(args, "--influxdb", base, "--influxdb-db", "missing"), io.Discard, &stderr); code != exitFail || !strings.Contains(stderr.String(), "database not found") {
		t.Fatalf("write to a missing database: exit %d\n%s", code, stderr.String())
	}
}

// compileDriftSpec writes pushSpec and its data (a reference a week old,
// and current rows from the last hour, shifted so that price drifts) to
// a temporary directory and compiles it into dir/out; it returns the
// directory, the output directory and the time the data was made.
func compileDriftSpec(t *testing.T) (dir, out string, now time.Time) {
	t.Helper()
	dir = t.TempDir()
	now = time.Now().UTC()
	var ref, cur strings.Builder
	ref.WriteString("ts,price\n")
	cur.WriteString("ts,price\n")
	for i := range 200 {
		ts := now.Add(-time.Hour).Unix() + int64(i)
		fmt.Fprintf(&ref, "%d,%d\n", ts-7*86400, i%20)
		fmt.Fprintf(&cur, "%d,%d\n", ts, 15+i%20)
	}
	for name, body := range map[string]string{"spec.cue": pushSpec, "ref.csv": ref.String(), "cur.csv": cur.String()} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out = filepath.Join(dir, "out")
	var stderr strings.Builder
	if code := run(context.Background(), []string{"compile", filepath.Join(dir, "spec.cue"), "-o", out}, io.Discard, &stderr); code != 0 {
		t.Fatalf("compile: exit %d\n%s", code, stderr.String())
	}
	return dir, out, now
}
