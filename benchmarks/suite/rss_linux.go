package suite

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// resetPeakRSS starts a new peak of resident memory for this process, so
// that a run's report gives its own peak, not that of an earlier run in the
// same process (metabench bench runs every suite in one). Linux resets
// VmHWM when "5" is written to /proc/self/clear_refs.
func resetPeakRSS() {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// PeakRSSMiB returns the peak resident memory of this process in MiB since
// it started or since the last reset (VmHWM), or 0 where it cannot be read.
func PeakRSSMiB() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			if err != nil {
				return 0
			}
			return kb / 1024
		}
	}
	return 0
}
