package ddapply

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/DataDog/datadog-api-client-go/v2/api/datadog"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/internal/ddfake"
	"github.com/vigil-dev/vigil/internal/exampletest"
	vdd "github.com/vigil-dev/vigil/targets/datadog"
)

// compileDir writes an example's Datadog artifacts into a directory.
func compileDir(t *testing.T, example string) (string, *compiler.Spec) {
	t.Helper()
	spec := exampletest.Load(t)[example]
	files, err := compiler.Generate(spec, []compiler.Target{vdd.Target{}})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for p, data := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir, spec
}

// newFake starts a fake Datadog API; the test fails on any protocol
// violation it saw.
func newFake(t *testing.T) (*ddfake.Server, *httptest.Server) {
	f := ddfake.New()
	srv := httptest.NewServer(f)
	t.Cleanup(func() {
		srv.Close()
		for _, e := range f.Errs {
			t.Error(e)
		}
	})
	return f, srv
}

func env(url string) func(string) string {
	return func(k string) string {
		return map[string]string{EnvAPIKey: ddfake.APIKey, EnvAppKey: ddfake.AppKey, EnvSite: url}[k]
	}
}

func run(t *testing.T, dir, url string, apply bool) (Result, string) {
	t.Helper()
	var out strings.Builder
	res, err := Run(context.Background(), Options{Dir: dir, Apply: apply, Out: &out, Getenv: env(url)})
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	return res, out.String()
}

func TestPlanOnlyMakesNoWrites(t *testing.T) {
	dir, _ := compileDir(t, "saas-sla")
	f, srv := newFake(t)
	res, out := run(t, dir, srv.URL, false)
	c := res.Counts()
	if c[Create] == 0 || c[Update]+c[Unchanged] != 0 {
		t.Errorf("counts %v, want only creates", c)
	}
	if len(f.Writes) != 0 {
		t.Errorf("plan wrote: %v", f.Writes)
	}
	if !strings.Contains(out, "nothing was changed") {
		t.Errorf("plan output does not say nothing changed:\n%s", out)
	}
}

func TestApplyCreatesThenUnchanged(t *testing.T) {
	for _, example := range []string{"fraud-detection", "recommendations-drift", "saas-sla"} {
		t.Run(example, func(t *testing.T) {
			dir, _ := compileDir(t, example)
			f, srv := newFake(t)
			res, _ := run(t, dir, srv.URL, true)
			c := res.Counts()
			n := c[Create]
			if n == 0 || c[Update]+c[Unchanged] != 0 {
				t.Fatalf("first apply: %v, want only creates", c)
			}
			if len(f.Writes) != n || len(f.SLOs)+len(f.Monitors)+len(f.Dashboards) != n {
				t.Fatalf("first apply: %d writes, %d objects, want %d", len(f.Writes), len(f.SLOs)+len(f.Monitors)+len(f.Dashboards), n)
			}
			// SLOs are written before the monitors that name them
			// (checkSLORefs fails otherwise).
			firstMonitor, lastSLO := -1, -1
			for i, w := range f.Writes {
				if strings.HasSuffix(w, "/slo") {
					lastSLO = i
				}
				if strings.HasSuffix(w, "/monitor") && firstMonitor < 0 {
					firstMonitor = i
				}
			}
			if firstMonitor >= 0 && lastSLO > firstMonitor {
				t.Errorf("an SLO was created after a monitor: %v", f.Writes)
			}
			for _, again := range []bool{false, true} {
				res, out := run(t, dir, srv.URL, again)
				if c := res.Counts(); c[Unchanged] != n || c[Create]+c[Update] != 0 {
					t.Errorf("second run (apply %v): %v, want %d unchanged\n%s", again, c, n, out)
				}
			}
			if len(f.Writes) != n {
				t.Errorf("second runs wrote: %v", f.Writes[n:])
			}
		})
	}
}

