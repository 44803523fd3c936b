package slurm

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/metabench/metabench/internal/cli"
)

var update = flag.Bool("update", false, "rewrite the golden scripts in testdata/")

func basePlan() Plan {
	return Plan{Suite: "imitation", Profile: "full", Shards: 4, Seed: 1, Binary: "/opt/metabench/bin/metabench",
		Dir: "/shared/runs/imitation-full", Cache: "/shared/cache/metabench"}
}

func TestScriptsGolden(t *testing.T) {
	full := basePlan()
	full.Prepare, full.Shards, full.Seed, full.Data = true, 16, 7, "/shared/data/demos v2"
	full.Res = Resources{Partition: "cpu,long", Account: "lab-42", Time: "2-00:00:00", CPUs: 8, Mem: "16G"}
	quoted := basePlan()
	quoted.Binary, quoted.Cache = "/home/o'brien/metabench", "/home/o'brien/my cache"
	for _, tc := range []struct {
		name string
		p    Plan
	}{
		{"minimal", basePlan()},
		{"prepare-resources", full},
		{"quoted-paths", quoted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.p.Check(); err != nil {
				t.Fatal(err)
			}
			var all strings.Builder
			for _, s := range tc.p.Scripts() {
				all.WriteString("==> " + s.Name + " <==\n" + s.Content)
			}
			golden := filepath.Join("testdata", tc.name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(all.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if all.String() != string(want) {
				t.Errorf("scripts differ from %s (go test -update rewrites it):\n%s", golden, all.String())
			}
			// Same plan, same bytes.
			for i, s := range tc.p.Scripts() {
				if s != tc.p.Scripts()[i] {
					t.Errorf("%s differs between two calls", s.Name)
				}
			}
		})
	}
}

// TestScriptsRunInBash checks that bash parses every generated script, quoted
// paths included.
func TestScriptsRunInBash(t *testing.T) {
	bash, err := lookBash()
	if err != nil {
		t.Skip(err)
	}
	p := basePlan()
	p.Prepare, p.Binary, p.Cache = true, "/home/o'brien/metabench", "/tmp/a b/$HOME/`x`"
	for _, s := range p.Scripts() {
		if out, err := runBash(bash, "-n", s.Content); err != nil {
			t.Errorf("%s: bash -n: %v\n%s", s.Name, err, out)
		}
	}
}

func TestPlanCheck(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Plan)
		want string // in the error; "" for none
	}{
		{"ok", func(*Plan) {}, ""},
		{"one shard", func(p *Plan) { p.Shards = 1 }, "--shards 1 is out of range"},
		{"too many shards", func(p *Plan) { p.Shards = MaxShards + 1 }, "--shards 1001 is out of range"},
		{"negative cpus", func(p *Plan) { p.Res.CPUs = -1 }, "--cpus -1 is out of range"},
		{"time zero", func(p *Plan) { p.Res.Time = "0" }, `--time "0": not positive`},
		{"time words", func(p *Plan) { p.Res.Time = "two days" }, `--time "two days"`},
		{"time fields", func(p *Plan) { p.Res.Time = "1:2:3:4" }, "too many fields"},
		{"time days only dash", func(p *Plan) { p.Res.Time = "1-" }, `--time "1-"`},
		{"time negative", func(p *Plan) { p.Res.Time = "-5" }, "bad days"},
		{"time too long", func(p *Plan) { p.Res.Time = "400-00:00:00" }, "longer than 365 days"},
		{"mem zero", func(p *Plan) { p.Res.Mem = "0G" }, `--mem "0G": not positive`},
		{"mem unit", func(p *Plan) { p.Res.Mem = "16X" }, `--mem "16X"`},
		{"mem negative", func(p *Plan) { p.Res.Mem = "-1G" }, `--mem "-1G"`},
		{"mem huge", func(p *Plan) { p.Res.Mem = "2000T" }, "more than 1 PiB"},
		{"partition blank", func(p *Plan) { p.Res.Partition = "a b" }, "--partition"},
		{"account", func(p *Plan) { p.Res.Account = "x;y" }, "--account"},
		{"dir blank", func(p *Plan) { p.Dir = "/shared/my runs" }, `--dir "/shared/my runs" holds " "`},
		{"dir percent", func(p *Plan) { p.Dir = "/shared/100%" }, `holds "%"`},
		{"relative binary", func(p *Plan) { p.Binary = "metabench" }, `--binary "metabench" is not an absolute path`},
		{"cache newline", func(p *Plan) { p.Cache = "/a\nb" }, "--cache"},
		{"suite", func(p *Plan) { p.Suite = "a/b" }, "suite name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := basePlan()
			tc.edit(&p)
			err := p.Check()
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want one with %q", tc.want)
			}
			if !cli.IsUsage(err) || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q (usage %v): want one line with %q", err, cli.IsUsage(err), tc.want)
			}
		})
	}
}

func TestParseTime(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"90", 90 * time.Minute},
		{"1:30", 90 * time.Second},
		{"2:00:00", 2 * time.Hour},
		{"1-0", 24 * time.Hour},
		{"1-2:30", 26*time.Hour + 30*time.Minute},
		{"1-02:03:04", 26*time.Hour + 3*time.Minute + 4*time.Second},
		{"365-0", MaxTime},
	} {
		got, err := ParseTime(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "x", "1:", ":1", "1-2-3", "1-1:2:3:4", "99999999", "1.5", "+5", "0:00:00"} {
		if d, err := ParseTime(bad); err == nil {
			t.Errorf("ParseTime(%q) = %v, want an error", bad, d)
		}
	}
}

func TestParseMem(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64
	}{{"4000", 4000}, {"4000M", 4000}, {"16G", 16384}, {"16g", 16384}, {"1T", 1 << 20}, {"512K", 0.5}} {
		got, err := ParseMem(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseMem(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "G", "0", "1.5G", "16GB", "1000000000000000", "1025T"} {
		if m, err := ParseMem(bad); err == nil {
			t.Errorf("ParseMem(%q) = %v, want an error", bad, m)
		}
	}
}
