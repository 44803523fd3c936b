// Package drugbench is the drug suite of metabench: Ramsundar et al.
// (2015), "Massively multitask networks for drug discovery", at reduced
// scale. It featurises molecules (synthetic assay collections shaped like
// PCBA, MUV, Tox21 and DUD-E, or a MoleculeNet CSV such as the shipped
// Tox21) as ECFP4 fingerprints, trains logistic regression, random
// forests and single-task and multitask networks, and reports the paper's
// experiments as tables and plots: models against baselines per dataset
// group, tasks added to held-in tasks, more tasks against more examples,
// pretraining then training on a held-out task, and the multitask gain
// against the active-occurrence rate. Facts and choices: docs/drug.md.
package drugbench
