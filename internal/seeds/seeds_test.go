package seeds

import "testing"

func TestSubIsTheSuitesFormula(t *testing.T) {
	tests := []struct{ seed, u, want uint64 }{
		{0, 0, 0},
		{1, 0, 1_000_003},
		{1, 3, 1_000_003 + 3*7919},
		{7, 12, 7*1_000_003 + 12*7919},
	}
	for _, tt := range tests {
		if got := Sub(tt.seed, tt.u); got != tt.want {
			t.Errorf("Sub(%d, %d) = %d, want %d", tt.seed, tt.u, got, tt.want)
		}
	}
}

func TestSubDistinct(t *testing.T) {
	seen := map[uint64][2]uint64{}
	for seed := uint64(0); seed < 200; seed++ {
		for u := uint64(0); u < 500; u++ {
			s := Sub(seed, u)
			if p, ok := seen[s]; ok {
				t.Fatalf("Sub(%d, %d) = Sub(%d, %d)", seed, u, p[0], p[1])
			}
			seen[s] = [2]uint64{seed, u}
		}
	}
}
