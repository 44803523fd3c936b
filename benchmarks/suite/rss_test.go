package suite

import (
	"runtime"
	"runtime/debug"
	"testing"
)

func TestPeakRSSResets(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("peak memory is read on Linux only")
	}
	big := make([]byte, 200<<20)
	for i := range big {
		big[i] = 1
	}
	before := PeakRSSMiB()
	runtime.KeepAlive(big)
	big = nil
	debug.FreeOSMemory() // hand the pages back, so that resident memory falls
	resetPeakRSS()
	after := PeakRSSMiB()
	if before < 200 || after >= before-100 {
		t.Fatalf("peak %.0f MiB with 200 MiB touched, %.0f MiB after the reset", before, after)
	}
}
