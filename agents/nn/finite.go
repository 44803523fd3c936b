package nn

// AllFinite reports whether x holds no NaN or infinity.
func AllFinite[T Float](x []T) bool {
	for _, v := range x {
		// v-v is 0 for every finite v and NaN for ±Inf and NaN.
		if v-v != 0 {
			return false
		}
	}
	return true
}
