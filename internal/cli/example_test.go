package cli_test

import (
	"fmt"
	"math"

	"github.com/metabench/metabench/internal/cli"
)

// Check validates a command's numeric flags and reports the first problem
// as a usage error (exit status 2) naming the flag.
func ExampleCheck() {
	lr, steps := math.NaN(), 500
	err := cli.NewCheck("train drug").Int("steps", steps, 1, 1_000_000).Float("lr", lr, 1e-9, 10).Err()
	fmt.Println(err, cli.IsUsage(err))
	// Output: train drug: --lr NaN is not a finite number true
}
