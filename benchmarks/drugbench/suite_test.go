package drugbench

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/metabench/metabench/benchmarks/claims"
	"github.com/metabench/metabench/benchmarks/suite"
	"github.com/metabench/metabench/internal/cli"
)

func runSmoke(t *testing.T, s *suite.Suite, data string, sh suite.Shard) *suite.Report {
	t.Helper()
	rep, err := s.Run(context.Background(), suite.Options{Profile: "smoke", Seed: 3, CacheDir: t.TempDir(), Data: data, Shard: sh, Workers: 2, Flags: map[string]string{}})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func tablesJSON(t *testing.T, s *suite.Suite, rep *suite.Report) string {
	t.Helper()
	ts, err := s.Tables(rep)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(ts)
	return string(b)
}

// TestSmokeShardsMerge checks that the smoke profile gives a real result
// and that shards over its units merge into the rows and tables of an
// unsharded run, bit for bit; and that the same seed gives the same rows.
func TestSmokeShardsMerge(t *testing.T) {
	s := New()
	whole := runSmoke(t, s, "", suite.Shard{})
	var rows Rows
	if err := json.Unmarshal(whole.Rows, &rows); err != nil {
		t.Fatal(err)
	}
	models := map[string]bool{}
	exps := map[string]bool{}
	for _, r := range rows.Results {
		exps[r.Exp] = true
		models[r.Model] = true
		for _, a := range r.AUC {
			if !(a >= 0 && a <= 1) {
				t.Fatalf("unit %d: AUC %v", r.Unit, a)
			}
		}
		if len(r.PRC) != len(r.AUC) {
			t.Fatalf("unit %d: %d PRC AUCs for %d ROC AUCs", r.Unit, len(r.PRC), len(r.AUC))
		}
		for _, a := range r.PRC {
			if !(a > 0 && a <= 1) {
				t.Fatalf("unit %d: PRC AUC %v", r.Unit, a)
			}
		}
	}
	for _, e := range []string{ExpModels, ExpAdded, ExpExamples, ExpPretrain} {
		if !exps[e] {
			t.Errorf("experiment %s missing from the smoke run", e)
		}
	}
	for _, m := range AllModels {
		if !models[m] {
			t.Errorf("model %s missing from the smoke run", m)
		}
	}
	var shards []*suite.Report
	for i := range 3 {
		shards = append(shards, runSmoke(t, s, "", suite.Shard{Index: i, Count: 3}))
	}
	merged, err := s.Merge(shards)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(merged.Rows, whole.Rows) {
		t.Fatalf("merged rows differ from the unsharded run:\n%s\n%s", merged.Rows, whole.Rows)
	}
	if tablesJSON(t, s, merged) != tablesJSON(t, s, whole) {
		t.Fatal("merged tables differ")
	}
	// The smoke run makes the rows of every claim; one run shows each
	// with its within-run interval, no verdict; merged shards show the same.
	if len(whole.Claims) != len(suiteClaims) || whole.ClaimsError != "" {
		t.Fatalf("%d claims (%s), want %d", len(whole.Claims), whole.ClaimsError, len(suiteClaims))
	}
	for i, c := range whole.Claims {
		if c.N != 1 || c.Verdict != claims.OneSeed || c.Low == nil || !(*c.Low <= *c.Mean && *c.Mean <= *c.High) {
			t.Errorf("claim %s: n %d, verdict %q, interval %v %v around %v", c.Claim.ID, c.N, c.Verdict, c.Low, c.High, c.Mean)
		}
		if m := merged.Claims[i]; *m.Mean != *c.Mean || *m.Low != *c.Low {
			t.Errorf("claim %s: merged %v [%v], whole %v [%v]", c.Claim.ID, *m.Mean, *m.Low, *c.Mean, *c.Low)
		}
	}
	dir := t.TempDir()
	paths, err := s.Plots(whole, dir)
	if err != nil || len(paths) != 2 {
		t.Fatalf("plots %v: %v", paths, err)
	}
	if _, err := s.Merge(shards[:2]); err == nil || !strings.Contains(err.Error(), "missing shard") {
		t.Errorf("merging 2 of 3 shards: %v", err)
	}
}

func TestSmokeTox21(t *testing.T) {
	s := New()
	rep := runSmoke(t, s, "tox21", suite.Shard{})
	var rows Rows
	if err := json.Unmarshal(rep.Rows, &rows); err != nil {
		t.Fatal(err)
	}
	if rows.Data.Name != "tox21" || len(rows.Data.Tasks) != 12 || rows.Data.Molecules != 600 || rows.Data.Unparsable != 0 {
		t.Fatalf("data %+v", rows.Data)
	}
	if rows.Data.Split != "random 80/10/10" {
		t.Errorf("split %q", rows.Data.Split)
	}
	pm := perTask(rows, ModelPMTNN)
	if len(pm) < 8 {
		t.Fatalf("PMTNN evaluated on %d tasks", len(pm))
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "mols.csv")
	os.WriteFile(csvPath, []byte("smiles,A,B\nCCO,1,0\nC1CC,0,\nc1ccccc1,,1\nCCN,0,1\n"), 0o644)
	tab, err := LoadTable(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "fp.npz")
	var so, se bytes.Buffer
	if err := runFeaturize(context.Background(), cli.Env{Stdout: &so, Stderr: &se}, []string{"--data", csvPath, "--out", out}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(se.String(), "mols.csv:3: skipped") || !strings.Contains(so.String(), "3 molecules") {
		t.Fatalf("stderr %q stdout %q", se.String(), so.String())
	}
	zr, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	names := map[string]string{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		var b bytes.Buffer
		b.ReadFrom(rc)
		rc.Close()
		names[f.Name] = b.String()
	}
	if !strings.Contains(names["X.npy"], "'shape': (3, 1024)") || !strings.Contains(names["y.npy"], "'shape': (3, 2)") {
		t.Fatalf("headers: %q / %q", names["X.npy"][:80], names["y.npy"][:80])
	}
	// y rows must stay aligned with molecules: CCO (1,0), benzene (-1,1), CCN (0,1).
	y := names["y.npy"]
	data := []byte(y[len(y)-6:])
	want := []byte{1, 0, 0xff, 1, 0, 1}
	if !bytes.Equal(data, want) {
		t.Fatalf("labels %v, want %v", data, want)
	}
	if len(tab.SMILES) != 4 {
		t.Fatalf("%d rows", len(tab.SMILES))
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--out", out}, "--data is required"},
		{[]string{"--data", "nope.csv", "--out", out}, "not a file"},
		{[]string{"--data", csvPath, "--out", out, "--bits", "0"}, "--bits 0 is out of range"},
	} {
		err := runFeaturize(context.Background(), cli.Env{Stdout: &so, Stderr: &se}, tc.args)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !cli.IsUsage(err) {
			t.Errorf("%v: %v, want usage error %q", tc.args, err, tc.want)
		}
	}
	os.WriteFile(csvPath, []byte("smiles,A\nCCO,2\n"), 0o644)
	if _, err := LoadTable(csvPath); err == nil || !strings.Contains(err.Error(), "mols.csv:2") {
		t.Errorf("bad label: %v", err)
	}
}

func TestTrainEval(t *testing.T) {
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "mols.csv")
	var sb strings.Builder
	sb.WriteString("smiles,A,B\n")
	for i, s := range []string{"CCO", "c1ccccc1O", "CCN", "c1ccncc1", "CC(=O)O", "c1ccc2ccccc2c1", "CCCl", "c1ccsc1", "OCCO", "c1ccoc1"} {
		sb.WriteString(s + "," + []string{"0", "1"}[i%2] + "," + []string{"1", "0", ""}[i%3] + "\n")
	}
	for range 3 {
		sb.WriteString(sb.String()[len("smiles,A,B\n"):])
	}
	os.WriteFile(csvPath, []byte(sb.String()), 0o644)
	model := filepath.Join(dir, "net.safetensors")
	var so, se bytes.Buffer
	env := cli.Env{Stdout: &so, Stderr: &se}
	if err := runTrain(context.Background(), env, []string{"--data", csvPath, "--model", "mtnn", "--epochs", "2", "--out", model}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(so.String(), "saved "+model) {
		t.Fatalf("train output %q", so.String())
	}
	so.Reset()
	if err := runEval(context.Background(), env, []string{"--model", model, "--data", csvPath}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(so.String(), "mean") || !strings.Contains(so.String(), "│    A │") && !strings.Contains(so.String(), "A") {
		t.Fatalf("eval output %q", so.String())
	}
	if err := runTrain(context.Background(), env, []string{"--model", "xyz", "--out", model}); err == nil || !cli.IsUsage(err) {
		t.Errorf("bad model: %v", err)
	}
	os.WriteFile(model, []byte("not a model"), 0o644)
	if err := runEval(context.Background(), env, []string{"--model", model}); err == nil || strings.Contains(err.Error(), "\n") {
		t.Errorf("bad model file: %v", err)
	}
}

// TestResumeFromCache: a rerun with the same cache directory takes the
// finished units from it and gives the same rows.
func TestResumeFromCache(t *testing.T) {
	s := New()
	cache := t.TempDir()
	o := suite.Options{Profile: "smoke", Seed: 4, CacheDir: cache, Workers: 2, Flags: map[string]string{}}
	a, err := s.Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	units, _ := filepath.Glob(filepath.Join(cache, "drug", "units", "*", "unit-*.json"))
	if len(units) == 0 {
		t.Fatal("no unit results cached")
	}
	b, err := s.Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Rows, b.Rows) {
		t.Fatal("resumed run differs")
	}
}

// TestScaffoldSplitRun: --split scaffold on synthetic data scores one
// fold whose test molecules share no scaffold with the training molecules,
// and its runs are cached apart from the random split's.
func TestScaffoldSplitRun(t *testing.T) {
	s := New()
	cache := t.TempDir()
	run := func(how string) Rows {
		o := suite.Options{Profile: "smoke", Seed: 3, CacheDir: cache, Workers: 2, Flags: map[string]string{"split": how}}
		rep, err := s.Run(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		var rows Rows
		if err := json.Unmarshal(rep.Rows, &rows); err != nil {
			t.Fatal(err)
		}
		return rows
	}
	sc := run("scaffold")
	if sc.Data.Split != "scaffold 80/10/10" {
		t.Errorf("split %q", sc.Data.Split)
	}
	for _, r := range sc.Results {
		if r.Fold != 0 {
			t.Errorf("unit %d: fold %d in a one-fold split", r.Unit, r.Fold)
		}
	}
	if len(perTask(sc, ModelPMTNN)) == 0 {
		t.Fatal("PMTNN scored no task")
	}
	rnd := run("random")
	if rnd.Data.Split != "stratified k-fold" {
		t.Errorf("random split of synthetic data: %q", rnd.Data.Split)
	}
	dirs, _ := filepath.Glob(filepath.Join(cache, "drug", "units", "*"))
	if len(dirs) != 2 {
		t.Errorf("%d unit cache directories for two splits, want 2", len(dirs))
	}

	p, err := spec().Scale("smoke")
	if err != nil {
		t.Fatal(err)
	}
	d, err := loadDataset(context.Background(), "", nil, p, 3)
	if err != nil {
		t.Fatal(err)
	}
	train, test := split(p, d, 0, "scaffold", 3)
	seen := map[string]bool{}
	for _, i := range train {
		seen[d.Scaff[i]] = true
	}
	for _, i := range test {
		if seen[d.Scaff[i]] {
			t.Fatalf("test molecule %d shares its scaffold with a training molecule", i)
		}
	}
	n := d.Data.Rows()
	if len(train) > n*8/10 || len(test) == 0 {
		t.Errorf("scaffold split: %d train, %d test of %d", len(train), len(test), n)
	}
	t.Logf("scaffold split of %d synthetic molecules: %d train, %d test", n, len(train), len(test))
}
