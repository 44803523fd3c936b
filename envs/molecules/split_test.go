package molecules

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/metabench/metabench/assets/drug"
)

func TestScaffoldSplitHand(t *testing.T) {
	tests := []struct {
		name      string
		scaffolds []string
		want      []int
	}{
		// Groups a(3) b(2) then the singletons, later first: g f e fill
		// train to 8; d goes to valid (8+1+1 > 9 is false); c would make
		// train+valid 10 > 9, so test.
		{"ten", []string{"a", "b", "a", "c", "a", "b", "d", "e", "f", "g"}, []int{0, 0, 0, 2, 0, 0, 1, 0, 0, 0}},
		// b(4) does not fit train (9 > 8) and goes to valid, but c(1)
		// after it still fits train.
		{"skip then fill", []string{"a", "a", "a", "a", "a", "b", "b", "b", "b", "c"}, []int{0, 0, 0, 0, 0, 1, 1, 1, 1, 0}},
		// Equal sizes: the group first seen later is placed first, so c
		// takes the valid place and b goes to test.
		{"tie order", []string{"a", "a", "a", "a", "a", "a", "a", "a", "b", "c"}, []int{0, 0, 0, 0, 0, 0, 0, 0, 2, 1}},
		{"two molecules", []string{"x", "y"}, []int{2, 0}},
		{"one molecule", []string{""}, []int{2}},
	}
	for _, tc := range tests {
		got := ScaffoldSplit(tc.scaffolds, [3]float64{0.8, 0.1, 0.1})
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// rdkitScaffolds reads testdata/tox21_scaffold_rdkit.tsv.gz
// (scripts/drug_scaffold_golden.py): per Tox21 molecule RDKit parses, its
// CSV line, RDKit's Murcko scaffold SMILES and its part of DeepChem's
// scaffold split.
func rdkitScaffolds(t *testing.T) (lines []int, scaff []string, part []int) {
	t.Helper()
	raw, err := os.ReadFile("testdata/tox21_scaffold_rdkit.tsv.gz")
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) != 3 {
			t.Fatalf("fixture line %q: want 3 fields", sc.Text())
		}
		l, err1 := strconv.Atoi(f[0])
		p, err2 := strconv.Atoi(f[2])
		if err1 != nil || err2 != nil {
			t.Fatalf("fixture line %q: bad numbers", sc.Text())
		}
		lines, scaff, part = append(lines, l), append(scaff, f[1]), append(part, p)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return
}

// TestScaffoldSplitEqualsDeepChemOnRDKitScaffolds: given RDKit's
// scaffolds of Tox21, ScaffoldSplit puts every molecule where DeepChem's
// ScaffoldSplitter (as written out in the script) does.
func TestScaffoldSplitEqualsDeepChemOnRDKitScaffolds(t *testing.T) {
	_, scaff, want := rdkitScaffolds(t)
	got := ScaffoldSplit(scaff, [3]float64{0.8, 0.1, 0.1})
	diff := 0
	for i := range got {
		if got[i] != want[i] {
			diff++
		}
	}
	if diff > 0 {
		t.Errorf("%d of %d molecules in another part than DeepChem's", diff, len(got))
	}
}

// TestScaffoldKeysGroupAsRDKit: our scaffold keys (envs/molecules) group
// Tox21's molecules as RDKit's Murcko scaffold SMILES do, and the split
// the suite makes from them puts every molecule in DeepChem's part (all
// 8,014 when this was written).
// A molecule agrees when its key's group and its RDKit scaffold's group
// are the same set of
func TestScaffoldKeysGroupAsRDKit(t *testing.T) {
	lines, rdScaff, rdPart := rdkitScaffolds(t)
	tab, err := ReadCSV(bytes.NewReader(drug.Tox21), "tox21.csv.gz")
	if err != nil {
		t.Fatal(err)
	}
	f := Featurize(tab, DefaultECFP)
	at := map[int]int{} // CSV line -> our row
	for i, l := range f.Line {
		at[l] = i
	}
	// Common molecules, in file order.
	var ours, theirs []string
	for k, l := range lines {
		if i, ok := at[l]; ok {
			ours = append(ours, f.Scaff[i])
			theirs = append(theirs, rdScaff[k])
		}
	}
	if len(ours) < len(lines)*99/100 {
		t.Fatalf("only %d of RDKit's %d molecules parsed", len(ours), len(lines))
	}
	groupOf := func(keys []string) []int {
		first := map[string]int{}
		g := make([]int, len(keys))
		for i, k := range keys {
			if _, ok := first[k]; !ok {
				first[k] = i
			}
			g[i] = first[k]
		}
		return g
	}
	// Same partition: both keys map each molecule to the same first member
	// and the groups have the same size.
	go1, go2 := groupOf(ours), groupOf(theirs)
	size1, size2 := map[int]int{}, map[int]int{}
	for i := range go1 {
		size1[go1[i]]++
		size2[go2[i]]++
	}
	agree := 0
	for i := range go1 {
		if go1[i] == go2[i] && size1[go1[i]] == size2[go2[i]] {
			agree++
		}
	}
	t.Logf("scaffold groups: %d of %d molecules in the same group as RDKit's", agree, len(go1))
	if agree < len(go1) {
		t.Errorf("scaffold groups: only %d of %d molecules grouped as RDKit does", agree, len(go1))
	}
	// The split from our keys over all our parsed molecules, against
	// DeepChem's over RDKit's.
	part := ScaffoldSplit(f.Scaff, [3]float64{0.8, 0.1, 0.1})
	same := 0
	for k, l := range lines {
		if i, ok := at[l]; ok && part[i] == rdPart[k] {
			same++
		}
	}
	t.Logf("scaffold split: %d of %d molecules in DeepChem's part", same, len(lines))
	if same < len(lines) {
		t.Errorf("scaffold split: only %d of %d molecules in DeepChem's part", same, len(lines))
	}
}

func TestKFold(t *testing.T) {
	strata := make([]int, 100)
	for i := range 10 {
		strata[i*10] = 1
	}
	f := KFold(100, 5, strata, 1)
	per := make([]int, 5)
	act := make([]int, 5)
	for i, k := range f {
		per[k]++
		act[k] += strata[i]
	}
	for k := range 5 {
		if per[k] != 20 || act[k] != 2 {
			t.Errorf("fold %d: %d rows, %d actives", k, per[k], act[k])
		}
	}
}
