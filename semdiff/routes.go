package semdiff

import (
	"fmt"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// routing is a parsed Alertmanager routing fragment: every route of the
// tree keyed by its matchers (those of its ancestors included), and the
// inhibition rules as canonical one-line descriptions.
type routing struct {
	routes  map[string]map[string]any
	inhibit map[string]bool
}

// rootRoute names the top of the route tree.
const rootRoute = "(root)"

// parseRouting reads alertmanager/routes.yaml. Missing content (nil) is
// an empty routing.
func parseRouting(path string, b []byte) (routing, error) {
	r := routing{routes: map[string]map[string]any{}, inhibit: map[string]bool{}}
	if b == nil {
		return r, nil
	}
	var doc struct {
		Route        map[string]any `yaml:"route"`
		InhibitRules []struct {
			Source []string `yaml:"source_matchers"`
			Target []string `yaml:"target_matchers"`
			Equal  []string `yaml:"equal"`
		} `yaml:"inhibit_rules"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return r, fmt.Errorf("%s: %w", path, err)
	}
	if doc.Route != nil {
		r.addRoute(nil, doc.Route)
	}
	for _, ir := range doc.InhibitRules {
		s := "when " + matcherList(ir.Source) + " fires, mute " + matcherList(ir.Target)
		if len(ir.Equal) > 0 {
			s += " with equal " + strings.Join(ir.Equal, ", ")
		}
		r.inhibit[s] = true
	}
	return r, nil
}

func (r routing) addRoute(parent []string, route map[string]any) {
	matchers := append(append([]string(nil), parent...), stringList(route["matchers"])...)
	key := rootRoute
	if len(matchers) > 0 {
		key = matcherList(matchers)
	}
	settings := map[string]any{}
	for k, v := range route {
		if k != "routes" && k != "matchers" {
			settings[k] = v
		}
	}
	if _, dup := r.routes[key]; !dup {
		r.routes[key] = settings
	}
	children, _ := route["routes"].([]any)
	for _, c := range children {
		if m, ok := c.(map[string]any); ok {
			r.addRoute(matchers, m)
		}
	}
}

func stringList(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, x := range list {
		out = append(out, fmt.Sprint(x))
	}
	return out
}

// matcherList renders matchers sorted, so their order does not matter.
func matcherList(m []string) string {
	s := append([]string(nil), m...)
	sort.Strings(s)
	return "{" + strings.Join(s, ", ") + "}"
}

// compareRouting compares two routing fragments.
func compareRouting(o, n routing) []Change {
	var out []Change
	out = append(out, compareKeyed(KindRoute, o.routes, n.routes, routeFields, fieldsDiff(func(os, ns map[string]any) []Field {
		return settingFields("", os, ns)
	}))...)
	for _, rule := range unionKeys(o.inhibit, n.inhibit) {
		switch {
		case !o.inhibit[rule]:
			out = append(out, Change{Kind: KindInhibitRule, Name: rule, Action: Added})
		case !n.inhibit[rule]:
			out = append(out, Change{Kind: KindInhibitRule, Name: rule, Action: Removed})
		}
	}
	return out
}

func routeFields(settings map[string]any, old bool) []Field {
	f := []Field{{Name: "receiver", New: compactJSON(settings["receiver"])}}
	if old {
		return asOld(f)
	}
	return f
}
