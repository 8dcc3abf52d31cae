// Package promsamples flattens what a Prometheus client registry exposes
// into series selectors and values, for tests that compare exported
// metrics.
package promsamples

import (
	"fmt"
	"sort"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// Gather returns every gauge and counter sample of g, keyed by its series
// selector with sorted labels, e.g. `vigil_drift_score{feature="age",model="m"}`.
func Gather(g prometheus.Gatherer) (map[string]float64, error) {
	fams, err := g.Gather()
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, f := range fams {
		for _, m := range f.GetMetric() {
			ls := make([]string, 0, len(m.GetLabel()))
			for _, l := range m.GetLabel() {
				ls = append(ls, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			sort.Strings(ls)
			v := m.GetGauge().GetValue()
			if m.Counter != nil {
				v = m.GetCounter().GetValue()
			}
			out[f.GetName()+"{"+strings.Join(ls, ",")+"}"] = v
		}
	}
	return out, nil
}
