#!/usr/bin/python3
# Golden scaffolds and scaffold split of the shipped Tox21 for
# envs/molecules/split_test.go, computed with Debian bookworm's
# python3-rdkit (2022.09) by:
#
#   /usr/bin/python3 scripts/drug_scaffold_golden.py | gzip -9n > envs/molecules/testdata/tox21_scaffold_rdkit.tsv.gz
#
# One line per molecule RDKit parses, in file order: the 1-based line of
# the row in tox21.csv, its Bemis-Murcko scaffold as DeepChem computes it
# (MurckoScaffoldSmiles(mol=MolFromSmiles(s), includeChirality=False);
# "" for acyclic molecules) and its part of DeepChem's ScaffoldSplitter
# 80/10/10 split over the parsed molecules (0 train, 1 valid, 2 test).
# The split follows DeepChem's documented ScaffoldSplitter (written out
# here, since DeepChem is not packaged for Debian): groups keyed by
# scaffold, sorted by (size, first index) reversed, each whole group into
# train unless it would pass 0.8 n, else valid unless train + valid would
# pass 0.9 n, else test.
import csv
import gzip
import os
import sys

from rdkit import Chem, RDLogger
from rdkit.Chem.Scaffolds.MurckoScaffold import MurckoScaffoldSmiles

RDLogger.DisableLog("rdApp.*")

here = os.path.dirname(os.path.abspath(__file__))
path = os.path.join(here, "..", "assets", "drug", "tox21.csv.gz")
rows = []
with gzip.open(path, "rt", newline="") as f:
    r = csv.reader(f)
    header = next(r)
    col = header.index("smiles")
    for k, rec in enumerate(r):
        mol = Chem.MolFromSmiles(rec[col])
        if mol is None:
            continue
        rows.append((k + 2, MurckoScaffoldSmiles(mol=mol, includeChirality=False)))

scaffolds = {}
for ind, (_, s) in enumerate(rows):
    scaffolds.setdefault(s, []).append(ind)
sets = sorted(scaffolds.values(), key=lambda x: (len(x), x[0]), reverse=True)
frac_train, frac_valid = 0.8, 0.1
train_cutoff = frac_train * len(rows)
valid_cutoff = (frac_train + frac_valid) * len(rows)
part = [0] * len(rows)
n_train = n_valid = 0
for s in sets:
    if n_train + len(s) > train_cutoff:
        if n_train + n_valid + len(s) > valid_cutoff:
            dst = 2
        else:
            dst = 1
            n_valid += len(s)
    else:
        dst = 0
        n_train += len(s)
    for i in s:
        part[i] = dst

out = sys.stdout
for (line, s), p in zip(rows, part):
    out.write("%d\t%s\t%d\n" % (line, s, p))
