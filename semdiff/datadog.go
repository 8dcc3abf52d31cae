package semdiff

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Datadog objects (written by `vigil compile --target datadog`, compared
// when diff generates them): each model's SLOs, monitors and dashboard,
// and the fleet dashboard, keyed by their vigil-id (a tag; dashboards
// carry it in their description's marker line). A changed object lists
// the JSON paths whose values differ, such as query or
// options.thresholds.critical; tags compare as sets.

const ddFleetPath = "datadog/dashboards/fleet.json"

func ddPaths(model string) []string {
	return []string{"datadog/slos/" + model + ".json", "datadog/monitors/" + model + ".json", "datadog/dashboards/" + model + ".json"}
}

// ddObjects reads the Datadog objects in the files at paths, by
// vigil-id, as flattened JSON (path → value).
func ddObjects(files map[string][]byte, paths ...string) (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	for _, p := range paths {
		data, ok := files[p]
		if !ok {
			continue
		}
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		list, ok := v.([]any)
		if !ok {
			list = []any{v}
		}
		for i, o := range list {
			obj, _ := o.(map[string]any)
			id := ddID(obj)
			if id == "" {
				id = fmt.Sprintf("%s[%d]", p, i)
			}
			flat := map[string]string{}
			ddFlatten("", obj, flat)
			out[id] = flat
		}
	}
	return out, nil
}

// ddID is an object's vigil-id.
func ddID(obj map[string]any) string {
	if tags, ok := obj["tags"].([]any); ok {
		for _, t := range tags {
			if s, ok := t.(string); ok && strings.HasPrefix(s, "vigil-id:") {
				return strings.TrimPrefix(s, "vigil-id:")
			}
		}
	}
	desc, _ := obj["description"].(string)
	for _, f := range strings.Fields(desc) {
		if strings.HasPrefix(f, "vigil-id:") {
			return strings.TrimPrefix(f, "vigil-id:")
		}
	}
	return ""
}

func ddFlatten(path string, v any, out map[string]string) {
	join := func(k string) string {
		if path == "" {
			return k
		}
		return path + "." + k
	}
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			ddFlatten(join(k), e, out)
		}
	case []any:
		strs := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok {
				strs = append(strs, s)
			}
		}
		if len(strs) == len(x) {
			sort.Strings(strs)
			out[path] = strings.Join(strs, ", ")
			return
		}
		for i, e := range x {
			ddFlatten(fmt.Sprintf("%s[%d]", path, i), e, out)
		}
	default:
		b, _ := json.Marshal(x)
		s := string(b)
		if str, ok := x.(string); ok {
			s = str
		}
		out[path] = s
	}
}

// ddSummaryKeys describe an added or removed object.
var ddSummaryKeys = []string{"name", "title", "query", "query.numerator", "query.denominator", "thresholds[0].target", "thresholds[0].timeframe", "options.thresholds.critical"}

func ddFields(flat map[string]string) []Field {
	var f []Field
	for _, k := range ddSummaryKeys {
		if v, ok := flat[k]; ok {
			f = append(f, Field{Name: k, New: v})
		}
	}
	return f
}

func ddDiff(o, n map[string]string) []Field {
	var f []Field
	for _, k := range unionKeys(o, n) {
		if o[k] != n[k] {
			f = append(f, Field{Name: k, Old: o[k], New: n[k]})
		}
	}
	return f
}

// compareDatadog compares the Datadog objects in paths.
func compareDatadog(of, nf map[string][]byte, covered map[string]bool, paths ...string) ([]Change, error) {
	for _, p := range paths {
		covered[p] = true
	}
	o, err := ddObjects(of, paths...)
	if err != nil {
		return nil, err
	}
	n, err := ddObjects(nf, paths...)
	if err != nil {
		return nil, err
	}
	return compareKeyed(KindDatadog, o, n, summary(ddFields, 4), fieldsDiff(ddDiff)), nil
}
