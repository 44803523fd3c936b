//go:build !unix

package densitybench

// cpuSeconds is not measured on this system.
func cpuSeconds() float64 { return 0 }
