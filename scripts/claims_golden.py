#!/usr/bin/python3
# Golden values for benchmarks/claims/stats_test.go, computed with SciPy
# (Debian bookworm's python3-scipy 1.10.1, NumPy 1.24) by:
#
#   /usr/bin/python3 scripts/claims_golden.py
#
# and pasted into the test's fixtures. The fixtures include tied |d|,
# zero differences, both at once, tiny and large n. SciPy's defaults are
# used on purpose: wilcoxon(d) is zero_method='wilcox', correction=False,
# method='auto' (exact for n <= 50 without zeros, else normal approximation
# with zeros dropped); binomtest is exact and two-sided.
import warnings

import numpy as np
import scipy
from scipy import stats

warnings.simplefilter("ignore")  # SciPy warns about zeros and small n; the values are what we want

FIXTURES = {
    "no ties": [0.8, -0.3, 1.9, 2.4, 0.5],
    "three positive": [0.1, 0.2, 0.3],
    "ties": [1, -1, 2, 2, -3, 4, 1.5, 2],
    "zeros": [0, 1.2, -0.4, 0.7, 0, 2.1, 0.9, -1.3, 0.5, 0.3],
    "zeros and ties": [0, 1, -1, 2, 2, 0, 3, -2, 1, 4, 0.5, 0],
    "balanced": [1, -1, 2, -2],
    "mostly negative": [-0.5, -1.2, 0.3, -2.2, -0.9, -1.7],
    "large": [round(np.sin(i * 1.7) + 0.15, 6) for i in range(60)],
}

print("// scipy", scipy.__version__, "numpy", np.__version__)
for name, d in FIXTURES.items():
    d = np.array(d, dtype=float)
    n = len(d)
    lo95, hi95 = stats.t.interval(0.95, n - 1, loc=d.mean(), scale=stats.sem(d))
    lo90, hi90 = stats.t.interval(0.90, n - 1, loc=d.mean(), scale=stats.sem(d))
    w = stats.wilcoxon(d).pvalue
    wins, losses = int((d > 0).sum()), int((d < 0).sum())
    s = stats.binomtest(wins, wins + losses, 0.5).pvalue
    q = np.percentile(d, [2.5, 97.5])
    print(f'{{name: "{name}", d: {list(d)!r}, mean: {d.mean()!r}, lo95: {lo95!r}, hi95: {hi95!r}, '
          f'lo90: {lo90!r}, hi90: {hi90!r}, wilcoxon: {w!r}, sign: {s!r}, q025: {q[0]!r}, q975: {q[1]!r}}},')
