package nn

import "testing"

func TestFusesMultiplyAddByTarget(t *testing.T) {
	for _, tt := range []struct {
		target string
		want   bool
	}{
		{"amd64 v1", false},
		{"amd64 v2", false},
		{"amd64 v3", true},
		{"amd64 v4", true},
		{"amd64", false},
		{"386 sse2", false},
		{"arm64 v8.0", true},
		{"riscv64 rva20u64", true},
		{"wasm", false},
	} {
		if got := fusesMultiplyAdd(tt.target); got != tt.want {
			t.Errorf("fusesMultiplyAdd(%q) = %v, want %v", tt.target, got, tt.want)
		}
	}
}

func TestLevelKey(t *testing.T) {
	for arch, want := range map[string]string{"amd64": "GOAMD64", "arm64": "GOARM64", "386": "GO386", "ppc64le": "GOPPC64", "ppc64": "GOPPC64", "mipsle": "GOMIPS", "mips64le": "GOMIPS64", "riscv64": "GORISCV64", "wasm": "GOWASM"} {
		if got := levelKey(arch); got != want {
			t.Errorf("levelKey(%q) = %q, want %q", arch, got, want)
		}
	}
}

// mulAdd is x*y + z as the compiler sees fit to compute it for this
// target: two roundings, or one where it fuses.
//
//go:noinline
func mulAdd(x, y, z float64) float64 { return x*y + z }

// TestFusesMultiplyAddMatchesTheCompiler: FusesMultiplyAdd tells what this
// very test binary's compiler did. (1+2⁻³⁰)² − (1+2⁻²⁹) is 2⁻⁶⁰ exactly,
// and 0 when the product is rounded first.
func TestFusesMultiplyAddMatchesTheCompiler(t *testing.T) {
	const e = 1.0 / (1 << 30)
	fused := mulAdd(1+e, 1+e, -(1+2*e)) != 0
	if fused != FusesMultiplyAdd() {
		t.Errorf("compiled for %q: the compiler fused x*y+z %v, FusesMultiplyAdd says %v", Target(), fused, FusesMultiplyAdd())
	}
}
