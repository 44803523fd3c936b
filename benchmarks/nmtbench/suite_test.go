package nmtbench

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/metabench/metabench/agents/nmt"
	"github.com/metabench/metabench/benchmarks/claims"
	"github.com/metabench/metabench/benchmarks/suite"
	"github.com/metabench/metabench/internal/cli"
)

func runSmoke(t *testing.T, shard suite.Shard, cache string) Rows {
	t.Helper()
	rep, err := New().Run(context.Background(), suite.Options{Profile: "smoke", Seed: 3, Shard: shard, CacheDir: cache, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	var r Rows
	if err := json.Unmarshal(rep.Rows, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestShardsMergeIntoWholeRun: the smoke profile split into 3 shards (over
// low-resource languages, support sets and experiments) merges into the
// rows, and so the tables, of the unsharded run; the runs share no cache,
// so every shard trains its own shared models.
func TestShardsMergeIntoWholeRun(t *testing.T) {
	whole := runSmoke(t, suite.Shard{}, "")
	if len(whole.Units) < 10 || whole.Speed == nil {
		t.Fatalf("smoke run: %d units, speed %v", len(whole.Units), whole.Speed)
	}
	for _, u := range whole.Units {
		if math.IsNaN(u.BLEU) || u.BLEU < 0 || u.BLEU > 100 || u.ChrF < 0 || u.ChrF > 100 {
			t.Fatalf("unit %+v: BLEU or chrF out of range", u)
		}
		if u.Exp != "zeroshot" && u.Exp != "supervised" && u.Tokens < u.Size {
			t.Fatalf("unit %+v: support set smaller than asked", u)
		}
	}
	var shards []Rows
	for i := range 3 {
		shards = append(shards, runSmoke(t, suite.Shard{Index: i, Count: 3}, ""))
	}
	merged, err := merge(shards)
	if err != nil {
		t.Fatal(err)
	}
	whole.Speed = nil
	if !reflect.DeepEqual(merged, whole) {
		mj, _ := json.Marshal(merged)
		wj, _ := json.Marshal(whole)
		t.Fatalf("merged shards differ from the whole run:\n%s\n%s", mj, wj)
	}
	if !reflect.DeepEqual(tables(merged), tables(whole)) {
		t.Fatal("tables differ")
	}
	if _, err := merge([]Rows{shards[0], shards[0]}); err == nil {
		t.Fatal("a shard given twice merged")
	}
}

// TestCacheResumes: a rerun with the cache loads the shared models instead
// of training them, gets the same rows, and reports no training speed for
// models it did not train.
func TestCacheResumes(t *testing.T) {
	cache := t.TempDir()
	first := runSmoke(t, suite.Shard{}, cache)
	second := runSmoke(t, suite.Shard{}, cache)
	if first.Speed == nil || second.Speed == nil {
		t.Fatal("no speed in a whole run")
	}
	if first.Speed.TrainedTargetToken == 0 || second.Speed.TrainedTargetToken != 0 {
		t.Fatalf("trained target tokens: first run %d (want > 0), rerun from the cache %d (want 0)",
			first.Speed.TrainedTargetToken, second.Speed.TrainedTargetToken)
	}
	first.Speed, second.Speed = nil, nil
	if !reflect.DeepEqual(first, second) {
		t.Fatal("the rerun from the cache differs from the first run")
	}
}

func TestBadData(t *testing.T) {
	for _, data := range []string{"nope-not-a-dir", "ntrx"} {
		_, err := New().ConfigKey(suite.Options{Profile: "smoke", Data: data})
		if err == nil || !cli.IsUsage(err) || !strings.Contains(err.Error(), data) {
			t.Errorf("--data %s: %v", data, err)
		}
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "languages.tsv"), []byte("xx high\nyy low\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "eng.txt"), []byte("a b\nc d\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "xx.txt"), []byte("e f\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "yy.txt"), []byte("g h\ni j\n"), 0o644)
	_, err := New().Run(context.Background(), suite.Options{Profile: "smoke", Data: dir})
	if err == nil || !strings.Contains(err.Error(), "xx.txt has 1 lines") {
		t.Fatalf("misaligned data: %v", err)
	}
}

// TestTrainTranslateEval runs the suite's commands on the smoke profile:
// train and fine-tune a model, translate with it, evaluate it.
func TestTrainTranslateEval(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "model")
	var out bytes.Buffer
	env := cli.Env{Stdout: &out, Stderr: &out}
	ctx := context.Background()
	if err := trainCommand().Run(ctx, env, []string{"--profile", "smoke", "--seed", "3", "--out", dir, "--lang", "a2", "--tokens", "300"}); err != nil {
		t.Fatalf("train: %v\n%s", err, out.String())
	}
	if err := trainCommand().Run(ctx, env, []string{"--profile", "smoke", "--out", dir, "--lang", "zz"}); err == nil || !cli.IsUsage(err) || !strings.Contains(err.Error(), `"zz"`) {
		t.Fatalf("unknown language: %v", err)
	}
	out.Reset()
	if err := evalCommand().Run(ctx, env, []string{"--model", dir, "--beam", "2", "--n", "10"}); err != nil || !strings.Contains(out.String(), "a2: BLEU") {
		t.Fatalf("eval: %v %q", err, out.String())
	}
	var x savedExtra
	m, err := nmt.Load(dir, &x)
	if err != nil {
		t.Fatal(err)
	}
	l, err := m.Lang("a2")
	if err != nil {
		t.Fatal(err)
	}
	var tr bytes.Buffer
	in := strings.Join([]string{strings.Join(l.Vocab.Tokens[4:7], " "), "", "unknownword"}, "\n")
	if err := translateStream(strings.NewReader(in), &tr, m, l, nil, false, 2); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(tr.String(), "\n"); got != 3 {
		t.Fatalf("translate wrote %d lines for 3: %q", got, tr.String())
	}
	if err := translateStream(strings.NewReader("ok\n\xff\n"), &tr, m, l, nil, false, 1); err == nil || !strings.Contains(err.Error(), "stdin:2: invalid UTF-8") {
		t.Fatalf("invalid UTF-8: %v", err)
	}
}

func TestSegment(t *testing.T) {
	v := nmt.NewVocab([]string{"ev", "-ler", "-im", "-i", "kitap"})
	for _, c := range []struct{ in, want string }{
		{"evlerimi", "ev -ler -im -i"}, {"kitap", "kitap"}, {"evx", "evx"}, {"-ler", "-ler"},
	} {
		if got := strings.Join(segment(v, c.in), " "); got != c.want {
			t.Errorf("segment(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestPowerReportsStillReadable checks that the power profile's reports
// kept in assets/nmt/power are ones this program's --across accepts
// (Suite.Across refuses a report whose configuration is not the one the
// program gives for its seed) and that every one measures the primary and
// secondary claims. A change to
// the quick profile (power is derived from it) fails here: the seeds must
// run again (assets/nmt/power/README.md).
func TestPowerReportsStillReadable(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("..", "..", "assets", "nmt", "power", "seed-*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) < 2 {
		t.Fatalf("%d power reports in assets/nmt/power, want the seeds of the claims table", len(paths))
	}
	s := New()
	var reps []*suite.Report
	for _, p := range paths {
		rep, err := suite.ReadReport(p)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Profile != "power" {
			t.Fatalf("%s: a report of profile %s, want power", p, rep.Profile)
		}
		reps = append(reps, rep)
	}
	sp, err := s.Across(reps)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{claimMetaBeatsMultitask, claimGapShrinks} {
		i := slices.IndexFunc(sp.Claims, func(c claims.Result) bool { return c.Claim.ID == id })
		if i < 0 || sp.Claims[i].N != len(reps) {
			t.Errorf("claim %s not measured by all %d power reports", id, len(reps))
		}
	}
}