func TestUpdateOnlyWhatChanged(t *testing.T) {
	dir, _ := compileDir(t, "fraud-detection")
	f, srv := newFake(t)
	run(t, dir, srv.URL, true)
	writes := len(f.Writes)
	// Someone edits one monitor's message, one SLO's target and the
	// model dashboard's title in Datadog.
	var edited int64
	for id, m := range f.Monitors {
		if strings.Contains(fmt.Sprint(m["tags"]), "availabilityfastburn-1h-5m") {
			m["message"] = "edited by hand"
			edited = id
		}
	}
	var editedSLO, editedDash string
	for id, s := range f.SLOs {
		if strings.Contains(fmt.Sprint(s["tags"]), "slo/fraud-detector/availability") {
			s["thresholds"] = []any{map[string]any{"target": 99, "timeframe": "30d"}}
			editedSLO = id
		}
	}
	for id, d := range f.Dashboards {
		if d["title"] == "Card fraud detector (vigil)" {
			d["title"] = "renamed"
			editedDash = id
		}
	}
	if edited == 0 || editedSLO == "" || editedDash == "" {
		t.Fatal("missing generated objects")
	}
	res, out := run(t, dir, srv.URL, true)
	if c := res.Counts(); c[Update] != 3 {
		t.Errorf("counts %v, want 3 updates\n%s", c, out)
	}
	got := f.Writes[writes:]
	sort.Strings(got)
	want := []string{"PUT /api/v1/dashboard/" + editedDash, fmt.Sprintf("PUT /api/v1/monitor/%d", edited), "PUT /api/v1/slo/" + editedSLO}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("writes %v, want %v", got, want)
	}
	if !strings.Contains(f.Monitors[edited]["message"].(string), "Runbook:") {
		t.Error("the monitor's message was not restored")
	}
	if f.Dashboards[editedDash]["title"] != "Card fraud detector (vigil)" {
		t.Error("the dashboard's title was not restored")
	}
	if res, _ := run(t, dir, srv.URL, false); res.Counts()[Unchanged] != len(res.Steps) {
		t.Errorf("after the updates: %v, want all unchanged", res.Counts())
	}
}

func TestForeignObjectsUntouched(t *testing.T) {
	dir, spec := compileDir(t, "fraud-detection")
	f, srv := newFake(t)
	specTag := vdd.SpecTag(spec)
	sloID := vdd.SLOID("fraud-detector", "availability")
	// Foreign objects, some carrying the identity of generated ones: an
	// SLO without managed-by, a monitor of another spec, a dashboard
	// whose description has no marker, and an owned monitor the spec no
	// longer generates (stale).
	f.SLOs["f00"] = map[string]any{"id": "f00", "name": "hand-made", "type": "metric", "thresholds": []any{map[string]any{"target": 99, "timeframe": "30d"}},
		"query": map[string]any{"numerator": "sum:a{*}.as_count()", "denominator": "sum:b{*}.as_count()"}, "tags": []any{"vigil-id:" + sloID, specTag}}
	f.Monitors[1] = map[string]any{"id": 1, "name": "other spec", "type": "query alert", "query": "avg(last_5m):x{*} > 1",
		"tags": []any{vdd.ManagedTag, "vigil-spec:someone-else", "vigil-id:monitor/fraud-detector/availabilityfastburn-1h-5m"}}
	f.Monitors[2] = map[string]any{"id": 2, "name": "stale", "type": "query alert", "query": "avg(last_5m):x{*} > 1",
		"tags": []any{vdd.ManagedTag, specTag, "vigil-id:monitor/fraud-detector/gone"}}
	f.Dashboards["foreign"] = map[string]any{"id": "foreign", "title": "Card fraud detector (vigil)", "layout_type": "ordered", "widgets": []any{},
		"description": "vigil-id:" + vdd.DashboardID("fraud-detector") + " " + specTag}
	before, _ := json.Marshal([]any{f.SLOs, f.Monitors, f.Dashboards["foreign"]})

	res, out := run(t, dir, srv.URL, true)
	if c := res.Counts(); c[Update]+c[Unchanged] != 0 {
		t.Errorf("counts %v: a foreign object was taken for a generated one\n%s", c, out)
	}
	if len(res.Stale) != 1 || res.Stale[0] != "monitor/fraud-detector/gone" {
		t.Errorf("stale %v, want the one owned monitor no longer generated", res.Stale)
	}
	for _, w := range f.Writes {
		if strings.HasPrefix(w, "PUT ") || strings.HasPrefix(w, "DELETE ") {
			t.Errorf("apply wrote %s", w)
		}
	}
	after, _ := json.Marshal([]any{
		map[string]any{"f00": f.SLOs["f00"]},
		map[string]any{"1": f.Monitors[1], "2": f.Monitors[2]},
		f.Dashboards["foreign"],
	})
	var b, a any
	json.Unmarshal(before, &b)
	json.Unmarshal(after, &a)
	bs, _ := json.Marshal(b)
	as, _ := json.Marshal(a)
	if string(bs) != string(as) {
		t.Errorf("foreign objects changed:\nbefore %s\nafter  %s", bs, as)
	}
	// The generated monitors name the SLO apply created, not the
	// foreign one with the same identity tag.
	for _, m := range f.Monitors {
		if strings.Contains(m["query"].(string), `"f00"`) {
			t.Errorf("monitor %v names the foreign SLO", m["name"])
		}
	}
}

