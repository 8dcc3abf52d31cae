package endtoend

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/vigil-dev/vigil/internal/extserver"
	"github.com/vigil-dev/vigil/internal/ruletest"
)

// TestVmalertDryRun loads every example's and test case's generated rule
// files into Debian's vmalert with -dryRun, which parses every rule
// (fields and MetricsQL expressions) as vmalert would before running them.
func TestVmalertDryRun(t *testing.T) {
	vmalert := extserver.RequireBinary(t, "vmalert", "victoria-metrics")
	for name, dir := range specDirs(t) {
		t.Run(name, func(t *testing.T) {
			out := writeSpec(t, dir)
			files, _ := filepath.Glob(filepath.Join(out, "prometheus", "*.rules.yaml"))
			if len(files) == 0 {
				t.Skip("no rule files")
			}
			args := []string{"-dryRun", "-loggerLevel=ERROR"}
			for _, f := range files {
				args = append(args, "-rule="+f)
			}
			if b, err := exec.Command(vmalert, args...).CombinedOutput(); err != nil {
				t.Fatalf("vmalert -dryRun: %v\n%s", err, b)
			}
		})
	}
}

// vmSpec is the model of the VictoriaMetrics end-to-end test: the
// default availability SLI over model_requests_total, paging a webhook
// through Alertmanager.
const vmSpec = `package e2e
routing: {
	default_receiver: "oncall"
	group_wait:       "1s"
	group_interval:   "1s"
	receivers: oncall: {kind: "webhook", url: %q}
}
models: e2e: {
	team: "sre"
	slos: availability: {objective: 99.9, availability: {}}
}
`

// outageSeries is the input both engines get, one sample a minute: 600
// requests a minute, with a scrape gap of gap minutes (no samples, the
// counters go on) halfway through the healthy minutes, and in the last
// outage minutes a partial outage in which 2% of
// the requests fail. The gap must fire the absent-data alert in both
// engines (their staleness rules differ: Prometheus's is a 5-minute
// lookback, VictoriaMetrics' derives one from the scrape interval). The
// fast-burn page (14.4x of a 0.1% budget: 1.44% over 1h and 5m) then
// needs 1.44/2 of an hour of the outage in the 1h window, so its time to
// fire exercises the window arithmetic of both engines, not only the
// first bad sample. Missing samples are NaN.
func outageSeries(healthy, gap, outage int) map[string][]float64 {
	var ok, bad []float64
	var okN, badN float64
	for i := 0; i <= healthy+outage; i++ {
		if i > healthy/2 && i <= healthy/2+gap {
			ok, bad = append(ok, math.NaN()), append(bad, math.NaN())
		} else {
			ok, bad = append(ok, okN), append(bad, badN)
		}
		if i < healthy {
			okN += 600
		} else {
			okN += 588
			badN += 12
		}
	}
	return map[string][]float64{
		`model_requests_total{model="e2e",outcome="success"}`: ok,
		`model_requests_total{model="e2e",outcome="error"}`:   bad,
	}
}

