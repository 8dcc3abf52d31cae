#!/usr/bin/python3
"""Reference values for vigil's drift tests, computed with SciPy/NumPy.

Run with Debian's python3-scipy: /usr/bin/python3 testdata/drift/gen_fixtures.py
It prints JSON to stdout; the committed copy is testdata/drift/fixtures.json,
and drift/stats's TestAgainstSciPy compares the Go results with it.

drift/stats's TestFixturesMatchSciPy runs this script again (so does CI) and
fails if its output disagrees with the committed file beyond tolerance. The
output is not byte-identical across machines: NumPy picks SIMD code paths
for the CPU at run time, and values move in their last digits (np.logspace's
inputs, scipy.special.kv, kstwo.sf ~1e-16 relative; Anderson-Darling ~1e-15;
Cramer-von Mises p-values up to 3.3e-7 relative where p ~ 7e-10). So the
comparison requires the same sections, cases, names and keys; integers,
counts and generator specs equal; p-values (pvalue, chi_square_p, sf) within
1e-6 relative or 1e-14 absolute; every other float within 1e-9 relative, an
exact zero staying zero. TestFixturesMatchSciPyWithoutSIMD runs it with
NPY_DISABLE_CPU_FEATURES naming every dispatched feature and requires the
same. Regenerate the committed file only when SciPy's results really change.

PSI and Hellinger have no SciPy function; they are written here with NumPy
from their textbook definitions, independently of the Go code.

Large two-sample cases are not stored value by value: they name a
deterministic generator (splitmix64 uniforms summed in fixed order, see
generated()), which drift/stats's tests reimplement, so the same samples
exist on both sides bit for bit.
"""
import json
import sys
import warnings

import numpy as np
from scipy import special, stats
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


