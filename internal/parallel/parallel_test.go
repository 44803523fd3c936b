package parallel

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestFor(t *testing.T) {
	tests := []struct {
		n, workers int
		failAt     int // -1: never
		wantErr    string
	}{
		{n: 0, workers: 2, failAt: -1},
		{n: 1, workers: 4, failAt: -1},
		{n: 100, workers: 3, failAt: -1},
		{n: 100, workers: 2, failAt: 10, wantErr: "unit 10"},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("n=%d,workers=%d", tc.n, tc.workers), func(t *testing.T) {
			out := make([]int, tc.n)
			err := For(context.Background(), tc.n, tc.workers, func(i int) error {
				if i == tc.failAt {
					return fmt.Errorf("unit %d", i)
				}
				out[i] = i * i
				return nil
			})
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range out {
				if v != i*i {
					t.Fatalf("unit %d not run", i)
				}
			}
		})
	}
}

func TestForStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := For(ctx, 1000, 2, func(int) error { return nil })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
}
