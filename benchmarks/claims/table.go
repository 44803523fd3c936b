package claims

import (
	"fmt"
	"math"
	"strings"

	"github.com/metabench/metabench/benchmarks/report"
)

// TableHeader is the claims table's columns.
var TableHeader = []string{"claim", "effect per seed", "mean", "95% CI", "Wilcoxon p", "sign-test p", "n", "verdict"}

// Table renders decided claims as the claims table. title heads it (the
// suite, profile and seeds); notes are appended to the title, one
// sentence each (a warning that one seed is no verdict, that runs came
// from different builds).
func Table(title string, results []Result, notes ...string) report.Table {
	t := report.Table{Title: title, Header: TableHeader}
	if len(notes) > 0 {
		t.Title += "\n" + strings.Join(notes, "\n")
	}
	for _, r := range results {
		var per []string
		for i, v := range r.Values {
			per = append(per, fmt.Sprintf("%d: %s", r.Seeds[i], signed(v)))
		}
		ci := "–"
		if r.Low != nil && r.High != nil {
			ci = "[" + signed(*r.Low) + ", " + signed(*r.High) + "]"
			if r.Interval != IntervalSeeds {
				ci += " (within run)"
			}
		}
		verdict := string(r.Verdict)
		if r.Claim.Primary {
			verdict += " (primary"
			if r.Claim.Margin > 0 {
				verdict += fmt.Sprintf(", margin ±%g", r.Claim.Margin)
			}
			verdict += ")"
		}
		t.Rows = append(t.Rows, []string{
			r.Claim.ID + " (" + r.Claim.Unit + ")",
			strings.Join(per, "  "),
			opt(r.Mean, signed),
			ci,
			opt(r.WilcoxonP, pval),
			opt(r.SignP, pval),
			fmt.Sprint(r.N),
			verdict,
		})
	}
	return t
}

// Legend renders what each claim says and measures: the paper's
// statement, the effect with its claimed sign, and the budgets compared.
func Legend(title string, cs []Claim) report.Table {
	t := report.Table{Title: title, Header: []string{"claim", "statement", "effect, claimed sign", "budget"}}
	for _, c := range cs {
		sign := "> 0"
		if c.Direction == Negative {
			sign = "< 0"
		}
		id := c.ID
		if c.Primary {
			id += " (primary)"
		}
		t.Rows = append(t.Rows, []string{id, c.Statement, c.Effect + " (" + c.Unit + ") " + sign, c.Budget})
	}
	return t
}

func opt(p *float64, f func(float64) string) string {
	if p == nil {
		return "–"
	}
	return f(*p)
}

// signed writes an effect with its sign and four significant digits.
func signed(x float64) string {
	if x == 0 || math.Abs(x) < 5e-13 {
		return "0"
	}
	return fmt.Sprintf("%+.4g", x)
}

func pval(p float64) string { return fmt.Sprintf("%.3g", p) }