def splitmix_uniforms(seed, count):
    """count uniforms in [0, 1) with 53 random bits, from splitmix64."""
    idx = np.arange(1, count + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = np.uint64(seed) + idx * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * 2.0 ** -53


def generated(spec):
    """The sample a generator spec describes: loc + scale * (u1+u2+u3+u4 - 2),
    an Irwin-Hall approximation of a normal, summed left to right; with
    "step", floored to multiples of it (ties)."""
    u = splitmix_uniforms(spec["seed"], 4 * spec["n"]).reshape(spec["n"], 4)
    s = ((u[:, 0] + u[:, 1]) + u[:, 2]) + u[:, 3]
    v = spec["loc"] + spec["scale"] * (s - 2.0)
    if spec.get("step"):
        v = np.floor(v / spec["step"]) * spec["step"]
    return v


def gen(seed, n, loc=0.0, scale=1.0, step=0.0):
    return {"seed": seed, "n": n, "loc": loc, "scale": scale, "step": step}


def two_sample(name, ref, cur):
    """A two-sample case: inline values, or generator specs (dicts)."""
    case = {"name": name}
    if isinstance(ref, dict):
        case["ref_gen"], case["cur_gen"] = ref, cur
        ref, cur = generated(ref), generated(cur)
    else:
        ref = [float(x) for x in ref]
        cur = [float(x) for x in cur]
        case["ref"], case["cur"] = ref, cur
    return case, np.asarray(ref, dtype=float), np.asarray(cur, dtype=float)


def ks(name, ref, cur):
    case, ref, cur = two_sample(name, ref, cur)
    r = stats.ks_2samp(ref, cur, alternative="two-sided", method="auto")
    case.update(statistic=float(r.statistic), pvalue=float(r.pvalue))
    return case


def cvm(name, ref, cur):
    case, ref, cur = two_sample(name, ref, cur)
    r = stats.cramervonmises_2samp(ref, cur, method="auto")
    case.update(statistic=float(r.statistic), pvalue=float(r.pvalue))
    return case


def ad(name, ref, cur):
    case, ref, cur = two_sample(name, ref, cur)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SciPy warns when it caps the p-value
        r = stats.anderson_ksamp([ref, cur], midrank=True)
    case.update(statistic=float(r.statistic), pvalue=float(r.significance_level))
    return case


def kstwo_cases():
    """scipy.stats.kstwo.sf over sample sizes and statistics chosen to reach
    every branch of Simard and L'Ecuyer's algorithm."""
    out = []
    for n in [1, 2, 3, 10, 60, 140, 141, 1000, 20000, 100000, 100001, 400000, 1500000]:
        xs = {0.5 / n, 0.3 / n, 0.75 / n, 1.0 / n, 1.5 / n, (n - 0.5) / n, 0.5, 0.6, 0.9, 0.999, 1.0}
        for c in [0.01, 0.05, 0.1, 0.2, 0.5, 0.75, 0.76, 1.5, 2.1, 2.3, 3.9, 4.1, 10, 100, 369, 371]:
            xs.add(float(np.sqrt(c / n)))
        for x in sorted(xs):
            if 0 < x <= 1:
                out.append({"n": n, "x": x, "sf": float(stats.kstwo.sf(x, n))})
    return out


def bessel_k_cases():
    """scipy.special.kv(0.25, q), which the Cramer-von Mises limiting CDF uses."""
    return [{"q": float(q), "kv": float(special.kv(0.25, q))} for q in np.logspace(-3, 2.7, 40)]


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
    ], "ks": [
        ks("tiny", [1.0, 2.0, 3.0], [2.5, 3.5]),
        ks("one each", [1.0], [2.0]),
        ks("one against many", [0.5], rng.normal(0, 1, 40)),
        ks("ties", [1, 1, 2, 2, 2, 3, 5], [1, 2, 2, 3, 3, 3, 4, 5, 5]),
        ks("identical", [0.5, 1.5, 2.5], [0.5, 1.5, 2.5]),
        ks("disjoint", [1, 2, 3, 4, 5], [6, 7, 8, 9]),
        ks("unequal sizes", rng.normal(0, 1, 50), rng.normal(0.3, 1.2, 173)),
        ks("equal sizes", rng.normal(0, 1, 400), rng.normal(0.15, 1, 400)),
        ks("integers", rng.integers(0, 20, 300), rng.integers(2, 22, 300)),
        ks("coprime sizes", rng.normal(0, 1, 997), rng.normal(0.1, 1, 1000)),
        ks("exact 10000 vs 9999", gen(1, 10000), gen(2, 9999, 0.03)),
        ks("exact 10000 vs 10000", gen(3, 10000), gen(4, 10000, 0.02)),
        ks("exact 10000 vs 7 far", gen(5, 10000), gen(6, 7, 1.5)),
        ks("asymptotic 10001 vs 50 null", gen(7, 10001), gen(8, 50)),
        ks("asymptotic 10001 vs 50 shifted", gen(9, 10001), gen(10, 50, 0.5)),
        ks("asymptotic 10001 vs 50 far", gen(11, 10001), gen(12, 50, 2.0)),
        ks("asymptotic 10001 vs 3", gen(13, 10001), gen(14, 3, 0.7)),
        ks("large 20000 vs 15000", gen(15, 20000), gen(16, 15000, 0.03)),
        ks("large 20000 vs 15000 null", gen(17, 20000), gen(18, 15000)),
        ks("large with ties", gen(19, 20000, step=0.1), gen(20, 15000, 0.02, step=0.1)),
        ks("large identical", gen(21, 20000), gen(21, 20000)),
        ks("large 250000 vs 250000", gen(22, 250000), gen(23, 250000)),
    ], "kstwo": kstwo_cases(), "bessel_k_quarter": bessel_k_cases(), "cramer_von_mises": [
        cvm("tiny", [1.0, 2.0], [1.5, 3.0]),
        cvm("exact 5 vs 7", rng.normal(0, 1, 5), rng.normal(0.5, 1, 7)),
        cvm("exact ties", [1, 1, 2, 2, 2, 3, 5], [1, 2, 2, 3, 3, 3, 4, 5, 5]),
        cvm("exact identical", [0.5, 1.5, 2.5, 4.0], [0.5, 1.5, 2.5, 4.0]),
        cvm("exact 20 vs 20", rng.normal(0, 1, 20), rng.normal(0.6, 1, 20)),
        cvm("exact 20 vs 13", rng.normal(0, 1, 20), rng.normal(0, 1.5, 13)),
        cvm("asymptotic 21 vs 20", rng.normal(0, 1, 21), rng.normal(0.4, 1, 20)),
        cvm("unequal sizes", rng.normal(0, 1, 50), rng.normal(0.3, 1.2, 173)),
        cvm("integers", rng.integers(0, 20, 300), rng.integers(2, 22, 300)),
        cvm("every value twice", rng.normal(0, 1, 100).tolist() * 2, rng.normal(0, 1, 100).tolist() * 2),
        cvm("identical", np.arange(30) * 0.5, np.arange(30) * 0.5),
        cvm("shifted", rng.normal(0, 1, 2000), rng.normal(0.3, 1, 3000)),
        cvm("far", rng.normal(0, 1, 500), rng.normal(3, 1, 500)),
        cvm("large 20000 vs 15000", gen(31, 20000), gen(32, 15000, 0.03)),
        cvm("large with ties", gen(33, 20000, step=0.1), gen(34, 15000, step=0.1)),
    ], "anderson_darling": [
        ad("small", [1.0, 2.0, 3.5], [1.5, 3.0, 4.0]),
        ad("5 vs 7", rng.normal(0, 1, 5), rng.normal(0.5, 1, 7)),
        ad("ties", [1, 1, 2, 2, 2, 3, 5], [1, 2, 2, 3, 3, 3, 4, 5, 5]),
        ad("identical", [0.5, 1.5, 2.5, 4.0], [0.5, 1.5, 2.5, 4.0]),
        ad("unequal sizes", rng.normal(0, 1, 50), rng.normal(0.3, 1.2, 173)),
        ad("moderate shift", rng.normal(0, 1, 200), rng.normal(0.25, 1, 200)),
        ad("slight shift", rng.normal(0, 1, 300), rng.normal(0.12, 1, 300)),
        ad("slighter shift", rng.normal(0, 1, 300), rng.normal(0.08, 1, 300)),
        ad("scale change", rng.normal(0, 1, 400), rng.normal(0, 1.15, 400)),
        ad("null", rng.normal(0, 1, 400), rng.normal(0, 1, 400)),
        ad("interpolated, shift 0.06", gen(51, 500), gen(52, 500, 0.06)),
        ad("interpolated, shift 0.09", gen(51, 500), gen(52, 500, 0.09)),
        ad("interpolated, shift 0.12", gen(51, 500), gen(52, 500, 0.12)),
        ad("integers", rng.integers(0, 20, 300), rng.integers(2, 22, 300)),
        ad("far", rng.normal(0, 1, 500), rng.normal(3, 1, 500)),
        ad("large 20000 vs 15000", gen(41, 20000), gen(42, 15000, 0.02)),
        ad("large with ties", gen(43, 20000, step=0.1), gen(44, 15000, step=0.1)),
    ], "binning": [
        binning("deciles of normals", rng.normal(0, 1, 1000), rng.normal(0.2, 1, 777), 10),
        binning("ties in the reference", rng.integers(0, 5, 400), rng.integers(0, 6, 300), 10),
        binning("tiny reference", [3.0, 1.0, 2.0], [0.5, 1.5, 2.5, 3.5], 4),
        binning("values on the edges", [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 5),
        binning("many bins", rng.exponential(2, 5000), rng.exponential(2.2, 5000), 50),
    ] + [
        # Sizes where (n-1)*k/10 is a whole number, so decile edges fall
        # exactly on reference values; the current sample holds every
        # reference value, so an edge a rounding error above its value
        # moves that value to the lower bin.
        binning(f"deciles on data points, n={n}", ref, np.concatenate([ref, rng.normal(0.3, 1, n)]), 10)
        for n in (21, 41, 101, 1001)
        for ref in [rng.normal(0, 1, n)]
    ]}
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
