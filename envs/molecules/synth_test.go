package molecules

import (
	"math/rand/v2"
	"testing"
)

func TestGenerateRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		sm, err := GenerateMolecule(r)
		if err != nil {
			t.Fatalf("molecule %d: %v", i, err)
		}
		checkRoundTrip(t, sm.SMILES)
	}
}

func TestGenerateCollection(t *testing.T) {
	cfg := AssayConfig{Molecules: 3000, Families: 4, Noise: 0.3, Groups: []GroupSpec{
		{Name: "pcba", Tasks: 6, Coverage: 0.9, ActiveRate: 0.015},
		{Name: "muv", Tasks: 3, Coverage: 0.5, ActiveRate: 0.01},
	}}
	a, err := Generate(cfg, 7)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Generate(cfg, 7)
	if len(a.SMILES) != 3000 || len(a.Tasks) != 9 {
		t.Fatalf("%d molecules, %d tasks", len(a.SMILES), len(a.Tasks))
	}
	for i := range a.SMILES {
		if a.SMILES[i] != b.SMILES[i] || string(int8s(a.Labels[i])) != string(int8s(b.Labels[i])) {
			t.Fatalf("molecule %d differs between two runs of one seed", i)
		}
	}
	for k, task := range a.Tasks {
		var pos, meas int
		for i := range a.Labels {
			switch a.Labels[i][k] {
			case 1:
				pos++
				meas++
			case 0:
				meas++
			}
		}
		rate := float64(pos) / float64(meas)
		cov := float64(meas) / 3000
		t.Logf("%s family %d shared %.2f: %d/%d active (%.2f%%), coverage %.2f", task.Name, task.Family, task.Shared, pos, meas, 100*rate, cov)
		if rate < 0.005 || rate > 0.025 {
			t.Errorf("%s: active rate %.4f outside 0.5-2.5%%", task.Name, rate)
		}
	}
	c, _ := Generate(cfg, 8)
	if c.SMILES[0] == a.SMILES[0] && c.SMILES[1] == a.SMILES[1] {
		t.Error("another seed gave the same molecules")
	}
}

func int8s(x []int8) []byte {
	b := make([]byte, len(x))
	for i, v := range x {
		b[i] = byte(v)
	}
	return b
}
