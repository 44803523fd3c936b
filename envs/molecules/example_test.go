package molecules_test

import (
	"fmt"

	"github.com/metabench/metabench/envs/molecules"
)

// Example parses a SMILES (aspirin), writes it back and computes its
// ECFP4/1024 bits — the same bits as RDKit's
// GetMorganFingerprintAsBitVect(MolFromSmiles(s), 2, nBits=1024).
func Example() {
	m, err := molecules.Parse("CC(=O)Oc1ccccc1C(=O)O")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(m.Atoms), "atoms,", len(m.Rings()), "ring")
	fmt.Println(molecules.WriteSMILES(m))
	fmt.Println(molecules.DefaultECFP.OnBits(m))
	_, err = molecules.Parse("c1cc(C)cc")
	fmt.Println(err)
	// Output:
	// 13 atoms, 1 ring
	// CC(=O)Oc1ccccc1C(=O)O
	// [11 23 33 64 175 356 386 389 423 444 456 592 650 695 705 726 751 807 849 893 909 946 967 1017]
	// SMILES "c1cc(C)cc": position 2: ring bond 1 is never closed
}
