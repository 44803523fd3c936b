//go:build !linux

package suite

func resetPeakRSS() {}

// PeakRSSMiB returns 0 where the peak resident memory is not measured.
func PeakRSSMiB() float64 { return 0 }
