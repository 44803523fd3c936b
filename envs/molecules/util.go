package molecules

import (
	"fmt"
	"slices"
)

func sprintf(format string, a ...any) string { return fmt.Sprintf(format, a...) }

func sortedKeys[V any](m map[int]V) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
