package demos

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/metabench/metabench/internal/dirlock"
)

// TestDeterministicAcrossWorkers generates the same plan with 1 and 6
// workers (finishing in scrambled order) and expects identical bytes.
func TestDeterministicAcrossWorkers(t *testing.T) {
	one, many := t.TempDir(), t.TempDir()
	generate(t, one, testPlan(), 1, false)
	generate(t, many, testPlan(), 6, true)
	want := snapshot(t, one)
	sameSnapshot(t, want, snapshot(t, many))
	if _, ok := want[pendingDir+"/"]; ok {
		t.Error("pending directory left after generation")
	}

	d, err := Open(one)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	// The kept episodes are the first successes in index order.
	for _, p := range testPlan().Tasks {
		var want []int
		for i := 0; len(want) < p.Episodes && i < max(p.Attempts, p.Episodes); i++ {
			if runAttempt(p.Task, i).Outcome == OutcomeSuccess {
				want = append(want, i)
			}
		}
		var got []int
		for ep, err := range d.Episodes(p.Task) {
			if err != nil {
				t.Fatal(err)
			}
			sameEpisode(t, runAttempt(p.Task, ep.Index), ep)
			got = append(got, ep.Index)
		}
		if !slices.Equal(want, got) {
			t.Errorf("task %q: kept %v, want %v", p.Task, got, want)
		}
	}
}

// TestAttemptsCap: a task that cannot reach its episodes in its attempts
// completes with the successes it has.
func TestAttemptsCap(t *testing.T) {
	dir := t.TempDir()
	cfg := Config{Kind: "stack", Tasks: []TaskPlan{{Task: "abc", Episodes: 10, Attempts: 10}, {Task: "ab", Episodes: 0}}}
	generate(t, dir, cfg, 3, true)
	d, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	info := d.Info()
	kept := 0
	for i := range 10 {
		if runAttempt("abc", i).Outcome == OutcomeSuccess {
			kept++
		}
	}
	if info.Episodes != kept || info.Discarded != 10-kept || info.CompleteTasks != 2 {
		t.Fatalf("info %+v, want %d kept and %d discarded", info, kept, 10-kept)
	}
}

// TestResume interrupts generation after some attempts (closing the writer,
// leaving crash debris) and expects the resumed run to give the same bytes.
func TestResume(t *testing.T) {
	ref := t.TempDir()
	generate(t, ref, testPlan(), 2, false)
	want := snapshot(t, ref)

	dir := t.TempDir()
	for round := 0; ; round++ {
		w, err := Create(dir, testPlan())
		if err != nil {
			t.Fatal(err)
		}
		// Run a few attempts out of order, skipping what is done.
		n := 0
		for _, p := range slices.Backward(testPlan().Tasks) {
			done := w.Done(p.Task)
			for i := range max(p.Attempts, p.Episodes) {
				if n == 3 || slices.Contains(done, i) || w.Complete(p.Task) {
					continue
				}
				if err := w.Add(runAttempt(p.Task, i)); err != nil {
					t.Fatal(err)
				}
				n++
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		// Debris of a crash: temporary files and an unlisted shard.
		os.WriteFile(filepath.Join(dir, tempPrefix+"x"), []byte("half"), 0o644)
		os.WriteFile(filepath.Join(dir, "."+ManifestName+"12345"), []byte("half"), 0o644)
		os.MkdirAll(filepath.Join(dir, shardDir), 0o755)
		os.WriteFile(filepath.Join(dir, shardDir, fmt.Sprintf("t0000-expert-%d.shard", round)), []byte("stale"), 0o644)
	}
	sameSnapshot(t, want, snapshot(t, dir))
}

// TestKill9 kills a generating process at random moments and resumes it:
// every episode the process reported as added must survive, and the final
// bytes must match an uninterrupted run.
func TestKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	ref := t.TempDir()
	generate(t, ref, testPlan(), 1, false)
	want := snapshot(t, ref)

	dir := t.TempDir()
	for round := range 30 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKillHelper$")
		cmd.Env = append(os.Environ(), "DEMOS_KILL_HELPER="+dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		added := map[string]bool{}
		lines := make(chan string)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		// Kill a few milliseconds after the first attempt of this run is
		// added, to land anywhere: in an attempt, a write or a compaction.
		var deadline <-chan time.Time
		finished := false
	read:
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					finished = true
					break read
				}
				if a, ok := strings.CutPrefix(l, "added "); ok {
					added[a] = true
				}
				if deadline == nil {
					deadline = time.After(time.Duration(round%4*3)*time.Millisecond + time.Duration(round)*100*time.Microsecond)
				}
			case <-deadline:
				cmd.Process.Signal(syscall.SIGKILL)
				for l := range lines {
					if a, ok := strings.CutPrefix(l, "added "); ok {
						added[a] = true
					}
				}
				break read
			}
		}
		cmd.Wait()
		t.Logf("round %d: %d attempts added, finished %v", round, len(added), finished)
		// Whatever the process reported as added is there.
		w, err := Create(dir, testPlan())
		if err != nil {
			t.Fatalf("round %d: resume: %v", round, err)
		}
		for a := range added {
			task, idx, _ := strings.Cut(a, "#")
			i, _ := strconv.Atoi(idx)
			if !slices.Contains(w.Done(task), i) {
				t.Errorf("round %d: attempt %s was added but is lost", round, a)
			}
		}
		w.Close()
		if finished {
			break
		}
	}
	generate(t, dir, testPlan(), 3, false) // finish
	sameSnapshot(t, want, snapshot(t, dir))
}

