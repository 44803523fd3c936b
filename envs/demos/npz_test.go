package demos

import (
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"codeberg.org/sbinet/npyio/npz"
)

// exportFixture generates a small dataset with a human episode and exports it.
func exportFixture(t *testing.T) (dir, out string) {
	t.Helper()
	dir = t.TempDir()
	cfg := testPlan()
	cfg.Tasks = append(cfg.Tasks, TaskPlan{Task: "a b", Episodes: 0})
	generate(t, dir, cfg, 2, false)
	ep := runAttempt("abc", 0)
	ep.Source, ep.ExpertActions, ep.Outcome = SourceHuman, nil, OutcomeTimeout
	if _, err := Append(dir, ep); err != nil {
		t.Fatal(err)
	}
	out = filepath.Join(t.TempDir(), "demos.npz")
	if err := ExportNPZ(dir, out); err != nil {
		t.Fatal(err)
	}
	return dir, out
}

// TestExportNPZGo reads the export back with npyio and compares it with the
// dataset.
func TestExportNPZGo(t *testing.T) {
	dir, out := exportFixture(t)
	d, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	r, err := npz.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var tasks []string
	if err := r.Read("tasks.npy", &tasks); err != nil {
		t.Fatal(err)
	}
	if strings.Join(tasks, "|") != "ab|abc|ab cde|a b" {
		t.Fatalf("tasks %q", tasks)
	}
	var obs, acts, expert []float32
	var obsStarts, actStarts []int64
	var seeds []uint64
	var sources []string
	for _, a := range []struct {
		name string
		ptr  any
	}{
		{"task001_obs.npy", &obs}, {"task001_actions.npy", &acts}, {"task001_expert_actions.npy", &expert},
		{"task001_obs_starts.npy", &obsStarts}, {"task001_action_starts.npy", &actStarts},
		{"task001_seed.npy", &seeds}, {"task001_source.npy", &sources},
	} {
		if err := r.Read(a.name, a.ptr); err != nil {
			t.Fatalf("%s: %v", a.name, err)
		}
	}
	if shape := r.Header("task001_obs.npy").Descr.Shape; len(shape) != 2 || shape[1] != 3*3+4 {
		t.Fatalf("obs shape %v", shape)
	}
	e := 0
	for ep, err := range d.Episodes("abc") {
		if err != nil {
			t.Fatal(err)
		}
		o := obs[obsStarts[e]*int64(ep.ObsDim) : obsStarts[e+1]*int64(ep.ObsDim)]
		a := acts[actStarts[e]*3 : actStarts[e+1]*3]
		x := expert[actStarts[e]*3 : actStarts[e+1]*3]
		if seeds[e] != ep.Seed || sources[e] != ep.Source || len(o) != len(ep.Obs) || len(a) != len(ep.Actions) {
			t.Fatalf("episode %d: seed %d/%d source %s/%s", e, seeds[e], ep.Seed, sources[e], ep.Source)
		}
		for i := range o {
			if math.Float32bits(o[i]) != math.Float32bits(ep.Obs[i]) {
				t.Fatalf("episode %d obs[%d]", e, i)
			}
		}
		for i := range a {
			if a[i] != ep.Actions[i] {
				t.Fatalf("episode %d actions[%d]", e, i)
			}
			if ep.ExpertActions == nil && !math.IsNaN(float64(x[i])) || ep.ExpertActions != nil && x[i] != ep.ExpertActions[i] {
				t.Fatalf("episode %d expert[%d] = %v", e, i, x[i])
			}
		}
		e++
	}
	if e+1 != len(obsStarts) || sources[e-1] != SourceHuman {
		t.Fatalf("%d episodes, %d starts, last source %s", e, len(obsStarts), sources[e-1])
	}
}

// TestExportNPZNumpy loads the export with numpy.
func TestExportNPZNumpy(t *testing.T) {
	python := "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import numpy").Run(); err != nil {
		t.Skipf("no numpy for %s: %v", python, err)
	}
	_, out := exportFixture(t)
	script := `
import sys, numpy as np
z = np.load(sys.argv[1])
tasks = list(z["tasks"])
assert tasks == ["ab", "abc", "ab cde", "a b"], tasks
assert list(z["task_episodes"]) == [5, 5, 2, 0], z["task_episodes"]
for k, spec in enumerate(tasks):
    p = "task%03d_" % k
    obs, act, exp = z[p + "obs"], z[p + "actions"], z[p + "expert_actions"]
    os_, as_ = z[p + "obs_starts"], z[p + "action_starts"]
    n = z["task_episodes"][k]
    assert obs.dtype == np.float32 and act.dtype == np.float32, (obs.dtype, act.dtype)
    assert len(os_) == n + 1 and len(as_) == n + 1 and len(z[p + "seed"]) == n
    assert z[p + "seed"].dtype == np.uint64 and os_.dtype == np.int64
    if n == 0:
        assert obs.shape == (0, 0), obs.shape
        continue
    blocks = len(spec.replace(" ", ""))
    assert obs.shape == (os_[-1], 3 * blocks + 4), obs.shape
    assert act.shape == (as_[-1], 3) and exp.shape == act.shape
    assert (os_ - as_ == np.arange(n + 1)).all()
    for e in range(n):
        a, b = as_[e], as_[e + 1]
        if z[p + "source"][e] == "human":
            assert np.isnan(exp[a:b]).all()
            assert z[p + "outcome"][e] == "timeout"
        else:
            assert not np.isnan(exp[a:b]).any()
            assert z[p + "outcome"][e] == "success"
    assert np.isfinite(obs).all()
print("ok", sum(z["task_episodes"]), "episodes")
`
	cmd := exec.Command(python, "-c", script, out)
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1")
	res, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("numpy: %v\n%s", err, res)
	}
	t.Logf("numpy: %s", strings.TrimSpace(string(res)))
}
