#!/usr/bin/python3
"""Reference values for vigil's drift tests, computed with SciPy/NumPy.

Run with Debian's python3-scipy: /usr/bin/python3 testdata/drift/gen_fixtures.py
It prints JSON to stdout; the committed copy is testdata/drift/fixtures.json,
and drift/stats's TestAgainstSciPy compares the Go results with it. CI runs
this script again and fails if the output differs from the committed file.

PSI and Hellinger have no SciPy function; they are written here with NumPy
from their textbook definitions, independently of the Go code.
"""
import json
import sys

import numpy as np
from scipy import stats
from scipy.spatial import distance

EPS = 1e-6


def props(counts, eps):
    c = np.asarray(counts, dtype=float)
    p = c / c.sum()
    if eps:
        p = np.where(p == 0, eps, p)
    return p


def binned(name, ref, cur):
    q, p = props(ref, EPS), props(cur, EPS)
    psi = float(np.sum((p - q) * np.log(p / q)))
    kl = float(stats.entropy(p, q))
    js = float(distance.jensenshannon(props(cur, 0), props(ref, 0)))
    hp, hq = props(cur, 0), props(ref, 0)
    hel = float(np.sqrt(0.5 * np.sum((np.sqrt(hp) - np.sqrt(hq)) ** 2)))
    table = np.array([ref, cur], dtype=float)
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] >= 2:
        chi = stats.chi2_contingency(table, correction=False)
        chi_stat, chi_p = float(chi[0]), float(chi[1])
    else:
        chi_stat, chi_p = 0.0, 1.0
    return {"name": name, "ref_counts": list(map(float, ref)), "cur_counts": list(map(float, cur)),
            "psi": psi, "kl": kl, "jensen_shannon": js, "hellinger": hel,
            "chi_square": chi_stat, "chi_square_p": chi_p}


def samples(name, ref, cur):
    ref = [float(x) for x in ref]
    cur = [float(x) for x in cur]
    return {"name": name, "ref": ref, "cur": cur,
            "wasserstein": float(stats.wasserstein_distance(ref, cur)),
            "ks": float(stats.ks_2samp(ref, cur).statistic)}


def binning(name, ref, cur, bins):
    ref = np.asarray(ref, dtype=float)
    cur = np.asarray(cur, dtype=float)
    edges = np.quantile(ref, [k / bins for k in range(1, bins)])
    counts = np.bincount(np.digitize(cur, edges), minlength=bins)
    return {"name": name, "ref": [float(x) for x in ref], "cur": [float(x) for x in cur], "bins": bins,
            "edges": [float(x) for x in edges], "counts": [float(x) for x in counts]}


def main():
    rng = np.random.default_rng(20261125)
    out = {"binned": [
        binned("identical", [10, 20, 30, 40], [10, 20, 30, 40]),
        binned("scaled identical", [10, 20, 30, 40], [1, 2, 3, 4]),
        binned("shifted", [40, 30, 20, 10], [10, 20, 30, 40]),
        binned("empty bin in current", [25, 25, 25, 25], [50, 0, 25, 25]),
        binned("empty bin in reference", [50, 0, 25, 25], [25, 25, 25, 25]),
        binned("empty in both", [10, 0, 30, 60], [20, 0, 20, 60]),
        binned("new category", [500, 300, 200, 0], [450, 300, 200, 50]),
        binned("tiny", [1, 2], [2, 1]),
        binned("large", list(rng.integers(1000, 100000, 20)), list(rng.integers(1000, 100000, 20))),
    ], "samples": [
        samples("tiny", [1.0, 2.0, 3.0], [2.5, 3.5]),
        samples("ties", [1, 1, 2, 2, 2, 3, 5], [1, 2, 2, 3, 3, 3, 4, 5, 5]),
        samples("unequal sizes", rng.normal(0, 1, 50), rng.normal(0.3, 1.2, 173)),
        samples("identical", [0.5, 1.5, 2.5], [0.5, 1.5, 2.5]),
        samples("large", rng.normal(10, 2, 5000), rng.normal(10.2, 2, 4000)),
        samples("integers", rng.integers(0, 20, 300), rng.integers(2, 22, 300)),
    ], "binning": [
        binning("deciles of normals", rng.normal(0, 1, 1000), rng.normal(0.2, 1, 777), 10),
        binning("ties in the reference", rng.integers(0, 5, 400), rng.integers(0, 6, 300), 10),
        binning("tiny reference", [3.0, 1.0, 2.0], [0.5, 1.5, 2.5, 3.5], 4),
        binning("values on the edges", [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 5),
        binning("many bins", rng.exponential(2, 5000), rng.exponential(2.2, 5000), 50),
    ]}
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