// TestKillHelper is the process TestKill9 kills.
func TestKillHelper(t *testing.T) {
	dir := os.Getenv("DEMOS_KILL_HELPER")
	if dir == "" {
		t.Skip("helper process for TestKill9")
	}
	w, err := Create(dir, testPlan())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	done := make(chan bool)
	for range 3 {
		go func() {
			defer func() { done <- true }()
			for {
				u, ok := w.Next(ctx)
				if !ok {
					return
				}
				ep := runAttempt(u.Task, u.Index)
				time.Sleep(3 * time.Millisecond) // a real attempt takes a while
				if err := w.Add(ep); err != nil {
					panic(err)
				}
				fmt.Printf("added %s#%d\n", u.Task, u.Index)
			}
		}()
	}
	for range 3 {
		<-done
	}
	w.Close()
}

func TestCreateErrors(t *testing.T) {
	dir := t.TempDir()
	w, err := Create(dir, testPlan())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Create(dir, testPlan()); err == nil || !strings.Contains(err.Error(), "in use by another metabench process") {
		t.Errorf("second writer: got %v", err)
	}
	w.Close()

	foreign := t.TempDir()
	os.WriteFile(filepath.Join(foreign, "notes.txt"), []byte("hi"), 0o644)

	tests := []struct {
		name   string
		dir    string
		change func(*Config)
		want   string
	}{
		{"other settings", dir, func(c *Config) { c.Settings = []byte(`{"seed": 8}`) }, "settings differ"},
		{"other kind", dir, func(c *Config) { c.Kind = "other" }, "kind"},
		{"other plan", dir, func(c *Config) { c.Tasks[1].Episodes++ }, "dataset task 1"},
		{"fewer tasks", dir, func(c *Config) { c.Tasks = c.Tasks[:2] }, "does not"},
		{"foreign directory", foreign, func(c *Config) {}, "not empty"},
		{"duplicate task", t.TempDir(), func(c *Config) { c.Tasks[1].Task = "ab" }, "planned twice"},
		{"attempts below episodes", t.TempDir(), func(c *Config) { c.Tasks[0].Attempts = 2 }, "attempts"},
		{"bad settings", t.TempDir(), func(c *Config) { c.Settings = []byte(`{`) }, "not valid JSON"},
		{"no kind", t.TempDir(), func(c *Config) { c.Kind = "" }, "bad kind"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testPlan()
			tc.change(&cfg)
			w, err := Create(tc.dir, cfg)
			if err == nil {
				w.Close()
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("got %q, want one line containing %q", err, tc.want)
			}
		})
	}
	// Same settings, written differently, are the same.
	cfg := testPlan()
	cfg.Settings = []byte(`{ "seed":7,"noise":0.2 , "sim":{"substeps":4}}`)
	w, err = Create(dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
}

