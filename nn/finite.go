package nn

import "github.com/metabench/metabench/nn/internal/simd"

// AllFinite reports whether x holds no NaN or infinity.
func AllFinite[T Float](x []T) bool {
	if x32, ok := any(x).([]float32); ok {
		return simd.AllFinite(x32) // 32 elements a branch
	}
	// v-v is 0 for every finite v and NaN for ±Inf and NaN; a sum of four
	// of them is NaN as soon as one is, so one branch covers four elements
	// (optimisers check every gradient element before each step).
	i := 0
	for ; i+4 <= len(x); i += 4 {
		if (x[i]-x[i])+(x[i+1]-x[i+1])+(x[i+2]-x[i+2])+(x[i+3]-x[i+3]) != 0 {
			return false
		}
	}
	for ; i < len(x); i++ {
		if x[i]-x[i] != 0 {
			return false
		}
	}
	return true
}
