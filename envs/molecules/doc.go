// Package molecules is the chemistry of the drug suite: a molecular graph,
// a SMILES parser and writer (OpenSMILES grammar), RDKit-compatible
// sanitisation (implicit hydrogens, Kekulé assignment, ring perception and
// RDKit's default aromaticity model), ECFP/Morgan fingerprints that equal
// RDKit's GetMorganFingerprintAsBitVect, Bemis–Murcko scaffolds, a
// generator of synthetic drug-like molecules and assays, a reader of
// MoleculeNet-style CSV files, and the splits of a collection into folds or
// train, valid and test parts (random, stratified, DeepChem's scaffold
// split).
//
// The conventions follow RDKit where the papers leave a choice, so that a
// user gets the same bits for the same molecule; docs/drug.md lists the
// rules and the measured agreement with RDKit on Tox21.
package molecules
