package stack

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		spec    string
		want    string // canonical form
		stages  int
		wantErr string
	}{
		{spec: "ab cde fg hij", want: "ab cde fg hij", stages: 6},
		{spec: "  ab   c ", want: "ab c", stages: 1},
		{spec: "abcdefghij", want: "abcdefghij", stages: 9},
		{spec: "ba", want: "ba", stages: 1},
		{spec: "", wantErr: "is empty"},
		{spec: "   ", wantErr: "is empty"},
		{spec: "aba", wantErr: "appears more than once"},
		{spec: "ab a", wantErr: "appears more than once"},
		{spec: "aB", wantErr: "not a block letter"},
		{spec: "a1", wantErr: "not a block letter"},
		{spec: "abcdefghijk", wantErr: "beyond j"},
		{spec: "ac", wantErr: "b is missing"},
		{spec: "a b", wantErr: "nothing to do"},
		{spec: "a", wantErr: "nothing to do"},
		{spec: "ab,cd", wantErr: "not a block letter"},
	}
	for _, tc := range tests {
		got, err := Parse(tc.spec)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Parse(%q) error = %v, want one containing %q", tc.spec, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.spec, err)
			continue
		}
		if got.String() != tc.want || got.NumStages() != tc.stages {
			t.Errorf("Parse(%q) = %q with %d stages, want %q with %d", tc.spec, got, got.NumStages(), tc.want, tc.stages)
		}
	}
}

func TestStagesAreBottomUp(t *testing.T) {
	got := MustParse("abc de").Stages()
	want := []Stage{{Block: 1, On: 2}, {Block: 0, On: 1}, {Block: 3, On: 4}}
	if !slices.Equal(got, want) {
		t.Fatalf("stages = %v, want %v", got, want)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"ab cde fg hij", "abcdefghij", "a", "", "aa", "ab  c\td", "z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		task, err := Parse(spec)
		if err != nil {
			return
		}
		if task.NumBlocks < 2 || task.NumBlocks > 10 || task.NumStages() < 1 {
			t.Fatalf("Parse(%q) accepted %d blocks, %d stages", spec, task.NumBlocks, task.NumStages())
		}
		again, err := Parse(task.String())
		if err != nil || again.String() != task.String() {
			t.Fatalf("canonical form %q of %q does not parse back: %v", task, spec, err)
		}
	})
}

func TestTaskSet(t *testing.T) {
	all := AllTasks()
	// Partitions of n with a part of at least 2, for n = 2..10.
	if len(all) != 128 {
		t.Fatalf("%d tasks, want 128", len(all))
	}
	seen := map[string]bool{}
	for _, task := range all {
		if seen[task.String()] {
			t.Fatalf("task %q twice", task)
		}
		seen[task.String()] = true
	}
	train, test := Tasks(Train), Tasks(Test)
	if len(train)+len(test) != len(all) {
		t.Fatalf("splits have %d+%d tasks, want %d", len(train), len(test), len(all))
	}
	frac := float64(len(test)) / float64(len(all))
	if frac < 0.2 || frac > 0.3 {
		t.Errorf("test fraction %.2f, want about 0.25", frac)
	}
	inTrain := map[string]bool{}
	for _, task := range train {
		inTrain[task.String()] = true
	}
	for _, task := range test {
		if inTrain[task.String()] {
			t.Fatalf("task %q in both splits", task)
		}
	}
	// Stratified: every stage count with four or more tasks has both.
	count := map[int][2]int{}
	for _, task := range train {
		c := count[task.NumStages()]
		c[0]++
		count[task.NumStages()] = c
	}
	for _, task := range test {
		c := count[task.NumStages()]
		c[1]++
		count[task.NumStages()] = c
	}
	for s, c := range count {
		if c[0]+c[1] >= 4 && (c[0] == 0 || c[1] == 0) {
			t.Errorf("stage count %d: %d train, %d test tasks", s, c[0], c[1])
		}
	}
}

func TestRelabel(t *testing.T) {
	task := MustParse("abc de")
	got, err := task.Relabel([]int{4, 3, 2, 1, 0})
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != "edc ba" {
		t.Fatalf("relabelled = %q, want \"edc ba\"", got)
	}
	if _, err := task.Relabel([]int{0, 0, 1, 2, 3}); err == nil {
		t.Fatal("a non-permutation was accepted")
	}
	r := RandomRelabel(task, rand.New(rand.NewPCG(1, 2)))
	if r.NumStages() != task.NumStages() || len(r.Towers) != len(task.Towers) {
		t.Fatalf("random relabel %q changed the layout of %q", r, task)
	}
}
