package simulate

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"sort"
	"strconv"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/vigil-dev/vigil/compiler"
)

// Chart renders the simulation as "svg" or "png": for an SLO, the burn
// rate per alert window (log scale) against the burn-rate thresholds, and
// the budget consumed (vigil:slo_budget_consumed:ratio, what the budget
// tiers compare) against the tier lines; for drift scenarios, each
// drifting feature's score against its threshold. Firing intervals are
// shaded (red for critical, orange for warning, blue for info). Each
// panel's legend sits to the right of its plot area, and the time axis is
// marked in minutes, hours or days since the scenario start, as suits
// the scenario's length. The output is deterministic.
func Chart(r *Result, format string) ([]byte, error) {
	var rows [][]*plot.Plot
	if len(r.DriftThresholds) > 0 {
		rows = append(rows, []*plot.Plot{driftPlot(r)})
	}
	if r.SLO != "" && (len(r.DriftThresholds) == 0 || r.BudgetConsumed != nil && *r.BudgetConsumed > 0) {
		rows = append(rows, []*plot.Plot{burnPlot(r)}, []*plot.Plot{budgetPlot(r)})
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("nothing to chart: the model has no SLO and the scenario no drift")
	}
	// The legends are drawn beside the plots, not inside them: take them
	// out of the plots and make room for the widest.
	legends := make([]plot.Legend, len(rows))
	var legendW vg.Length
	for i, row := range rows {
		legends[i] = row[0].Legend
		row[0].Legend = plot.NewLegend()
		legendW = max(legendW, legends[i].Rectangle(draw.Canvas{}).Size().X)
	}
	const pad = 4 * vg.Millimeter
	w, h := 20*vg.Centimeter+legendW+2*pad, vg.Length(len(rows))*11*vg.Centimeter
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
	plots := draw.Crop(c, 0, -(legendW + 2*pad), 0, 0)
	canvases := plot.Align(rows, tiles, plots)
	for i, row := range rows {
		row[0].Draw(canvases[i][0])
		// The legend's top at the top of the plot area.
		data := row[0].DataCanvas(canvases[i][0])
		lc := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: plots.Max.X + pad, Y: canvases[i][0].Min.Y},
			Max: vg.Point{X: c.Max.X - pad, Y: data.Max.Y},
		}}
		legends[i].Top, legends[i].Left = true, true
		legends[i].Draw(lc)
	}
	return write()
}

// xval converts an offset to the chart's x unit, hours.
func xval(d Duration) float64 { return d.D().Hours() }

// timeTicks marks the time axis (hours since the scenario start) every
// 5 minutes up to every week, at most eight labelled ticks with minor
// ticks between them, labelled as vigil writes durations (30m, 1h30m, 2d).
func timeTicks(lo, hi float64) []plot.Tick {
	span := (hi - lo) * 60                 // minutes
	steps := []struct{ major, minor int }{ // minutes
		{5, 1}, {10, 5}, {15, 5}, {30, 10}, {60, 15}, {120, 30}, {180, 60}, {360, 60},
		{720, 180}, {1440, 360}, {2880, 720}, {4320, 1440}, {10080, 1440}, {20160, 10080},
	}
	step := steps[len(steps)-1]
	for _, s := range steps {
		if span/float64(s.major) <= 8 {
			step = s
			break
		}
	}
	var out []plot.Tick
	for k := int(math.Ceil(lo * 60 / float64(step.minor))); float64(k*step.minor) <= hi*60+1e-9; k++ {
		m := k * step.minor
		t := plot.Tick{Value: float64(m) / 60}
		if m%step.major == 0 {
			t.Label = "0"
			if m != 0 {
				t.Label = compiler.FormatDuration(time.Duration(m) * time.Minute)
			}
		}
		out = append(out, t)
	}
	return out
}

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
	p.X.Label.Text = "time since the scenario start"
	p.X.Tick.Marker = plot.TickerFunc(timeTicks)
	p.Y.Label.Text = ylabel
	p.X.Min, p.X.Max = 0, xval(r.Scenario.Duration)
	p.Add(plotter.NewGrid())
	return p
}

