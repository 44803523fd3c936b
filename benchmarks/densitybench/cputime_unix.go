//go:build unix

package densitybench

import "syscall"

// cpuSeconds is the process's user + system CPU time so far; 0 if the
// system does not say. Models train one at a time, so the difference
// around a training run is that model's CPU time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}
