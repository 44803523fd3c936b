// Package report prints benchmark results as text tables and JSON.
package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
)

// Table is a titled grid of cells ready to print.
type Table struct {
	Title  string     `json:"title"`
	Header []string   `json:"header"`
	Rows   [][]string `json:"rows"`
}

// Print writes t as a text table, its title above it.
func Print(w io.Writer, t Table) error {
	if t.Title != "" {
		if _, err := fmt.Fprintf(w, "%s\n", t.Title); err != nil {
			return err
		}
	}
	tab := tablewriter.NewTable(w, tablewriter.WithHeaderAutoFormat(tw.Off), tablewriter.WithRowAlignment(tw.AlignRight))
	tab.Header(t.Header)
	if err := tab.Bulk(t.Rows); err != nil {
		return fmt.Errorf("table %q: %w", t.Title, err)
	}
	if err := tab.Render(); err != nil {
		return fmt.Errorf("table %q: %w", t.Title, err)
	}
	_, err := fmt.Fprintln(w)
	return err
}

// JSON writes v as indented JSON followed by a newline.
func JSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// Pct formats a fraction k/n as a percentage with one decimal, or "–" when
// n is zero.
func Pct(k, n int) string {
	if n == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f", 100*float64(k)/float64(n))
}

// CSV writes t as CSV: the header, then the rows (the title is left out).
func CSV(w io.Writer, t Table) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(t.Header); err != nil {
		return err
	}
	if err := cw.WriteAll(t.Rows); err != nil {
		return err
	}
	return cw.Error()
}
