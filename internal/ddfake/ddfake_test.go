package ddfake

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestRejects shows the fake's checks fail where they must: a body with
// an unknown field, a body missing a required field, an SLO reference
// left in a body, an unknown endpoint, a request without keys.
func TestRejects(t *testing.T) {
	for _, c := range []struct {
		method, path, body string
		keys               bool
	}{
		{"POST", "/api/v1/monitor", `{"query":"avg(last_5m):x{*} > 1","type":"query alert","bogus":1}`, true},
		{"POST", "/api/v1/monitor", `{"type":"query alert"}`, true},
		{"POST", "/api/v1/monitor", `{"query":"burn_rate(\"${vigil-id:slo/m/s}\").over(\"30d\").long_window(\"1h\").short_window(\"5m\") > 14.4","type":"slo alert"}`, true},
		{"POST", "/api/v1/slo", `{"name":"n","type":"metric","thresholds":[{"target":99,"timeframe":"28d"}]}`, true},
		{"DELETE", "/api/v1/monitor/1", ``, true},
		{"GET", "/api/v1/monitor", ``, false},
	} {
		f := New()
		req := httptest.NewRequest(c.method, c.path, strings.NewReader(c.body))
		if c.keys {
			req.Header.Set("DD-API-KEY", APIKey)
			req.Header.Set("DD-APPLICATION-KEY", AppKey)
		}
		rec := httptest.NewRecorder()
		f.ServeHTTP(rec, req)
		if len(f.Errs) == 0 || rec.Code == http.StatusOK {
			t.Errorf("%s %s %s: accepted (status %d)", c.method, c.path, c.body, rec.Code)
		}
	}
	// A valid monitor is accepted.
	f := New()
	req := httptest.NewRequest("POST", "/api/v1/monitor", strings.NewReader(`{"query":"avg(last_5m):x{*} > 1","type":"query alert"}`))
	req.Header.Set("DD-API-KEY", APIKey)
	req.Header.Set("DD-APPLICATION-KEY", AppKey)
	rec := httptest.NewRecorder()
	f.ServeHTTP(rec, req)
	if len(f.Errs) != 0 || rec.Code != http.StatusOK || len(f.Monitors) != 1 {
		t.Errorf("valid monitor: status %d, errors %v", rec.Code, f.Errs)
	}
}