// TestVictoriaMetricsOutage runs the generated rules of one model on
// VictoriaMetrics: it imports the outage series through VictoriaMetrics'
// import API, replays the rules over that history with vmalert -replay
// and checks that the page fires at the same time (within one evaluation
// interval) as in the Prometheus rule engine on the same series, and that
// every recording agrees at the last step (exactly, or within the
// documented differences of docs/scale.md); then it runs vmalert live against the same data with a real Alertmanager as
// its notifier and checks that the page reaches the webhook receiver.
func TestVictoriaMetricsOutage(t *testing.T) {
	vm := extserver.RequireBinary(t, "victoria-metrics", "victoria-metrics")
	vmalert := extserver.RequireBinary(t, "vmalert", "victoria-metrics")
	am := extserver.RequireBinary(t, "alertmanager", "prometheus-alertmanager", "prometheus-alertmanager")
	work := t.TempDir()

	got := make(chan string, 100)
	hook := httpServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- string(b)
	}))
	specDir := filepath.Join(work, "spec")
	os.MkdirAll(specDir, 0o755)
	if err := os.WriteFile(filepath.Join(specDir, "spec.cue"), []byte(fmt.Sprintf(vmSpec, hook+"/page")), 0o644); err != nil {
		t.Fatal(err)
	}
	out := writeSpec(t, specDir)
	rulesPath := filepath.Join(out, "prometheus", "e2e.rules.yaml")
	rules, err := os.ReadFile(rulesPath)
	if err != nil {
		t.Fatal(err)
	}

	const healthy, outage = 180, 60
	const step = time.Minute
	series := outageSeries(healthy, 30, outage)

	// The Prometheus rule engine on the series.
	var load strings.Builder
	load.WriteString("load 1m\n")
	for _, name := range slices.Sorted(maps.Keys(series)) {
		fmt.Fprintf(&load, "  %s", name)
		for _, v := range series[name] {
			if math.IsNaN(v) {
				load.WriteString(" _")
			} else {
				fmt.Fprintf(&load, " %g", v)
			}
		}
		load.WriteString("\n")
	}
	run, err := ruletest.New(load.String(), rules)
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	promFirst := map[string]time.Duration{}
	err = run.Eval(time.Duration(healthy+outage)*step, step, func(at time.Duration, f ruletest.Firing) bool {
		for _, name := range f.Names() {
			if _, ok := promFirst[name]; !ok {
				promFirst[name] = at
			}
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := promFirst["AvailabilityFastBurn"]; !ok {
		t.Fatalf("the Prometheus rule engine never fired AvailabilityFastBurn on the outage series; fired: %v", promFirst)
	}

	// The same samples in VictoriaMetrics, ending at the current minute
	// (live vmalert evaluates at the wall clock; replay at fixed steps).
	end := time.Now().Truncate(step)
	start := end.Add(-time.Duration(healthy+outage) * step)
	vmAddr := extserver.FreeAddr(t)
	extserver.Start(t, work, "victoria-metrics", vm,
		"-storageDataPath="+filepath.Join(work, "vm"),
		"-httpListenAddr="+vmAddr,
		"-search.latencyOffset=0s",
		// Prometheus's 5-minute lookback for instant selectors; see
		// docs/scale.md (without it, absent() here fires 3 minutes early).
		"-search.minStalenessInterval=5m",
		"-search.disableCache",
		"-retentionPeriod=1",
	)
	vmURL := "http://" + vmAddr
	waitHTTP(t, vmURL+"/health")
	var body bytes.Buffer
	imported := 0
	for name, vals := range series {
		metric := parseSelector(t, name)
		var vs []float64
		var ts []int64
		for i, v := range vals {
			if !math.IsNaN(v) {
				vs = append(vs, v)
				ts = append(ts, start.Add(time.Duration(i)*step).UnixMilli())
			}
		}
		imported += len(vs)
		line, _ := json.Marshal(map[string]any{"metric": metric, "values": vs, "timestamps": ts})
		body.Write(line)
		body.WriteByte('\n')
	}
	resp, err := http.Post(vmURL+"/api/v1/import", "application/json", &body)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("import: %s", resp.Status)
	}
	waitFor(t, 30*time.Second, "imported samples to become searchable", func() (bool, string) {
		n := len(exportSamples(t, vmURL, `{__name__="model_requests_total"}`))
		return n == imported, fmt.Sprintf("%d of %d samples", n, imported)
	})

	// Replay: vmalert evaluates every rule over the history at one-minute
	// steps and writes the recordings and ALERTS series back. Recording
	// rules read the recordings of the rules before them, which
	// VictoriaMetrics makes searchable only after its next in-memory
	// flush (about a second, longer under load); the writes go through
	// flushingProxy, which forces that flush before it answers, so that a
	// fixed delay between rules is enough.
	replay := exec.Command(vmalert,
		"-rule="+rulesPath,
		"-datasource.url="+vmURL,
		"-datasource.queryStep=1m",
		"-remoteWrite.url="+flushingProxy(t, vmURL),
		"-remoteWrite.flushInterval=100ms",
		"-replay.timeFrom="+start.UTC().Format(time.RFC3339),
		"-replay.timeTo="+end.UTC().Format(time.RFC3339),
		"-replay.rulesDelay=500ms",
		"-replay.disableProgressBar",
		"-evaluationInterval=1m",
		"-loggerLevel=ERROR",
	)
	if b, err := replay.CombinedOutput(); err != nil {
		t.Fatalf("vmalert -replay: %v\n%s", err, extserver.Tail(string(b), 4000))
	}
	// Every alert fires in both engines, at the same step or one apart.
	vmFirst := map[string]time.Duration{}
	waitFor(t, 30*time.Second, "the replayed ALERTS series", func() (bool, string) {
		for _, smp := range exportSamples(t, vmURL, `ALERTS{alertstate="firing"}`) {
			at := smp.at.Sub(start)
			if first, ok := vmFirst[smp.labels["alertname"]]; !ok || at < first {
				vmFirst[smp.labels["alertname"]] = at
			}
		}
		return len(vmFirst) >= len(promFirst), fmt.Sprintf("%d alerts", len(vmFirst))
	})
	for _, name := range slices.Sorted(maps.Keys(promFirst)) {
		p, v := promFirst[name], vmFirst[name]
		t.Logf("%s fires %s into the outage in the Prometheus rule engine, %s in vmalert", name, p-healthy*step, v-healthy*step)
		if d := v - p; d < -step || d > step {
			t.Errorf("vmalert fires %s at %s, the Prometheus rule engine at %s: more than one evaluation interval apart", name, v, p)
		}
	}
	if extra := slices.DeleteFunc(slices.Collect(maps.Keys(vmFirst)), func(n string) bool { _, ok := promFirst[n]; return ok }); len(extra) > 0 {
		t.Errorf("vmalert fired %v, which the Prometheus rule engine did not", extra)
	}
	// The recordings at the last step both engines evaluated.
	promRec, err := run.Stored(`{__name__=~"vigil:.+"}`)
	if err != nil {
		t.Fatal(err)
	}
	vmRec := map[string]map[time.Duration]float64{}
	for _, line := range exportValues(t, vmURL, `{__name__=~"vigil:.+"}`) {
		m := map[time.Duration]float64{}
		for i, ms := range line.Timestamps {
			m[time.UnixMilli(ms).Sub(start)] = line.Values[i]
		}
		vmRec[labels.FromMap(line.Metric).String()] = m
	}
	for _, key := range slices.Sorted(maps.Keys(promRec)) {
		samples := promRec[key]
		for i := len(samples) - 1; i >= 0; i-- {
			v, ok := vmRec[key][samples[i].At]
			if !ok {
				continue
			}
			p := samples[i].Value
			name := key[len(`{__name__="`):strings.Index(key, `",`)]
			rel := math.Abs(v-p) / math.Max(math.Abs(p), 1e-300)
			switch {
			case name == "vigil:rules_evaluation:timestamp":
				// The wall clock in vmalert, the Unix epoch in the rule engine.
			case name == "vigil:sli_error_ratio:rate2h" || strings.Contains(name, "30d") || strings.Contains(name, "budget_") && name != "vigil:slo_error_budget:ratio":
				// Windows that reach into the scrape gap (the 30-day ones
				// average 5m recordings): the engines extrapolate at its
				// edges differently.
				if rel > 0.05 {
					t.Errorf("%s: vmalert %v, Prometheus %v: %.2g apart, more than 5%%", key, v, p, rel)
				}
			case strings.HasPrefix(name, "vigil:sli_events:"):
				// Over a window longer than the history, Prometheus's rate
				// spreads the increase over the window and MetricsQL's over
				// the history (docs/scale.md); never less.
				if v < p*(1-1e-9) {
					t.Errorf("%s: vmalert %v < Prometheus %v", key, v, p)
				}
			default:
				if rel > 1e-9 {
					t.Errorf("%s: vmalert %v, Prometheus %v", key, v, p)
				}
			}
			t.Logf("%s at %s: Prometheus %v, vmalert %v", key, samples[i].At, p, v)
			break
		}
	}
	if t.Failed() {
		return
	}

	// Live: vmalert on the wall clock, notifying a real Alertmanager that
	// routes the page to the webhook.
	amAddr := extserver.FreeAddr(t)
	extserver.Start(t, work, "alertmanager", am,
		"--config.file="+filepath.Join(out, "alertmanager", "alertmanager.example.yaml"),
		"--storage.path="+filepath.Join(work, "am"),
		"--web.listen-address="+amAddr,
		"--cluster.listen-address=",
	)
	extserver.Start(t, work, "vmalert", vmalert,
		"-rule="+rulesPath,
		"-datasource.url="+vmURL,
		"-remoteWrite.url="+vmURL,
		"-remoteWrite.flushInterval=100ms",
		"-notifier.url=http://"+amAddr,
		"-evaluationInterval=2s",
		"-httpListenAddr="+extserver.FreeAddr(t),
	)
	deadline := time.After(90 * time.Second)
	for {
		select {
		case b := <-got:
			if strings.Contains(b, `"alertname":"AvailabilityFastBurn"`) && strings.Contains(b, `"status":"firing"`) {
				return
			}
		case <-deadline:
			t.Fatal("the page did not reach the webhook through vmalert and Alertmanager within 90s")
		}
	}
}

// parseSelector turns `name{a="b",c="d"}` into VictoriaMetrics' import
// label map.
func parseSelector(t *testing.T, s string) map[string]string {
	t.Helper()
	name, rest, _ := strings.Cut(s, "{")
	m := map[string]string{"__name__": name}
	for _, kv := range strings.Split(strings.TrimSuffix(rest, "}"), ",") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		m[k] = strings.Trim(v, `"`)
	}
	return m
}

