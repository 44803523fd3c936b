package nn

import (
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
)

// Target is the instruction set the program was compiled for: GOARCH and,
// where the architecture has one, its level setting ("amd64 v1",
// "arm64 v8.0"), read from the binary's build information.
func Target() string {
	level := ""
	if info, ok := debug.ReadBuildInfo(); ok {
		key := levelKey(runtime.GOARCH)
		for _, s := range info.Settings {
			if s.Key == key {
				level = s.Value
			}
		}
	}
	return strings.TrimSpace(runtime.GOARCH + " " + level)
}

// levelKey is the environment variable that sets arch's instruction-set
// level (GOAMD64, GOARM64, GOPPC64 for both byte orders, …).
func levelKey(arch string) string {
	arch = strings.TrimSuffix(arch, "le") // ppc64le, mipsle, mips64le
	return "GO" + strings.ToUpper(arch)
}

// FusesMultiplyAdd reports whether the compiler may have fused x*y + z
// into one instruction with a single rounding anywhere in the program —
// in the engine, the physics, Go's math package and gonum — as Go's
// specification allows. It does on amd64 from level v3 on and on the
// architectures whose base instruction set has a fused multiply-add. Such a
// build computes other bits than the default amd64 (v1) build, so its
// results are not the golden ones: same seed, other numbers.
func FusesMultiplyAdd() bool {
	return fusesMultiplyAdd(Target())
}

func fusesMultiplyAdd(target string) bool {
	arch, level, _ := strings.Cut(target, " ")
	if arch == "amd64" {
		return level == "v3" || level == "v4"
	}
	return slices.Contains([]string{"arm64", "loong64", "ppc64", "ppc64le", "riscv64", "s390x"}, arch)
}