func TestMissingKeys(t *testing.T) {
	dir, _ := compileDir(t, "fraud-detection")
	for _, unset := range []string{EnvAPIKey, EnvAppKey} {
		getenv := func(k string) string {
			if k == unset {
				return ""
			}
			return env("http://127.0.0.1:1")(k)
		}
		_, err := Run(context.Background(), Options{Dir: dir, Getenv: getenv})
		if !errors.Is(err, ErrEnv) || !strings.Contains(err.Error(), unset) {
			t.Errorf("without %s: %v, want an environment error naming it", unset, err)
		}
	}
}

func TestSubset(t *testing.T) {
	var want, have any
	json.Unmarshal([]byte(`{"a":1,"tags":["x","y"],"o":{"b":[1,{"c":2}]}}`), &want)
	json.Unmarshal([]byte(`{"a":1,"id":7,"tags":["y","x"],"o":{"b":[1,{"c":2,"d":3}],"e":4}}`), &have)
	if !subset(want, have) {
		t.Error("want ⊆ have")
	}
	json.Unmarshal([]byte(`{"a":1,"tags":["y","x"],"o":{"b":[{"c":2,"d":3},1]}}`), &have)
	if subset(want, have) {
		t.Error("reordered non-string array accepted")
	}
	json.Unmarshal([]byte(`{"a":1,"tags":["x"],"o":{"b":[1,{"c":2}]}}`), &have)
	if subset(want, have) {
		t.Error("missing tag accepted")
	}
}

// TestSite resolves DD_SITE into the client's base URL.
func TestSite(t *testing.T) {
	cfg := datadog.NewConfiguration()
	for site, want := range map[string]string{
		"":                      "https://api.datadoghq.com",
		"datadoghq.eu":          "https://api.datadoghq.eu",
		"us5.datadoghq.com":     "https://api.us5.datadoghq.com",
		"http://127.0.0.1:8080": "http://127.0.0.1:8080",
	} {
		ctx, err := clientContext(context.Background(), "a", "b", site)
		if err != nil {
			t.Fatal(err)
		}
		for _, op := range []string{"v1.MonitorsApi.ListMonitors", "v1.ServiceLevelObjectivesApi.CreateSLO", "v1.DashboardsApi.UpdateDashboard"} {
			got, err := cfg.ServerURLWithContext(ctx, op)
			if err != nil || got != want {
				t.Errorf("DD_SITE=%q, %s: %q, %v; want %q", site, op, got, err, want)
			}
		}
	}
	if _, err := clientContext(context.Background(), "a", "b", "http://"); !errors.Is(err, ErrEnv) {
		t.Errorf("a URL without host: %v, want an environment error", err)
	}
}

// TestPagination: with more foreign monitors than one page holds, the
// owned ones (listed after them) are still found.
func TestPagination(t *testing.T) {
	dir, _ := compileDir(t, "fraud-detection")
	f, srv := newFake(t)
	for i := int64(1); i <= 1500; i++ {
		f.Monitors[i] = map[string]any{"id": i, "name": fmt.Sprint("foreign ", i), "type": "query alert", "query": "avg(last_5m):x{*} > 1", "tags": []any{"team:other"}}
	}
	res, _ := run(t, dir, srv.URL, true)
	n := res.Counts()[Create]
	res, out := run(t, dir, srv.URL, false)
	if c := res.Counts(); c[Unchanged] != n || c[Create] != 0 {
		t.Errorf("second run: %v, want %d unchanged\n%s", c, n, out)
	}
}

// TestAPIError: a failing API call stops apply with the response body.
func TestAPIError(t *testing.T) {
	dir, _ := compileDir(t, "fraud-detection")
	f := ddfake.New()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/monitor") {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"errors":["The value provided for parameter 'query' is invalid"]}`)
			return
		}
		f.ServeHTTP(w, r)
	}))
	defer srv.Close()
	_, err := Run(context.Background(), Options{Dir: dir, Apply: true, Getenv: env(srv.URL)})
	if err == nil || !strings.Contains(err.Error(), "parameter 'query' is invalid") || !strings.Contains(err.Error(), "create monitor") {
		t.Errorf("error %v, want the failing create and the response body", err)
	}
	if len(f.SLOs) == 0 || len(f.Monitors) != 0 {
		t.Errorf("%d SLOs and %d monitors after the failure; want the SLOs written first and no monitor", len(f.SLOs), len(f.Monitors))
	}
}
