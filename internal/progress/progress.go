// Package progress shows progress bars for long runs on standard error, and
// nothing when standard error is not a terminal (logs, CI, pipes).
package progress

import (
	"io"
	"os"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// Bar counts finished units of work. The zero-cost Off bar discards counts.
type Bar struct {
	bar *progressbar.ProgressBar
}

// New returns a bar for total units labelled desc, drawn on stderr when it is
// a terminal and disabled otherwise.
func New(total int, desc string) *Bar {
	if !term.IsTerminal(int(os.Stderr.Fd())) {
		return &Bar{}
	}
	return NewTo(os.Stderr, total, desc)
}

// NewTo returns a bar that always draws on w.
func NewTo(w io.Writer, total int, desc string) *Bar {
	return &Bar{bar: progressbar.NewOptions(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100_000_000),
		progressbar.OptionClearOnFinish(),
	)}
}

// Add records n more finished units. Safe for concurrent use.
func (b *Bar) Add(n int) {
	if b.bar != nil {
		_ = b.bar.Add(n)
	}
}

// Finish clears the bar.
func (b *Bar) Finish() {
	if b.bar != nil {
		_ = b.bar.Finish()
	}
}
