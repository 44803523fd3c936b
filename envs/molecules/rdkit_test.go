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

// rdkitFixture reads testdata/tox21_ecfp4_rdkit.tsv.gz, written once by
// RDKit 2022.09 (scripts in docs/drug.md): per Tox21 row, the on-bits of
// GetMorganFingerprintAsBitVect(MolFromSmiles(s), 2, nBits=1024).
func rdkitFixture(t testing.TB) map[int][]int {
	t.Helper()
	raw, err := os.ReadFile("testdata/tox21_ecfp4_rdkit.tsv.gz")
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	out := map[int][]int{}
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		row, bits, _ := strings.Cut(sc.Text(), "\t")
		r, _ := strconv.Atoi(row)
		var bs []int
		for _, f := range strings.Fields(bits) {
			b, err := strconv.Atoi(f)
			if err != nil {
				t.Fatalf("fixture row %d: %v", r, err)
			}
			bs = append(bs, b)
		}
		out[r] = bs
	}
	return out
}

func tox21(t testing.TB) *Table {
	t.Helper()
	tab, err := ReadCSV(bytes.NewReader(drug.Tox21), "tox21.csv.gz")
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// TestECFPEqualsRDKitOnTox21 is the suite's promise: our ECFP4/1024 bits
// equal RDKit's on at least 99% of the Tox21 molecules.
func TestECFPEqualsRDKitOnTox21(t *testing.T) {
	fix := rdkitFixture(t)
	tab := tox21(t)
	var same, total int
	var bad []string
	for i, s := range tab.SMILES {
		want, ok := fix[i+1]
		if !ok {
			continue
		}
		total++
		m, err := Parse(s)
		if err != nil {
			bad = append(bad, "row "+strconv.Itoa(i+1)+": "+err.Error())
			continue
		}
		if got := DefaultECFP.OnBits(m); slices.Equal(got, want) {
			same++
		} else {
			bad = append(bad, "row "+strconv.Itoa(i+1)+": "+s)
		}
	}
	frac := float64(same) / float64(total)
	t.Logf("ECFP4/1024 equal to RDKit on %d of %d Tox21 molecules (%.2f%%)", same, total, 100*frac)
	for k, b := range bad {
		if k >= 40 {
			break
		}
		t.Log(b)
	}
	if total < 8000 || frac < 0.99 {
		t.Fatalf("only %d/%d (%.2f%%) equal RDKit, want ≥ 99%%", same, total, 100*frac)
	}
}

// BenchmarkFingerprintTox21 measures SMILES → ECFP4/1024 over the 8,014
// Tox21 molecules (one goroutine); molecules/s = 8014 / (ns/op · 1e-9).
func BenchmarkFingerprintTox21(b *testing.B) {
	tab := tox21(b)
	for b.Loop() {
		for _, s := range tab.SMILES {
			m, err := Parse(s)
			if err != nil {
				b.Fatal(err)
			}
			_ = DefaultECFP.OnBits(m)
		}
	}
	b.ReportMetric(float64(len(tab.SMILES)*b.N)/b.Elapsed().Seconds(), "molecules/s")
}
