package semdiff

import (
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/internal/decimal"
)

// BudgetMinutes is an SLO's error budget as minutes of full outage over
// its window, exact to two decimals: 99.9% over 30d is "43.2", 99.5%
// over 30d is "216".
func BudgetMinutes(objective decimal.D, window time.Duration) string {
	budget := new(big.Rat).Sub(big.NewRat(1, 1), new(big.Rat).Quo(objective.Rat(), big.NewRat(100, 1)))
	mins := new(big.Rat).Mul(budget, new(big.Rat).SetFrac64(int64(window/time.Second), 60))
	s := mins.FloatString(2)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" || s == "" {
		s = "0"
	}
	return s
}

// sloFields lists an SLO's reviewable settings as name/value pairs in a
// fixed order. Comparing two such lists gives the changed fields;
// listing one describes an added or removed SLO.
func sloFields(s *compiler.SLO) []Field {
	w := time.Duration(s.Window)
	f := []Field{
		{Name: "objective", New: s.Objective.String() + "%"},
		{Name: "window", New: s.Window.String()},
		{Name: "error budget", New: BudgetMinutes(s.Objective, w) + " min"},
		{Name: "indicator", New: string(s.Kind)},
	}
	add := func(name, v string) {
		if v != "" && v != "0" && v != "0s" {
			f = append(f, Field{Name: name, New: v})
		}
	}
	if l := s.Latency; l != nil {
		add("latency threshold", l.Threshold.String())
	}
	if q := s.Quality; q != nil {
		add("quality metric", q.Metric)
		add("positive class", q.PositiveClass)
		add("rolling window", q.RollingWindow.String())
		add("min feedback rate", q.MinFeedbackRate.String())
	}
	if fr := s.Freshness; fr != nil {
		add("last success", NormalizeExpr(fr.LastSuccess))
		add("max age", fr.MaxAge.String())
	}
	if r := s.Ratio; r != nil {
		add("errors query", NormalizeExpr(r.Errors))
		add("total query", NormalizeExpr(r.Total))
	}
	if sl := s.Slices; sl != nil {
		add("slice length", sl.Length.String())
		add("slice percentile", sl.Percentile.String())
		add("slice max error percent", sl.MaxErrorPercent.String())
	}
	add("page alerts", burnPolicy(s.Page))
	add("ticket alerts", burnPolicy(s.Ticket))
	add("budget tiers", budgetTiers(s.Tiers))
	add("min bad events", fmt.Sprint(s.MinBadEvents))
	add("description", s.Description)
	return f
}

// burnPolicy renders a burn-rate policy, e.g.
// "critical after 2m: 1h/5m ×14.4, 6h/30m ×6".
func burnPolicy(p compiler.BurnPolicy) string {
	if !p.Enabled {
		return "disabled"
	}
	var ws []string
	for _, w := range p.Windows {
		ws = append(ws, w.Long.String()+"/"+w.Short.String()+" ×"+w.Factor.String())
	}
	s := string(p.Severity)
	if p.For != 0 {
		s += " after " + p.For.String()
	}
	return s + ": " + strings.Join(ws, ", ")
}

func budgetTiers(ts []compiler.BudgetTier) string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Consumed.String()+"% "+string(t.Severity))
	}
	return strings.Join(out, ", ")
}

// compareSLOs compares two models' SLOs by name.
func compareSLOs(base, head []*compiler.SLO) []Change {
	o, n := byName(base, sloName), byName(head, sloName)
	return compareKeyed(KindSLO, o, n, summary(sloFields, 4), fieldsDiff(func(os, ns *compiler.SLO) []Field {
		if f := diffFields(sloFields(os), sloFields(ns)); len(f) > 0 {
			return withBudget(f, os, ns)
		}
		return nil
	}))
}

func sloName(s *compiler.SLO) string { return s.Name }

// withBudget keeps the error budget next to a changed objective or
// window even when the two changes cancel out in minutes, so the
// reviewer always sees the budget the new objective buys.
func withBudget(f []Field, o, n *compiler.SLO) []Field {
	for _, x := range f {
		if x.Name == "error budget" {
			return f
		}
	}
	for i, x := range f {
		if x.Name == "objective" || x.Name == "window" {
			b := Field{Name: "error budget", Old: BudgetMinutes(o.Objective, time.Duration(o.Window)) + " min", New: BudgetMinutes(n.Objective, time.Duration(n.Window)) + " min"}
			return append(f[:i+1:i+1], append([]Field{b}, f[i+1:]...)...)
		}
	}
	return f
}

// firstN returns at most the first n fields: the headline settings of
// an added or removed item.
func firstN(f []Field, n int) []Field {
	if len(f) > n {
		return f[:n]
	}
	return f
}

// diffFields compares two field lists built by the same function (values
// in New), returning the fields whose values differ, in the order of
// first appearance.
func diffFields(o, n []Field) []Field {
	ov, nv := map[string]string{}, map[string]string{}
	var order []string
	seen := map[string]bool{}
	for _, list := range [][]Field{o, n} {
		for _, f := range list {
			if !seen[f.Name] {
				seen[f.Name] = true
				order = append(order, f.Name)
			}
		}
	}
	for _, f := range o {
		ov[f.Name] = f.New
	}
	for _, f := range n {
		nv[f.Name] = f.New
	}
	var out []Field
	for _, name := range order {
		if ov[name] != nv[name] {
			out = append(out, Field{Name: name, Old: ov[name], New: nv[name]})
		}
	}
	return out
}

func byName[T any](list []T, name func(T) string) map[string]T {
	m := make(map[string]T, len(list))
	for _, x := range list {
		m[name(x)] = x
	}
	return m
}
