// Package targets registers vigil's output targets. Each target lives in
// its own sub-package and turns the compiler's IR into artifacts.
package targets

import (
	"fmt"
	"sort"
	"strings"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/targets/alertmanager"
	"github.com/vigil-dev/vigil/targets/datadog"
	"github.com/vigil-dev/vigil/targets/drift"
	"github.com/vigil-dev/vigil/targets/grafana"
	"github.com/vigil-dev/vigil/targets/instrument"
	"github.com/vigil-dev/vigil/targets/prometheus"
	"github.com/vigil-dev/vigil/targets/resolved"
	"github.com/vigil-dev/vigil/targets/runbook"
)

// All returns the targets compile writes by default, in --target name
// order. Opt-in targets (OptIn) are not among them.
func All() []compiler.Target {
	all := []compiler.Target{
		alertmanager.Target{},
		drift.Target{},
		grafana.Target{},
		prometheus.Target{},
		resolved.Target{},
		runbook.Target{},
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Name() < all[j].Name() })
	return all
}

// OptIn returns the targets compile writes only when --target names
// them: the Datadog target, for teams that run Datadog instead of
// Prometheus, and the instrumentation configs, whose files belong with
// the service rather than the monitoring output.
func OptIn() []compiler.Target {
	return []compiler.Target{datadog.Target{}, instrument.Target{}}
}

// Names returns the registered target names, default and opt-in,
// sorted.
func Names() []string {
	var names []string
	for _, t := range append(All(), OptIn()...) {
		names = append(names, t.Name())
	}
	sort.Strings(names)
	return names
}

// Select returns the targets with the given names, or the default
// targets (All) when names is empty.
func Select(names []string) ([]compiler.Target, error) {
	if len(names) == 0 {
		return All(), nil
	}
	byName := map[string]compiler.Target{}
	for _, t := range append(All(), OptIn()...) {
		byName[t.Name()] = t
	}
	var out []compiler.Target
	seen := map[string]bool{}
	for _, n := range names {
		t, ok := byName[n]
		if !ok {
			return nil, fmt.Errorf("unknown target %q (known: %s)", n, strings.Join(Names(), ", "))
		}
		if !seen[n] {
			out = append(out, t)
			seen[n] = true
		}
	}
	return out, nil
}