// sample is one raw sample's series labels and time.
type sample struct {
	labels map[string]string
	at     time.Time
}

// exportSamples returns every raw sample matching a selector, sorted by
// time, through VictoriaMetrics' export API.
func exportSamples(t *testing.T, base, match string) []sample {
	t.Helper()
	resp, err := http.Get(base + "/api/v1/export?" + url.Values{"match[]": {match}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out []sample
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var line struct {
			Metric     map[string]string `json:"metric"`
			Timestamps []int64           `json:"timestamps"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("export: %v", err)
		}
		for _, ms := range line.Timestamps {
			out = append(out, sample{line.Metric, time.UnixMilli(ms)})
		}
	}
	slices.SortFunc(out, func(a, b sample) int { return a.at.Compare(b.at) })
	return out
}

// exportedSeries is one line of VictoriaMetrics' export API.
type exportedSeries struct {
	Metric     map[string]string `json:"metric"`
	Values     []float64         `json:"values"`
	Timestamps []int64           `json:"timestamps"`
}

func exportValues(t *testing.T, base, match string) []exportedSeries {
	t.Helper()
	resp, err := http.Get(base + "/api/v1/export?" + url.Values{"match[]": {match}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out []exportedSeries
	dec := json.NewDecoder(resp.Body)
	for dec.More() {
		var s exportedSeries
		if err := dec.Decode(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// flushingProxy returns the URL of a proxy that forwards remote writes
// to VictoriaMetrics at base and calls its /internal/force_flush before
// answering, so that what was written is searchable when vmalert hears
// back.
func flushingProxy(t *testing.T, base string) string {
	target, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(*http.Response) error {
		resp, err := http.Get(base + "/internal/force_flush")
		if err != nil {
			return err
		}
		return resp.Body.Close()
	}
	return httpServer(t, proxy)
}

// httpServer serves h on a loopback port for the rest of the test and
// returns its base URL.
func httpServer(t *testing.T, h http.Handler) string {
	t.Helper()
	addr := extserver.FreeAddr(t)
	srv := &http.Server{Addr: addr, Handler: h}
	go srv.ListenAndServe()
	t.Cleanup(func() { srv.Close() })
	return "http://" + addr
}

// waitHTTP waits until url answers 200.
func waitHTTP(t *testing.T, url string) {
	t.Helper()
	waitFor(t, 30*time.Second, url, func() (bool, string) {
		resp, err := http.Get(url)
		if err != nil {
			return false, err.Error()
		}
		resp.Body.Close()
		return resp.StatusCode == 200, resp.Status
	})
}

// waitFor polls cond every 200ms until it holds or the timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	last := ""
	for time.Now().Before(deadline) {
		ok, state := cond()
		if ok {
			return
		}
		last = state
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s (last: %s)", what, last)
}
