package stack

// EpisodeSeed derives the reset seed of episode index of task t from a base
// seed. Seeds of different tasks and indices are independent, and a task's
// seeds do not depend on which other tasks are run or in what order.
func EpisodeSeed(base uint64, t Task, index int) uint64 {
	h := splitmix(base ^ 0x9e3779b97f4a7c15)
	for _, c := range []byte(t.String()) {
		h = splitmix(h ^ uint64(c))
	}
	return splitmix(h ^ uint64(index))
}

// splitmix is the SplitMix64 finaliser: a bijective mixer of 64-bit words.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