// shade marks firing intervals between ymin and ymax, and the incident
// start with a vertical line.
func shade(p *plot.Plot, r *Result, ymin, ymax float64) {
	seen := map[string]bool{}
	for _, iv := range r.Firing {
		poly, err := plotter.NewPolygon(plotter.XYs{
			{X: xval(iv.From), Y: ymin}, {X: xval(iv.To), Y: ymin}, {X: xval(iv.To), Y: ymax}, {X: xval(iv.From), Y: ymax},
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
		x := xval(*r.Scenario.Incident)
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

// hline draws threshold t as a dashed line at height y.
func hline(p *plot.Plot, r *Result, t Threshold, i int, y float64) *plotter.Line {
	l, err := plotter.NewLine(plotter.XYs{{X: 0, Y: y}, {X: xval(r.Scenario.Duration), Y: y}})
	if err != nil {
		return nil
	}
	l.Color = thresholdColor
	l.Dashes = [][]vg.Length{{vg.Points(6), vg.Points(3)}, {vg.Points(2), vg.Points(2)}, {vg.Points(8), vg.Points(2), vg.Points(2), vg.Points(2)}}[i%3]
	p.Add(l)
	p.Legend.Add("threshold "+t.Label, l)
	return l
}

// burnPlot draws burn rates on a logarithmic axis, as log10 of the rate
// on a linear axis with ticks at powers of ten (gonum's log scale
// misplaces the axis label's room and pads the plot's top).
func burnPlot(r *Result) *plot.Plot {
	p := newPlot(r, fmt.Sprintf("%s: burn rate of SLO %s (%s over %s)", r.Scenario.Name, r.SLO, r.Objective, r.Window), "burn rate (x budget), log scale")
	p.Y.Tick.Marker = plot.TickerFunc(powerTicks)
	const floor = -2 // 0.01
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
	// Some headroom, up to a power of ten.
	top := math.Ceil(math.Log10(maxY * 1.5))
	p.Y.Min, p.Y.Max = floor, top
	shade(p, r, floor, top)
	for i, w := range windows {
		var xys plotter.XYs
		for _, pt := range r.Points {
			if v, ok := pt.BurnRates[w]; ok {
				xys = append(xys, plotter.XY{X: xval(pt.At), Y: math.Max(math.Log10(v), floor)})
			}
		}
		if len(xys) == 0 {
			continue
		}
		addSeries(p, xys, i, "burn rate over "+w)
	}
	for i, t := range dedupe(r.BurnThresholds) {
		hline(p, r, t, i, math.Log10(t.Value))
	}
	return p
}

// powerTicks marks a log10 axis: 10^k at every integer k, minor ticks at
// 2..9 times that.
func powerTicks(lo, hi float64) []plot.Tick {
	var out []plot.Tick
	for k := math.Floor(lo); k <= hi; k++ {
		if k >= lo {
			out = append(out, plot.Tick{Value: k, Label: strconv.FormatFloat(math.Pow(10, k), 'f', -1, 64)})
		}
		for i := 2.0; i < 10; i++ {
			if v := k + math.Log10(i); v >= lo && v <= hi {
				out = append(out, plot.Tick{Value: v})
			}
		}
	}
	return out
}

func budgetPlot(r *Result) *plot.Plot {
	p := newPlot(r, fmt.Sprintf("error budget of SLO %s consumed (%s window), as the budget tiers read it", r.SLO, r.Window), "budget consumed (%)")
	maxY := 10.0
	var xys plotter.XYs
	for _, pt := range r.Points {
		if pt.BudgetConsumed != nil {
			xys = append(xys, plotter.XY{X: xval(pt.At), Y: *pt.BudgetConsumed * 100})
			maxY = math.Max(maxY, *pt.BudgetConsumed*100)
		}
	}
	for _, t := range r.TierThresholds {
		maxY = math.Max(maxY, t.Value*100)
	}
	maxY *= 1.15
	p.Y.Min, p.Y.Max = 0, maxY
	shade(p, r, 0, maxY)
	addSeries(p, xys, 0, "budget consumed")
	for i, t := range r.TierThresholds {
		hline(p, r, t, i, t.Value*100)
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
	maxY *= 1.15
	if maxY == 0 {
		maxY = 1
	}
	p.Y.Min, p.Y.Max = 0, maxY
	shade(p, r, 0, maxY)
	for i, t := range r.DriftThresholds {
		var xys plotter.XYs
		for _, pt := range r.Points {
			xys = append(xys, plotter.XY{X: xval(pt.At), Y: pt.Drift[t.Label]})
		}
		l := addSeries(p, xys, i, t.Label+" score")
		if tl := hline(p, r, t, i, t.Value); tl != nil && l != nil {
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
