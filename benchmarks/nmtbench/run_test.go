package nmtbench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/metabench/metabench/benchmarks/suite"
)

// runLog is the progress log of a run whose workers write it at once; it
// cancels the run (as SIGTERM would) at the first line that matches stop.
type runLog struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	stop   *regexp.Regexp
	cancel context.CancelFunc
}

func (l *runLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stop != nil && l.stop.Match(p) {
		l.cancel()
	}
	return l.buf.Write(p)
}

// counts returns what the run's last "units computed" line says.
func (l *runLog) counts(t *testing.T) (computed, cached int) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	m := regexp.MustCompile(`(?m)^nmt: (\d+) units computed, (\d+) from the cache$`).FindAllStringSubmatch(l.buf.String(), -1)
	if len(m) == 0 {
		t.Fatalf("no count of units in the log:\n%s", l.buf.String())
	}
	last := m[len(m)-1]
	fmt.Sscan(last[1], &computed)
	fmt.Sscan(last[2], &cached)
	return computed, cached
}

// resumeResult is what must not depend on interruptions: the rows (the
// speed is wall time), their tables and the claims measured on them.
type resumeResult struct {
	rows, claims []byte
	tables       string
	units        []Row
}

func smokeWithLog(ctx context.Context, t *testing.T, shard suite.Shard, cache string, log *runLog) (resumeResult, error) {
	t.Helper()
	rep, err := New().Run(ctx, suite.Options{Profile: "smoke", Seed: 3, Shard: shard, CacheDir: cache, Workers: 2, Log: log})
	if err != nil {
		return resumeResult{}, err
	}
	var r Rows
	if err := json.Unmarshal(rep.Rows, &r); err != nil {
		t.Fatal(err)
	}
	r.Speed = nil
	rows, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := json.Marshal(rep.Claims)
	if err != nil {
		t.Fatal(err)
	}
	tb, err := json.Marshal(tables(r))
	if err != nil {
		t.Fatal(err)
	}
	return resumeResult{rows: rows, claims: cl, tables: string(tb), units: r.Units}, nil
}

func sameResult(t *testing.T, what string, got, want resumeResult) {
	t.Helper()
	if !bytes.Equal(got.rows, want.rows) {
		t.Fatalf("%s: rows differ from the uninterrupted run's:\n%s\n%s", what, got.rows, want.rows)
	}
	if !bytes.Equal(got.claims, want.claims) || got.tables != want.tables {
		t.Fatalf("%s: claims or tables differ from the uninterrupted run's", what)
	}
}

