package simulate

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"sort"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Chart renders the simulation as "svg" or "png": for an SLO, the burn
// rate per alert window (log scale) against the burn-rate thresholds, and
// the budget consumed against the tier lines; for drift scenarios, each
// drifting feature's score against its threshold. Firing intervals are
// shaded (red for critical, orange for warning, blue for info). The
// output is deterministic.
func Chart(r *Result, format string) ([]byte, error) {
	var rows [][]*plot.Plot
	if len(r.DriftThresholds) > 0 {
		rows = append(rows, []*plot.Plot{driftPlot(r)})
	}
	if r.SLO != "" && !(len(r.DriftThresholds) > 0 && r.BudgetConsumed == 0) {
		rows = append(rows, []*plot.Plot{burnPlot(r)}, []*plot.Plot{budgetPlot(r)})
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("nothing to chart: the model has no SLO and the scenario no drift")
	}
	w, h := 24*vg.Centimeter, vg.Length(len(rows))*11*vg.Centimeter
	var c draw.Canvas
	var write func() ([]byte, error)
	switch format {
	case "svg":
		sc := vgsvg.New(w, h)
		c = draw.New(sc)
		write = func() ([]byte, error) {
			var b bytes.Buffer
			_, err := sc.WriteTo(&b)
			return b.Bytes(), err
		}
	case "png":
		ic := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(96), vgimg.UseBackgroundColor(color.White))
		c = draw.New(ic)
		write = func() ([]byte, error) {
			var b bytes.Buffer
			_, err := vgimg.PngCanvas{Canvas: ic}.WriteTo(&b)
			return b.Bytes(), err
		}
	default:
		return nil, fmt.Errorf("unknown chart format %q (svg or png)", format)
	}
	tiles := draw.Tiles{Rows: len(rows), Cols: 1, PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 6,
		PadTop: vg.Millimeter * 3, PadBottom: vg.Millimeter * 3, PadLeft: vg.Millimeter * 3, PadRight: vg.Millimeter * 3}
	canvases := plot.Align(rows, tiles, c)
	for i, row := range rows {
		row[0].Draw(canvases[i][0])
	}
	return write()
}

// xval converts an offset to the chart's x unit: hours, or days for
// scenarios of three days or more.
func xval(r *Result, d Duration) float64 {
	if inDays(r) {
		return d.D().Hours() / 24
	}
	return d.D().Hours()
}

func inDays(r *Result) bool { return r.Scenario.Duration.D() >= 72*time.Hour }

var (
	lineColors = []color.Color{
		color.RGBA{31, 119, 180, 255}, color.RGBA{44, 160, 44, 255}, color.RGBA{148, 103, 189, 255},
		color.RGBA{140, 86, 75, 255}, color.RGBA{23, 190, 207, 255}, color.RGBA{127, 127, 127, 255},
	}
	thresholdColor = color.RGBA{80, 80, 80, 255}
)

func severityColor(s string) color.Color {
	switch s {
	case "critical":
		return color.NRGBA{214, 39, 40, 50}
	case "warning":
		return color.NRGBA{255, 127, 14, 50}
	}
	return color.NRGBA{31, 119, 180, 40}
}

func newPlot(r *Result, title, ylabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "hours since scenario start"
	if inDays(r) {
		p.X.Label.Text = "days since scenario start"
	}
	p.Y.Label.Text = ylabel
	p.X.Min, p.X.Max = 0, xval(r, r.Scenario.Duration)
	p.Legend.Top = true
	p.Legend.Left = true
	p.Add(plotter.NewGrid())
	return p
}

// shade marks firing intervals between ymin and ymax, and the incident
// start with a vertical line.
func shade(p *plot.Plot, r *Result, ymin, ymax float64) {
	seen := map[string]bool{}
	for _, iv := range r.Firing {
		poly, err := plotter.NewPolygon(plotter.XYs{
			{X: xval(r, iv.From), Y: ymin}, {X: xval(r, iv.To), Y: ymin}, {X: xval(r, iv.To), Y: ymax}, {X: xval(r, iv.From), Y: ymax},
		})
		if err != nil {
			continue
		}
		poly.Color = severityColor(iv.Severity)
		poly.LineStyle.Width = 0
		p.Add(poly)
		if !seen[iv.Severity] {
			seen[iv.Severity] = true
			p.Legend.Add(iv.Severity+" alert firing", poly)
		}
	}
	if r.Scenario.Incident != nil {
		x := xval(r, *r.Scenario.Incident)
		l, err := plotter.NewLine(plotter.XYs{{X: x, Y: ymin}, {X: x, Y: ymax}})
		if err == nil {
			l.Color = color.Black
			l.Dashes = []vg.Length{vg.Points(2), vg.Points(2)}
			p.Add(l)
			p.Legend.Add("incident start", l)
		}
	}
}

// addSeries draws a data line in the i-th palette colour with a legend
// entry; nil when there is nothing to draw.
func addSeries(p *plot.Plot, xys plotter.XYs, i int, label string) *plotter.Line {
	l, err := plotter.NewLine(xys)
	if err != nil {
		return nil
	}
	l.Color = lineColors[i%len(lineColors)]
	l.Width = vg.Points(1.5)
	p.Add(l)
	p.Legend.Add(label, l)
	return l
}

