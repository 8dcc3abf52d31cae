package semdiff

import (
	"strconv"
	"strings"

	"github.com/prometheus/prometheus/promql/parser"
)

var promql = parser.NewParser(parser.Options{})

// NormalizeExpr returns PromQL in the parser's canonical printed form, so
// that expressions differing only in whitespace, line breaks or
// redundant formatting compare equal. Text that does not parse (a
// template with `$window`, say) has its runs of whitespace collapsed
// instead.
func NormalizeExpr(q string) string {
	e, err := promql.ParseExpr(q)
	if err != nil || e == nil {
		return strings.Join(strings.Fields(q), " ")
	}
	return e.String()
}

// Thresholds lists the number literals that PromQL comparisons in q test
// against (`x > 0.0144`, `0.5 <= y`), each once, in the order they first
// appear. For
// alert expressions these are the alert thresholds: burn-rate factors
// times the error budget, drift and share limits. It returns nil when q
// does not parse.
func Thresholds(q string) []string {
	e, err := promql.ParseExpr(q)
	if err != nil || e == nil {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		b, ok := n.(*parser.BinaryExpr)
		if !ok || !b.Op.IsComparisonOperator() {
			return nil
		}
		for _, side := range []parser.Expr{b.RHS, b.LHS} {
			if lit, ok := unparen(side).(*parser.NumberLiteral); ok {
				if v := strconv.FormatFloat(lit.Val, 'g', -1, 64); !seen[v] {
					seen[v] = true
					out = append(out, v)
				}
				break
			}
		}
		return nil
	})
	return out
}

func unparen(e parser.Expr) parser.Expr {
	for {
		p, ok := e.(*parser.ParenExpr)
		if !ok {
			return e
		}
		e = p.Expr
	}
}