// TestInterruptedRunResumes: a smoke run cancelled after a few units
// leaves them in the cache; the same run again computes only the others
// and reports exactly what an uninterrupted run reports. Damaged unit
// files are computed again, and a shard reads what the whole run cached.
func TestInterruptedRunResumes(t *testing.T) {
	want, err := smokeWithLog(context.Background(), t, suite.Shard{}, "", &runLog{})
	if err != nil {
		t.Fatal(err)
	}
	total := len(want.units)
	cache := t.TempDir()
	key, err := New().ConfigKey(suite.Options{Profile: "smoke", Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(cache, "nmt", key, "units")
	files := func() int {
		es, _ := os.ReadDir(dir)
		n := 0
		for _, e := range es {
			if strings.HasPrefix(e.Name(), "unit-") && strings.HasSuffix(e.Name(), ".json") && e.Type().IsRegular() {
				n++
			}
		}
		return n
	}

	// Stopped at the first progress line: a tenth of the units are done.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stopped := &runLog{stop: regexp.MustCompile(`^nmt: \d+/\d+ units\n`), cancel: cancel}
	if _, err := smokeWithLog(ctx, t, suite.Shard{}, cache, stopped); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: %v, want cancelled", err)
	}
	first := files()
	if first == 0 || first >= total {
		t.Fatalf("the interrupted run cached %d of %d units", first, total)
	}

	log := &runLog{}
	got, err := smokeWithLog(context.Background(), t, suite.Shard{}, cache, log)
	if err != nil {
		t.Fatal(err)
	}
	if computed, cached := log.counts(t); computed != total-first || cached != first {
		t.Fatalf("resumed run computed %d and read %d units, want %d and %d", computed, cached, total-first, first)
	}
	sameResult(t, "resumed run", got, want)
	if n := files(); n != total {
		t.Fatalf("%d of %d units cached after the resumed run", n, total)
	}

	// Damaged files, one unit each: each is computed again, none panics.
	unitFile := func(i int) string { return filepath.Join(dir, fmt.Sprintf("unit-%04d.json", i)) }
	damages := []struct {
		name   string
		damage func(path string, row []byte) error
	}{
		{"empty", func(p string, _ []byte) error { return os.WriteFile(p, nil, 0o644) }},
		{"truncated", func(p string, b []byte) error { return os.WriteFile(p, b[:len(b)/2], 0o644) }},
		{"garbage", func(p string, _ []byte) error { return os.WriteFile(p, []byte("\x00\xff not json {{"), 0o644) }},
		{"another unit's row", func(p string, _ []byte) error {
			b, err := os.ReadFile(unitFile(total - 1))
			if err != nil {
				return err
			}
			return os.WriteFile(p, b, 0o644)
		}},
		{"a field missing", func(p string, b []byte) error {
			return os.WriteFile(p, regexp.MustCompile(`,"chrf":[^,}]*`).ReplaceAll(b, nil), 0o644)
		}},
		{"trailing data", func(p string, b []byte) error { return os.WriteFile(p, append(b, b...), 0o644) }},
		{"huge", func(p string, _ []byte) error {
			return os.WriteFile(p, bytes.Repeat([]byte(" "), 2*maxUnitFile), 0o644)
		}},
		{"a directory", func(p string, _ []byte) error {
			if err := os.Remove(p); err != nil {
				return err
			}
			return os.Mkdir(p, 0o755)
		}},
	}
	unstorable := -1 // the unit whose file cannot be replaced
	for i, c := range damages {
		if c.name == "a directory" {
			unstorable = i
		}
		b, err := os.ReadFile(unitFile(i))
		if err != nil {
			t.Fatal(err)
		}
		if err := c.damage(unitFile(i), b); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
	}
	log = &runLog{}
	got, err = smokeWithLog(context.Background(), t, suite.Shard{}, cache, log)
	if err != nil {
		t.Fatal(err)
	}
	if computed, cached := log.counts(t); computed != len(damages) || cached != total-len(damages) {
		t.Fatalf("with %d damaged unit files the run computed %d and read %d units", len(damages), computed, cached)
	}
	sameResult(t, "run with damaged unit files", got, want)
	// The directory in a unit file's place cannot be replaced: the run
	// says so and still reports the unit.
	if !strings.Contains(log.buf.String(), fmt.Sprintf("nmt: cannot cache unit %d ", unstorable)) {
		t.Fatalf("no word of the unit that could not be cached:\n%s", log.buf.String())
	}

	// A shard (one without the unit that could not be cached) reads the
	// units the whole run cached: it computes none.
	sh := suite.Shard{Index: (unstorable + 1) % 3, Count: 3}
	log = &runLog{}
	shard, err := smokeWithLog(context.Background(), t, sh, cache, log)
	if err != nil {
		t.Fatal(err)
	}
	var mine []Row
	for _, u := range want.units {
		if sh.Has(u.Unit) {
			mine = append(mine, u)
		}
	}
	if computed, cached := log.counts(t); computed != 0 || cached != len(mine) {
		t.Fatalf("shard %v computed %d and read %d units, want 0 and %d", sh, computed, cached, len(mine))
	}
	if !reflect.DeepEqual(shard.units, mine) {
		t.Fatalf("shard %v's cached units differ from the whole run's", sh)
	}
}

// TestUnitCacheRoundTrip: a row's floats come back from the cache with
// the same bits, whatever they are.
func TestUnitCacheRoundTrip(t *testing.T) {
	c := newUnitCache(t.TempDir(), "key")
	l := &langData{Code: "a2"}
	u := unit{Exp: "fixedk", Model: "meta", Lang: l, Size: 200, Set: 1, Mode: "emb+enc", K: 2}
	for i, f := range []float64{0, math.Copysign(0, -1), 1.0 / 3, math.Nextafter(25, 26), 5e-324, math.MaxFloat64, 12.345678901234567} {
		r := Row{Unit: i, Exp: u.Exp, Model: u.Model, Lang: l.Code, Size: u.Size, Set: u.Set, Mode: string(u.Mode), K: u.K,
			Tokens: 201, BestEpoch: 1, Dev: f, BLEU: f, ChrF: -f}
		if err := c.store(r); err != nil {
			t.Fatal(err)
		}
		got, ok := c.load(i, u)
		if !ok {
			t.Fatalf("%v: not loaded", f)
		}
		if math.Float64bits(got.BLEU) != math.Float64bits(f) || math.Float64bits(got.ChrF) != math.Float64bits(-f) || got != r {
			t.Fatalf("%v: stored %+v, loaded %+v", f, r, got)
		}
		if _, ok := c.load(i, unit{Exp: u.Exp, Model: u.Model, Lang: l, Size: u.Size, Set: u.Set, Mode: u.Mode, K: u.K + 1}); ok {
			t.Fatalf("unit %d's row loaded for another unit", i)
		}
	}
	if _, ok := (unitCache{}).load(0, u); ok {
		t.Fatal("a run without a cache loaded a unit")
	}
}

// TestPrimaryOnlyCellsArePCells: a run of primaryOnly(p) measures exactly
// the main cells a run of p measures for the same seed, bit for bit, and
// gives the same primary and secondary effects; so the power profile's
// many seeds pool with the quick profile's.
func TestPrimaryOnlyCellsArePCells(t *testing.T) {
	if testing.Short() {
		t.Skip("two smoke runs")
	}
	p := scale(t, "smoke")
	p.Sizes = []int{100, 200}
	sp := spec()
	sp.Profiles = []suite.Profile[Profile]{{Name: "whole", Scale: p}, {Name: "primary", Scale: primaryOnly(p)}}
	sp.Default = "whole"
	s := suite.New(sp)
	runRows := func(profile string) (Rows, map[string][]float64) {
		rep, err := s.Run(context.Background(), suite.Options{Profile: profile, Seed: 5, Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		var r Rows
		if err := json.Unmarshal(rep.Rows, &r); err != nil {
			t.Fatal(err)
		}
		effects := map[string][]float64{}
		for _, c := range rep.Claims {
			if c.N > 0 {
				effects[c.Claim.ID] = c.Values
			}
		}
		return r, effects
	}
	whole, wholeEffects := runRows("whole")
	primary, primaryEffects := runRows("primary")
	mains := func(r Rows) []Row {
		var out []Row
		for _, u := range r.Units {
			if u.Exp == "main" {
				u.Unit = 0 // the unit's index in its plan
				out = append(out, u)
			}
		}
		return out
	}
	got, want := mains(primary), mains(whole)
	if len(want) == 0 || !reflect.DeepEqual(got, want) {
		t.Fatalf("primary-only main cells differ from the whole profile's:\n%+v\n%+v", got, want)
	}
	if n := len(primary.Units); n != len(got) {
		t.Errorf("primary-only run: %d units, %d of them main; want main units only", n, len(got))
	}
	for _, id := range []string{claimMetaBeatsMultitask, claimGapShrinks} {
		g, ok1 := primaryEffects[id]
		w, ok2 := wholeEffects[id]
		if !ok1 || !ok2 || !reflect.DeepEqual(g, w) {
			t.Errorf("claim %s: primary-only effect %v (measured %v), whole %v (measured %v)", id, g, ok1, w, ok2)
		}
	}
	if _, ok := primaryEffects[claimEmbEncBest]; ok {
		t.Errorf("primary-only run measured %s, which needs the modes experiment", claimEmbEncBest)
	}
}

// TestUnitQueue: units come out in plan order among those whose model is
// trained, a taker waits while there is none, and a cancelled wait
// returns the context's error.
func TestUnitQueue(t *testing.T) {
	q := newUnitQueue(2, []int{0, 0, 1, -1, 1}) // unit 3 needs no model
	take := func() int {
		t.Helper()
		k, err := q.take(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	if k := take(); k != 3 {
		t.Fatalf("first unit %d, want 3 (needs no model)", k)
	}
	got := make(chan int)
	go func() {
		k, _ := q.take(context.Background())
		got <- k
	}()
	select {
	case k := <-got:
		t.Fatalf("unit %d taken before any model was trained", k)
	case <-time.After(50 * time.Millisecond):
	}
	q.trained(1) // model 1 first, as multitask ends before meta
	if k := <-got; k != 2 {
		t.Fatalf("after model 1: unit %d, want 2", k)
	}
	if k := take(); k != 4 {
		t.Fatalf("then unit %d, want 4", k)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := q.take(ctx); err == nil {
		t.Fatal("a cancelled wait returned a unit")
	}
	q.trained(0)
	for _, want := range []int{0, 1} {
		if k := take(); k != want {
			t.Fatalf("after model 0: unit %d, want %d", k, want)
		}
	}
}
