package semdiff

import (
	"strconv"

	"github.com/vigil-dev/vigil/compiler"
)

// driftSettingsName names the model-level drift settings change.
const driftSettingsName = "settings"

// driftSettings lists a model's drift evaluation settings.
func driftSettings(d *compiler.Drift) []Field {
	if d == nil {
		return nil
	}
	return nonEmpty([]Field{
		{Name: "schedule", New: d.Schedule.String()},
		{Name: "cron", New: d.Cron},
		{Name: "window", New: d.Window.String()},
		{Name: "reference", New: dataSource(d.Reference)},
		{Name: "current", New: dataSource(d.Current)},
		{Name: "correction", New: d.Correction},
		{Name: "drifting share alert", New: percent(d.ShareThreshold.String())},
		{Name: "shards", New: shards(d)},
	})
}

// shards is the number of evaluator processes of a sharded evaluation;
// empty when unsharded.
func shards(d *compiler.Drift) string {
	if !d.Sharded() {
		return ""
	}
	return strconv.Itoa(d.Shards)
}

func dataSource(s compiler.DataSource) string {
	out := s.Path
	if s.Format != "" {
		out += " (" + s.Format + ")"
	}
	if s.TimeColumn != "" {
		out += " time column " + s.TimeColumn
	}
	return out
}

func percent(s string) string {
	if s == "0" {
		return ""
	}
	return s + "%"
}

// driftTestFields lists one feature's drift test.
func driftTestFields(f *compiler.Feature) []Field {
	t := f.Test
	threshold := t.Threshold.String()
	switch {
	case t.Threshold.IsZero():
		threshold = "default of the chosen test"
	case t.ThresholdIsDefault:
		threshold += " (default)"
	}
	bins := ""
	if t.Bins > 0 {
		bins = strconv.Itoa(t.Bins)
	}
	consecutive := ""
	if t.Consecutive > 0 {
		consecutive = strconv.Itoa(t.Consecutive)
	}
	return nonEmpty([]Field{
		{Name: "test", New: t.Method},
		{Name: "threshold", New: threshold},
		{Name: "bins", New: bins},
		{Name: "binning", New: t.Binning},
		{Name: "conventions", New: t.Conventions},
		{Name: "consecutive breaches", New: consecutive},
		{Name: "severity", New: string(t.Severity)},
		{Name: "type", New: string(f.Type)},
		{Name: "column", New: f.Column},
		{Name: "critical", New: strconv.FormatBool(f.Critical)},
	})
}

func nonEmpty(f []Field) []Field {
	out := f[:0]
	for _, x := range f {
		if x.New != "" {
			out = append(out, x)
		}
	}
	return out
}

// compareDrift compares two models' drift settings and per-feature drift
// tests.
func compareDrift(base, head *compiler.Model) []Change {
	var out []Change
	var od, nd *compiler.Drift
	var of, nf []*compiler.Feature
	if base != nil {
		od, of = base.Drift, base.Features
	}
	if head != nil {
		nd, nf = head.Drift, head.Features
	}
	switch {
	case od == nil && nd != nil:
		out = append(out, Change{Kind: KindDrift, Name: driftSettingsName, Action: Added, Fields: driftSettings(nd)})
	case od != nil && nd == nil:
		out = append(out, Change{Kind: KindDrift, Name: driftSettingsName, Action: Removed, Fields: asOld(driftSettings(od))})
	case od != nil:
		if f := diffFields(driftSettings(od), driftSettings(nd)); len(f) > 0 {
			out = append(out, Change{Kind: KindDrift, Name: driftSettingsName, Action: Changed, Fields: f})
		}
	}
	name := func(f *compiler.Feature) string { return f.Name }
	o, n := byName(of, name), byName(nf, name)
	out = append(out, compareKeyed(KindDriftTest, o, n, summary(driftTestFields, 2), fieldsDiff(func(fo, fn *compiler.Feature) []Field {
		return diffFields(driftTestFields(fo), driftTestFields(fn))
	}))...)
	return out
}

// asOld moves each field's value from New to Old, for removed items.
func asOld(f []Field) []Field {
	for i := range f {
		f[i].Old, f[i].New = f[i].New, ""
	}
	return f
}
