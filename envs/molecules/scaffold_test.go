package molecules

import "testing"

// TestScaffoldKey checks pairs whose RDKit Murcko scaffolds (MurckoScaffoldSmiles)
// are equal or differ: atoms double-bonded to the framework stay, whatever
// hangs on them.
func TestScaffoldKey(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		same bool
	}{
		{"side chains cut", "Cc1ccccc1", "CCOc1ccccc1CC", true},
		{"acyclic share the empty scaffold", "CCO", "CCCCN", true},
		{"substituted exocyclic alkene keeps its =C", "CC=C1CC2C=CC1C2", "C=C1CC2C=CC1C2", true},
		{"oxime keeps =N", "ON=C1CCCCC1", "N=C1CCCCC1", true},
		{"oxime is not cyclohexane", "ON=C1CCCCC1", "CCSC(=O)N(CC)C1CCCCC1", false},
		{"exocyclic alkene is not a benzyl", "CCC(CN)=C(c1ccccc1)c1ccccc1", "OC(c1ccc(Cl)cc1)c1ccc(Cl)cc1", false},
		{"linker kept", "c1ccccc1CCc1ccccc1", "c1ccccc1Cc1ccccc1", false},
	}
	for _, tc := range tests {
		ma, err := Parse(tc.a)
		if err != nil {
			t.Fatalf("%s: %v", tc.a, err)
		}
		mb, err := Parse(tc.b)
		if err != nil {
			t.Fatalf("%s: %v", tc.b, err)
		}
		ka, kb := ScaffoldKey(ma), ScaffoldKey(mb)
		if (ka == kb) != tc.same {
			t.Errorf("%s: keys of %s and %s equal %v, want %v", tc.name, tc.a, tc.b, ka == kb, tc.same)
		}
	}
	m, _ := Parse("CCO")
	if ScaffoldKey(m) != "" {
		t.Errorf("acyclic molecule: key %q, want empty", ScaffoldKey(m))
	}
}
