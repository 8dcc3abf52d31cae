// Package extserver starts the external servers end-to-end tests run
// against (Debian's Prometheus, Alertmanager, Pushgateway,
// VictoriaMetrics): it finds their binaries, skipping the test when one
// is missing except under CI (CI=true), and runs them for the rest of a
// test. It is imported only by tests.
package extserver

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/vigil-dev/vigil/internal/promserver"
)

// RequireBinary returns the path of an external tool (name or one of its
// aliases), skipping the test when it is missing, except under CI
// (CI=true), where a skipped end-to-end check would hide a broken
// pipeline. pkg is the Debian package that installs it.
func RequireBinary(t testing.TB, name, pkg string, aliases ...string) string {
	t.Helper()
	for _, n := range append([]string{name}, aliases...) {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s not found on PATH; CI must install it (apt-get install -y %s)", name, pkg)
	}
	t.Skipf("%s not found on PATH; install it with `apt-get install -y %s` to run this test", name, pkg)
	return ""
}

// FreeAddr returns a loopback address with a port that was free a
// moment ago.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Start runs an external server for the rest of the test (at most three
// minutes), logging to work/<name>.log, whose tail is printed if the
// test fails.
func Start(t testing.TB, work, name, bin string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	cmd := exec.CommandContext(ctx, bin, args...)
	logPath := filepath.Join(work, name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		cancel()
		logFile.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			t.Logf("%s log:\n%s", name, Tail(string(b), 4000))
		}
	})
}

// GetJSON decodes the JSON body of a GET of url into v; a status other
// than 200 is an error.
func GetJSON(url string, v any) error {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// Tail returns the last n bytes of s.
func Tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

// Alert is one alert of Prometheus's /api/v1/alerts.
type Alert struct {
	Labels map[string]string `json:"labels"`
	State  string            `json:"state"`
}

// Alerts returns the alerts a Prometheus server at base (http://host:port)
// holds.
func Alerts(base string) ([]Alert, error) {
	var alerts struct {
		Data struct {
			Alerts []Alert `json:"alerts"`
		} `json:"data"`
	}
	err := GetJSON(base+"/api/v1/alerts", &alerts)
	return alerts.Data.Alerts, err
}

// StartPrometheus starts Debian's Prometheus server (internal/promserver)
// in work with the rule files, scraping the targets (host:port) and
// evaluating the rules every second, for the rest of the test, and
// returns its base URL once every target has been scraped. It skips the
// test without the binary, except under CI.
func StartPrometheus(t testing.TB, work string, ruleFiles, targets []string) string {
	t.Helper()
	RequireBinary(t, "prometheus", "prometheus")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := promserver.Start(ctx, promserver.Config{Dir: work, Targets: targets, RuleFiles: ruleFiles})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("prometheus log:\n%s", s.Log())
		}
		s.Stop()
	})
	return s.URL
}

// StartInfluxDB runs Debian's influxd on loopback and returns its URL.
func StartInfluxDB(t testing.TB) string {
	t.Helper()
	bin := RequireBinary(t, "influxd", "influxdb")
	work := t.TempDir()
	addr := FreeAddr(t)
	cfg := fmt.Sprintf(`reporting-disabled = true
bind-address = %q
[meta]
  dir = %q
[data]
  dir = %q
  wal-dir = %q
[http]
  bind-address = %q
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
`, FreeAddr(t), filepath.Join(work, "meta"), filepath.Join(work, "data"), filepath.Join(work, "wal"), addr)
	cfgFile := filepath.Join(work, "influxdb.conf")
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	Start(t, work, "influxd", bin, "-config", cfgFile)
	base := "http://" + addr
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		resp, err := http.Get(base + "/ping")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusNoContent {
				return base
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("influxd did not answer /ping: %v", err)
		}
	}
}

// CreateInfluxDatabase creates database name on the InfluxDB server at
// base and returns once SHOW DATABASES lists it. influxd answers /ping
// before its meta store takes statements, so a statement that fails is
// retried until a 30-second deadline; an error in the response fails the
// test then, with InfluxDB's own message.
func CreateInfluxDatabase(t testing.TB, base, name string) {
	t.Helper()
	var last string
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if _, _, err := InfluxQuery(base, "", "CREATE DATABASE "+name); err != nil {
			last = err.Error()
		} else if _, rows, err := InfluxQuery(base, "", "SHOW DATABASES"); err != nil {
			last = err.Error()
		} else if slices.ContainsFunc(rows, func(r []any) bool { return len(r) > 0 && r[0] == name }) {
			return
		} else {
			last = fmt.Sprintf("SHOW DATABASES lists %v", rows)
		}
		if time.Now().After(deadline) {
			t.Fatalf("InfluxDB did not create database %q within 30s: %s", name, last)
		}
	}
}

// InfluxQuery posts an InfluxQL statement to the InfluxDB server at base
// (POST: InfluxDB 1.x refuses statements that write by GET), in database
// db (none when empty), with times as epoch nanoseconds, and returns the
// columns and rows of the first series (none when the result is empty),
// or the statement's error.
func InfluxQuery(base, db, q string) (columns []string, rows [][]any, err error) {
	v := url.Values{"q": {q}, "epoch": {"ns"}}
	if db != "" {
		v.Set("db", db)
	}
	resp, err := http.Post(base+"/query?"+v.Encode(), "", nil)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	var res struct {
		Error   string `json:"error"`
		Results []struct {
			Error  string `json:"error"`
			Series []struct {
				Columns []string `json:"columns"`
				Values  [][]any  `json:"values"`
			} `json:"series"`
		} `json:"results"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		return nil, nil, fmt.Errorf("%s: HTTP %d: %v", q, resp.StatusCode, err)
	}
	switch {
	case res.Error != "":
		return nil, nil, fmt.Errorf("%s: %s", q, res.Error)
	case len(res.Results) == 0:
		return nil, nil, fmt.Errorf("%s: no result (HTTP %d)", q, resp.StatusCode)
	case res.Results[0].Error != "":
		return nil, nil, fmt.Errorf("%s: %s", q, res.Results[0].Error)
	case len(res.Results[0].Series) == 0:
		return nil, nil, nil
	}
	return res.Results[0].Series[0].Columns, res.Results[0].Series[0].Values, nil
}