func TestAddErrors(t *testing.T) {
	w, err := Create(t.TempDir(), testPlan())
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ep := runAttempt("ab", 0)
	if err := w.Add(ep); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		change func(*Episode)
		want   string
	}{
		{"duplicate", func(e *Episode) {}, "already recorded"},
		{"unknown task", func(e *Episode) { e.Task = "ba" }, "not in the plan"},
		{"beyond attempts", func(e *Episode) { e.Index = 9 }, "attempts are planned"},
		{"other source", func(e *Episode) { e.Source = SourceHuman }, "source"},
		{"invalid", func(e *Episode) { e.Obs = e.Obs[1:] }, "observation values"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := runAttempt("ab", 0)
			tc.change(e)
			if err := w.Add(e); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func TestAppend(t *testing.T) {
	dir := t.TempDir()
	if _, err := Append(dir, runAttempt("ab", 0)); err == nil || !strings.Contains(err.Error(), "no dataset") {
		t.Fatalf("append to nothing: %v", err)
	}
	generate(t, dir, testPlan(), 2, false)
	if err := Init(dir, "other", nil); err == nil {
		t.Fatal("Init accepted another kind")
	}
	if err := Init(dir, "stack", nil); err != nil {
		t.Fatal(err)
	}
	rec := func(task string, i int, outcome string) *Episode {
		ep := runAttempt(task, i)
		ep.Source, ep.ExpertActions, ep.Outcome = SourceHuman, nil, outcome
		return ep
	}
	appends := []struct {
		ep        *Episode
		wantIndex int
	}{
		{rec("ab", 0, OutcomeSuccess), 0},
		{rec("ab", 1, OutcomeTimeout), 1},
		{rec("abcd ef", 0, OutcomeSuccess), 0}, // a task outside the plan
		{rec("ab", 2, OutcomeSuccess), 2},
	}
	for _, a := range appends {
		idx, err := Append(dir, a.ep)
		if err != nil {
			t.Fatal(err)
		}
		if idx != a.wantIndex {
			t.Errorf("%q: index %d, want %d", a.ep.Task, idx, a.wantIndex)
		}
	}
	if n, _ := os.ReadDir(filepath.Join(dir, shardDir)); len(n) != 5 {
		t.Errorf("%d files in %s, want 5 (old versions removed)", len(n), shardDir)
	}
	d, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var human []string
	for ep, err := range d.All() {
		if err != nil {
			t.Fatal(err)
		}
		if ep.Source == SourceHuman {
			human = append(human, fmt.Sprintf("%s#%d:%s", ep.Task, ep.Index, ep.Outcome))
		}
	}
	want := []string{"ab#0:success", "ab#1:timeout", "ab#2:success", "abcd ef#0:success"}
	if !slices.Equal(human, want) {
		t.Errorf("human episodes %v, want %v", human, want)
	}
	info := d.Info()
	if len(info.Sources) != 2 || info.Sources[1].Source != SourceHuman || info.Sources[1].Episodes != 4 ||
		info.Sources[1].Outcomes[OutcomeTimeout] != 1 || info.Tasks != 4 {
		t.Errorf("info: %+v", info)
	}
	// Generation resumes fine on a dataset with human additions.
	w, err := Create(dir, testPlan())
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
}

func TestNextRelease(t *testing.T) {
	cfg := Config{Kind: "stack", Tasks: []TaskPlan{{Task: "ab", Episodes: 1, Attempts: 3}}}
	w, err := Create(t.TempDir(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	u, ok := w.Next(ctx)
	if !ok || u != (Unit{"ab", 0}) {
		t.Fatalf("first unit %v %v", u, ok)
	}
	// One success is wanted and one attempt is in flight: Next waits.
	if u2, ok := w.Next(ctx); ok {
		t.Fatalf("got %v while the only needed attempt is in flight", u2)
	}
	w.Release(u)
	if u, ok = w.Next(context.Background()); !ok || u.Index != 0 {
		t.Fatalf("after release: %v %v", u, ok)
	}
	p := w.Progress()
	if p.Tasks != 1 || p.Wanted != 1 || p.Kept != 0 {
		t.Fatalf("progress %+v", p)
	}
}

// BenchmarkGenerate measures the storage overhead per episode (encoding,
// pending file, compaction) on 10-block episodes of about 400 steps.
func BenchmarkGenerate(b *testing.B) {
	const per = 100
	eps := make([]*Episode, per)
	for i := range eps {
		cfg := defaultSynth(10, 3)
		cfg.MaxSteps = 400
		eps[i] = synthEpisode("abcdefghij", i, uint64(i), cfg)
		eps[i].Outcome = OutcomeSuccess
	}
	var steps int
	for _, ep := range eps {
		steps += ep.Steps()
	}
	for b.Loop() {
		dir := b.TempDir()
		w, err := Create(dir, Config{Kind: "stack", Tasks: []TaskPlan{{Task: "abcdefghij", Episodes: per}}})
		if err != nil {
			b.Fatal(err)
		}
		done := make(chan error, 2)
		for range 2 {
			go func() {
				for {
					u, ok := w.Next(context.Background())
					if !ok {
						done <- nil
						return
					}
					if err := w.Add(eps[u.Index]); err != nil {
						done <- err
						return
					}
				}
			}()
		}
		for range 2 {
			if err := <-done; err != nil {
				b.Fatal(err)
			}
		}
		w.Close()
		d, err := Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		info := d.Info()
		d.Close()
		b.ReportMetric(info.BytesPerStep, "bytes/step")
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*per), "µs/episode")
	_ = steps
}

// TestIsTemp: the temporary files a killed writer can leave are recognised,
// and nothing else is.
func TestIsTemp(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{".manifest.json8127364", true},
		{".t0003-expert-0123456789abcdef.shard55", true},
		{".00000012.ep990", true},
		{".tmp-anything", true},
		{"manifest.json", false},
		{".manifest.json", false}, // no random suffix: not one of ours
		{"t0003-expert-0123456789abcdef.shard", false},
		{".notes12", false},
		{".git", false},
	}
	for _, tc := range tests {
		if got := isTemp(tc.name); got != tc.want {
			t.Errorf("isTemp(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestCreateRepairsPendingFiles: a damaged pending attempt found when a run
// resumes is removed and run again; the dataset ends as an uninterrupted
// run's.
func TestCreateRepairsPendingFiles(t *testing.T) {
	want := t.TempDir()
	generate(t, want, testPlan(), 1, false)
	tests := []struct {
		name   string
		damage func(path string) error
	}{
		{"truncated", func(p string) error { return os.Truncate(p, 10) }},
		{"emptied", func(p string) error { return os.WriteFile(p, nil, 0o644) }},
		{"other attempt", func(p string) error {
			data, err := os.ReadFile(filepath.Join(filepath.Dir(p), "00000000.ep"))
			if err != nil {
				return err
			}
			return os.WriteFile(p, data, 0o644)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			w, err := Create(dir, testPlan())
			if err != nil {
				t.Fatal(err)
			}
			for i := range 2 { // two attempts of the first task: pending
				if err := w.Add(runAttempt("ab", i)); err != nil {
					t.Fatal(err)
				}
			}
			w.Close()
			path := filepath.Join(dir, pendingDir, "t0000", "00000001.ep")
			if err := tc.damage(path); err != nil {
				t.Fatal(err)
			}
			w, err = Create(dir, testPlan())
			if err != nil {
				t.Fatalf("resume over a damaged pending file: %v", err)
			}
			rep := w.Progress().Repaired
			w.Close()
			if len(rep) != 1 || !strings.Contains(rep[0], "00000001.ep") {
				t.Fatalf("repairs %q, want one naming 00000001.ep", rep)
			}
			generate(t, dir, testPlan(), 2, false)
			sameSnapshot(t, snapshot(t, want), snapshot(t, dir))
		})
	}
}

// TestCreateBesideLockHolder: a second run may use a finished dataset while
// another process holds its lock (it only reads it), but not an unfinished
// one (the holder may be generating it).
func TestCreateBesideLockHolder(t *testing.T) {
	tests := []struct {
		name     string
		finished bool
		change   func(*Config)
		want     string // "" for success
	}{
		{"finished", true, nil, ""},
		{"finished, other plan", true, func(c *Config) { c.Tasks[0].Episodes++ }, "in use by another metabench process"},
		{"unfinished", false, nil, "in use by another metabench process"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.finished {
				generate(t, dir, testPlan(), 2, false)
			} else {
				w, err := Create(dir, testPlan())
				if err != nil {
					t.Fatal(err)
				}
				w.Close()
			}
			unlock, err := dirlock.Lock(dir, "dataset")
			if err != nil {
				t.Fatal(err)
			}
			defer unlock()
			cfg := testPlan()
			if tc.change != nil {
				tc.change(&cfg)
			}
			w, err := Create(dir, cfg)
			if tc.want != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("got %v, want %q", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := w.Next(context.Background()); ok {
				t.Error("a finished dataset handed out work")
			}
			if err := w.Add(runAttempt("ab", 0)); err == nil || !strings.Contains(err.Error(), "another process holds it") {
				t.Errorf("add to a finished dataset held elsewhere: %v", err)
			}
			p := w.Progress()
			if p.CompleteTasks != 3 || p.Kept == 0 {
				t.Errorf("progress %+v, want 3 complete tasks", p)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}
