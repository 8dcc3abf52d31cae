// Package ddfake is a fake Datadog API for tests of `vigil apply
// datadog`: it serves the few endpoints apply uses (list, create and
// update of SLOs, monitors and dashboards, and reading a dashboard),
// decodes every request body strictly with the official client's own
// types (internal/ddstrict), and records the writes.
package ddfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/DataDog/datadog-api-client-go/v2/api/datadogV1"

	"github.com/vigil-dev/vigil/internal/ddstrict"
	vdd "github.com/vigil-dev/vigil/targets/datadog"
)

// Server is a Datadog API server for the endpoints `vigil apply datadog`
// uses. Every
// request body is decoded strictly with the client's own types
// (ddstrict). It does not filter lists by tag (a real server does), so
// the tests see apply's own ownership checks at work.
// Objects are kept as generic JSON; lock Mu to read or change them
// while the server runs.
type Server struct {
	Mu         sync.Mutex
	SLOs       map[string]map[string]any
	Monitors   map[int64]map[string]any
	Dashboards map[string]map[string]any
	// Writes are the non-GET requests, "METHOD path".
	Writes []string
	// Errs are the protocol violations seen (a body that does not decode
	// strictly, an unknown endpoint, a missing key, an SLO reference
	// left in a body or naming no SLO).
	Errs []string
	next int
}

// APIKey and AppKey are the keys the server accepts.
const (
	APIKey = "api-key"
	AppKey = "app-key"
)

// New returns an empty server.
func New() *Server {
	return &Server{SLOs: map[string]map[string]any{}, Monitors: map[int64]map[string]any{}, Dashboards: map[string]map[string]any{}, next: 1000}
}

func (f *Server) errorf(format string, args ...any) {
	f.Errs = append(f.Errs, fmt.Sprintf(format, args...))
}

// decodeInto strictly decodes a request body with the client's type T
// and returns it as generic JSON.
func decodeInto[T any](f *Server, r *http.Request) (map[string]any, bool) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		f.errorf("%v", err)
		return nil, false
	}
	if _, err := ddstrict.Decode[T](data); err != nil {
		f.errorf("%s %s: body does not decode strictly: %v", r.Method, r.URL.Path, err)
		return nil, false
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		f.errorf("%v", err)
		return nil, false
	}
	if strings.Contains(string(data), "${"+vdd.IDTagKey+":") {
		f.errorf("%s %s: body still holds an SLO reference", r.Method, r.URL.Path)
		return nil, false
	}
	return m, true
}

func (f *Server) id() int { f.next++; return f.next }

func reply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func intParam(r *http.Request, name string, def int) int {
	if v := r.URL.Query().Get(name); v != "" {
		n, _ := strconv.Atoi(v)
		return n
	}
	return def
}

func page[T any](items []T, start, n int) []T {
	if start > len(items) {
		return []T{}
	}
	return items[start:min(start+n, len(items))]
}

// ServeHTTP implements http.Handler.
func (f *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	if r.Header.Get("DD-API-KEY") != APIKey || r.Header.Get("DD-APPLICATION-KEY") != AppKey {
		f.errorf("%s %s: missing keys", r.Method, r.URL.Path)
		w.WriteHeader(http.StatusForbidden)
		return
	}
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/api/v1/"), "/")
	route := r.Method + " " + parts[0]
	if len(parts) == 2 {
		route += "/{id}"
	}
	if r.Method != http.MethodGet {
		f.Writes = append(f.Writes, r.Method+" "+r.URL.Path)
	}
	switch route {
	case "GET slo":
		ids := sortedKeys(f.SLOs)
		var data []any
		for _, id := range page(ids, intParam(r, "offset", 0), intParam(r, "limit", 1000)) {
			data = append(data, f.SLOs[id])
		}
		reply(w, map[string]any{"data": data})
	case "POST slo":
		if m, ok := decodeInto[datadogV1.ServiceLevelObjectiveRequest](f, r); ok {
			id := fmt.Sprintf("%032x", f.id())
			m["id"] = id
			f.SLOs[id] = m
			reply(w, map[string]any{"data": []any{m}})
			return
		}
		w.WriteHeader(http.StatusBadRequest)
	case "PUT slo/{id}":
		id := parts[1]
		if _, exists := f.SLOs[id]; !exists {
			f.errorf("PUT of unknown SLO %s", id)
		}
		if m, ok := decodeInto[datadogV1.ServiceLevelObjective](f, r); ok {
			m["id"] = id
			f.SLOs[id] = m
			reply(w, map[string]any{"data": []any{m}})
			return
		}
		w.WriteHeader(http.StatusBadRequest)
	case "GET monitor":
		var ids []int64
		for id := range f.Monitors {
			ids = append(ids, id)
		}
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		size := intParam(r, "page_size", 100)
		list := []any{}
		for _, id := range page(ids, intParam(r, "page", 0)*size, size) {
			list = append(list, f.Monitors[id])
		}
		reply(w, list)
	case "POST monitor", "PUT monitor/{id}":
		var m map[string]any
		var ok bool
		var id int64
		if r.Method == http.MethodPost {
			m, ok = decodeInto[datadogV1.Monitor](f, r)
			id = int64(f.id())
		} else {
			m, ok = decodeInto[datadogV1.MonitorUpdateRequest](f, r)
			id, _ = strconv.ParseInt(parts[1], 10, 64)
			if _, exists := f.Monitors[id]; !exists {
				f.errorf("PUT of unknown monitor %d", id)
			}
		}
		if !ok || !f.checkSLORefs(r, m) {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		m["id"] = id
		f.Monitors[id] = m
		reply(w, m)
	case "GET dashboard":
		var list []any
		for _, id := range page(sortedKeys(f.Dashboards), intParam(r, "start", 0), intParam(r, "count", 100)) {
			d := f.Dashboards[id]
			list = append(list, map[string]any{"id": id, "title": d["title"], "description": d["description"], "layout_type": d["layout_type"]})
		}
		reply(w, map[string]any{"dashboards": list})
	case "GET dashboard/{id}":
		d, ok := f.Dashboards[parts[1]]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		reply(w, d)
	case "POST dashboard", "PUT dashboard/{id}":
		m, ok := decodeInto[datadogV1.Dashboard](f, r)
		if !ok || !f.checkSLORefs(r, m) {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		id := fmt.Sprintf("abc-%03d-xyz", f.id()%1000)
		if r.Method == http.MethodPut {
			id = parts[1]
			if _, exists := f.Dashboards[id]; !exists {
				f.errorf("PUT of unknown dashboard %s", id)
			}
		}
		m["id"] = id
		f.Dashboards[id] = m
		reply(w, m)
	default:
		f.errorf("unexpected request %s %s", r.Method, r.URL)
		w.WriteHeader(http.StatusNotFound)
	}
}

var sloIDRef = regexp.MustCompile(`(?:burn_rate|error_budget)\("([^"]*)"\)|"slo_id":"([^"]*)"`)

// checkSLORefs requires every SLO a monitor or dashboard names to exist.
func (f *Server) checkSLORefs(r *http.Request, m map[string]any) bool {
	raw, _ := json.Marshal(m)
	ok := true
	for _, g := range sloIDRef.FindAllStringSubmatch(string(raw), -1) {
		id := g[1] + g[2]
		if _, exists := f.SLOs[id]; !exists {
			f.errorf("%s %s names SLO %q, which does not exist", r.Method, r.URL.Path, id)
			ok = false
		}
	}
	return ok
}

func sortedKeys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
