package simulate

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
)

// WriteText prints the timeline, budget, detection time and checks.
func (r *Result) WriteText(w io.Writer) error {
	sc := r.Scenario
	var b strings.Builder
	fmt.Fprintf(&b, "scenario %s: model %s, %s simulated, rules evaluated every %s\n", sc.Name, sc.Model, sc.Duration, sc.Interval)
	if sc.Description != "" {
		fmt.Fprintf(&b, "  %s\n", strings.TrimSpace(sc.Description))
	}
	if sc.Incident != nil {
		fmt.Fprintf(&b, "incident starts at %s\n", *sc.Incident)
	}
	b.WriteString("\ntimeline:\n")
	if len(r.Events) == 0 {
		b.WriteString("  no alert went pending or fired\n")
	} else {
		tw := tabwriter.NewWriter(&b, 0, 8, 2, ' ', 0)
		for _, ev := range r.Events {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", clock(ev.At), ev.State, ev.Severity, ev.Key())
		}
		tw.Flush()
	}
	b.WriteString("\n")
	if r.SLO != "" && r.BudgetConsumed != nil {
		fmt.Fprintf(&b, "budget: %s of the error budget of SLO %s (%s over %s) is consumed at the end, warmup included (vigil:slo_budget_consumed:ratio, which the budget tiers compare)\n",
			percent(*r.BudgetConsumed), r.SLO, r.Objective, r.Window)
	}
	switch {
	case sc.Incident == nil:
	case r.TimeToDetect != nil:
		fmt.Fprintf(&b, "detection: %s fired %s after the incident start\n", r.DetectedBy, *r.TimeToDetect)
	default:
		b.WriteString("detection: no alert fired after the incident start\n")
	}
	if len(r.Checks) > 0 {
		b.WriteString("\nchecks:\n")
		for _, c := range r.Checks {
			mark := "ok  "
			if !c.OK {
				mark = "FAIL"
			}
			fmt.Fprintf(&b, "  %s %s: %s\n", mark, c.Expectation, c.Detail)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes the result as indented JSON.
func (r *Result) WriteJSON(w io.Writer) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// clock renders an offset as d+hh:mm (or hh:mm within the first day).
func clock(d Duration) string {
	t := d.D()
	days := int(t.Hours()) / 24
	h := int(t.Hours()) % 24
	m := int(t.Minutes()) % 60
	s := int(t.Seconds()) % 60
	out := fmt.Sprintf("%02d:%02d", h, m)
	if s != 0 {
		out += fmt.Sprintf(":%02d", s)
	}
	if days > 0 {
		out = fmt.Sprintf("day %d %s", days, out)
	}
	return "+" + out
}

// percent renders a share with two decimals, e.g. "46.30%".
func percent(x float64) string { return strconv.FormatFloat(x*100, 'f', 2, 64) + "%" }