func hline(p *plot.Plot, r *Result, t Threshold, i int, scale float64) *plotter.Line {
	l, err := plotter.NewLine(plotter.XYs{{X: 0, Y: t.Value * scale}, {X: xval(r, r.Scenario.Duration), Y: t.Value * scale}})
	if err != nil {
		return nil
	}
	l.Color = thresholdColor
	l.Dashes = [][]vg.Length{{vg.Points(6), vg.Points(3)}, {vg.Points(2), vg.Points(2)}, {vg.Points(8), vg.Points(2), vg.Points(2), vg.Points(2)}}[i%3]
	p.Add(l)
	p.Legend.Add("threshold "+t.Label, l)
	return l
}

func burnPlot(r *Result) *plot.Plot {
	p := newPlot(r, fmt.Sprintf("%s: burn rate of SLO %s (%s over %s)", r.Scenario.Name, r.SLO, r.Objective, r.Window), "burn rate (x budget), log scale")
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	const floor = 0.01
	maxY := 1.0
	for _, t := range r.BurnThresholds {
		maxY = math.Max(maxY, t.Value)
	}
	var windows []string
	seen := map[string]bool{}
	for _, pt := range r.Points {
		for w, v := range pt.BurnRates {
			if !seen[w] {
				seen[w] = true
				windows = append(windows, w)
			}
			maxY = math.Max(maxY, v)
		}
	}
	sort.Slice(windows, func(i, j int) bool { return windowOrder(windows[i]) < windowOrder(windows[j]) })
	// Two decades of headroom keep the legend clear of the lines.
	maxY *= 300
	p.Y.Min, p.Y.Max = floor, maxY
	shade(p, r, floor, maxY)
	for i, w := range windows {
		var xys plotter.XYs
		for _, pt := range r.Points {
			if v, ok := pt.BurnRates[w]; ok {
				xys = append(xys, plotter.XY{X: xval(r, pt.At), Y: math.Max(v, floor)})
			}
		}
		if len(xys) == 0 {
			continue
		}
		addSeries(p, xys, i, "burn rate over "+w)
	}
	for i, t := range dedupe(r.BurnThresholds) {
		hline(p, r, t, i, 1)
	}
	return p
}

func budgetPlot(r *Result) *plot.Plot {
	p := newPlot(r, fmt.Sprintf("error budget of SLO %s consumed (%s window, at baseline traffic)", r.SLO, r.Window), "budget consumed (%)")
	maxY := 10.0
	for _, pt := range r.Points {
		maxY = math.Max(maxY, pt.BudgetConsumed*100)
	}
	for _, t := range r.TierThresholds {
		maxY = math.Max(maxY, t.Value*100)
	}
	maxY *= 1.6
	p.Y.Min, p.Y.Max = 0, maxY
	shade(p, r, 0, maxY)
	var xys plotter.XYs
	for _, pt := range r.Points {
		xys = append(xys, plotter.XY{X: xval(r, pt.At), Y: pt.BudgetConsumed * 100})
	}
	addSeries(p, xys, 0, "budget consumed")
	for i, t := range r.TierThresholds {
		hline(p, r, t, i, 100)
	}
	return p
}

func driftPlot(r *Result) *plot.Plot {
	p := newPlot(r, fmt.Sprintf("%s: drift scores per evaluation", r.Scenario.Name), "score")
	maxY := 0.0
	for _, pt := range r.Points {
		for _, v := range pt.Drift {
			maxY = math.Max(maxY, v)
		}
	}
	for _, t := range r.DriftThresholds {
		maxY = math.Max(maxY, t.Value)
	}
	maxY *= 1.8
	if maxY == 0 {
		maxY = 1
	}
	p.Y.Min, p.Y.Max = 0, maxY
	shade(p, r, 0, maxY)
	for i, t := range r.DriftThresholds {
		var xys plotter.XYs
		for _, pt := range r.Points {
			xys = append(xys, plotter.XY{X: xval(r, pt.At), Y: pt.Drift[t.Label]})
		}
		l := addSeries(p, xys, i, t.Label+" score")
		if tl := hline(p, r, t, i, 1); tl != nil && l != nil {
			// The threshold in its feature's colour.
			tl.Color = l.Color
		}
	}
	return p
}

// dedupe drops thresholds with a value already listed (the same factor
// for two windows), joining their labels.
func dedupe(ts []Threshold) []Threshold {
	var out []Threshold
	idx := map[float64]int{}
	for _, t := range ts {
		if i, ok := idx[t.Value]; ok {
			out[i].Label += ", " + t.Label
			continue
		}
		idx[t.Value] = len(out)
		out = append(out, t)
	}
	return out
}

func windowOrder(w string) float64 {
	var d Duration
	if err := d.UnmarshalText([]byte(w)); err != nil {
		return math.Inf(1)
	}
	return float64(d)
}
