#!/usr/bin/python3
"""Reference implementation of Evidently's default drift tests, for
`conventions: "evidently"` (docs/drift-tests.md, "Evidently compatibility").

Written from Evidently's source, github.com/evidentlyai/evidently at commit
a4aa4c2b37fe7a4344cc5031f566deccf3d69e4f (2026-05-02), the files

  src/evidently/legacy/calculations/stattests/registry.py
      StatTest (default_threshold 0.05 unless set), _get_default_stattest
  src/evidently/legacy/calculations/stattests/utils.py
      get_binned_data, get_unique_not_nan_values_list_from_series
  src/evidently/legacy/calculations/stattests/psi.py
  src/evidently/legacy/calculations/stattests/kl_div.py
  src/evidently/legacy/calculations/stattests/jensenshannon.py
  src/evidently/legacy/calculations/stattests/hellinger_distance.py
  src/evidently/legacy/calculations/stattests/wasserstein_distance_norm.py
  src/evidently/legacy/calculations/stattests/ks_stattest.py
  src/evidently/legacy/calculations/stattests/cramer_von_mises_stattest.py
  src/evidently/legacy/calculations/stattests/anderson_darling_stattest.py
  src/evidently/legacy/calculations/stattests/chisquare_stattest.py
  src/evidently/legacy/calculations/stattests/z_stattest.py
  src/evidently/legacy/calculations/data_drift.py
      get_one_column_drift: NaN and +-Inf are dropped from both columns
      before the test is chosen and run

(the current `evidently` package's drift metrics call these legacy
stattests: src/evidently/metrics/column_statistics.py calls
get_one_column_drift). Evidently works on pandas Series; this script uses only NumPy
and SciPy, so pandas' value_counts and nunique are spelled out below. One
liberty: Evidently iterates categories in Python set order, this script in
sorted order, which changes sums only in their last bits.

Run with Debian's interpreter (python3-numpy, python3-scipy):

    /usr/bin/python3 testdata/drift/evidently_reference.py > testdata/drift/evidently_fixtures.json

drift/evidently_test.go checks vigil against the output;
drift/stats/evidently_regen_test.go re-runs this script and compares.
"""

import json
import math
import sys
import warnings

import numpy as np
from scipy import stats
from scipy.spatial import distance
from scipy.special import gammaln, kv
from scipy.stats import rankdata

EVIDENTLY_COMMIT = "a4aa4c2b37fe7a4344cc5031f566deccf3d69e4f"

NUMERICAL, CATEGORICAL = "num", "cat"

# Default thresholds (StatTest.default_threshold, 0.05 unless given) and
# the comparison that means drift, per test, from the files above.
TESTS = {
    # vigil name: (Evidently name, default threshold, drift comparison)
    "psi": ("psi", 0.1, ">="),
    "kl": ("kl_div", 0.1, ">="),
    "jensen_shannon": ("jensenshannon", 0.1, ">="),
    "hellinger": ("hellinger", 0.1, ">="),
    "wasserstein": ("wasserstein", 0.1, ">="),
    "ks": ("ks", 0.05, "<="),
    "cramer_von_mises": ("cramer_von_mises", 0.1, "<="),
    "anderson_darling": ("anderson", 0.1, "<"),
    "chi_square": ("chisquare", 0.05, "<"),
    "z": ("z", 0.05, "<"),
}
PVALUE = {"ks", "cramer_von_mises", "anderson_darling", "chi_square", "z"}


def drifted(method, value, threshold):
    op = TESTS[method][2]
    return {">=": value >= threshold, "<=": value <= threshold, "<": value < threshold}[op]


# --- pandas helpers -------------------------------------------------------


def unique(x):
    """Series.unique() as a sorted list (NaNs are already dropped)."""
    return sorted(set(x.tolist()))


def value_counts(x):
    """dict(Series.value_counts())."""
    vals, counts = np.unique(x, return_counts=True)
    return dict(zip(vals.tolist(), counts.tolist()))


# --- utils.py ---------------------------------------------------------------


def get_unique_not_nan_values_list_from_series(current_data, reference_data):
    return sorted(set(unique(reference_data)) | set(unique(current_data)))


def get_binned_data(reference_data, current_data, feature_type, n, feel_zeroes=True):
    # n (n_bins) is unused by Evidently's get_binned_data.
    n_vals = len(unique(reference_data))
    if feature_type == NUMERICAL and n_vals > 20:
        combined = np.concatenate([reference_data, current_data])
        bins = np.histogram_bin_edges(combined, bins="sturges")
        reference_percents = np.histogram(reference_data, bins)[0] / len(reference_data)
        current_percents = np.histogram(current_data, bins)[0] / len(current_data)
    else:
        keys = get_unique_not_nan_values_list_from_series(current_data=current_data, reference_data=reference_data)
        ref_feature_dict = {**dict.fromkeys(keys, 0), **value_counts(reference_data)}
        current_feature_dict = {**dict.fromkeys(keys, 0), **value_counts(current_data)}
        reference_percents = np.array([ref_feature_dict[key] / len(reference_data) for key in keys])
        current_percents = np.array([current_feature_dict[key] / len(current_data) for key in keys])

    if feel_zeroes:
        np.place(
            reference_percents,
            reference_percents == 0,
            min(reference_percents[reference_percents != 0]) / 10**6
            if min(reference_percents[reference_percents != 0]) <= 0.0001
            else 0.0001,
        )
        np.place(
            current_percents,
            current_percents == 0,
            min(current_percents[current_percents != 0]) / 10**6
            if min(current_percents[current_percents != 0]) <= 0.0001
            else 0.0001,
        )
    return reference_percents, current_percents


# --- the tests ----------------------------------------------------------------


def psi(ref, cur, ftype):  # psi.py
    r, c = get_binned_data(ref, cur, ftype, 30)
    return np.sum((r - c) * np.log(r / c))


def kl(ref, cur, ftype):  # kl_div.py: D(reference || current)
    r, c = get_binned_data(ref, cur, ftype, 30)
    return stats.entropy(r, c)


def jensen_shannon(ref, cur, ftype):  # jensenshannon.py: no smoothing
    r, c = get_binned_data(ref, cur, ftype, 30, False)
    return distance.jensenshannon(r, c, None)


def hellinger(ref, cur, ftype):  # hellinger_distance.py
    keys = sorted(set(unique(ref)) | set(unique(cur)))
    if ftype == CATEGORICAL:
        rc, cc = value_counts(ref), value_counts(cur)
        h = 0.0
        for key in keys:
            p1 = rc.get(key, 0) / len(ref)
            p2 = cc.get(key, 0) / len(cur)
            h += math.sqrt(float(p1) * float(p2))
        h = np.clip(h, 0, 1)
        return math.sqrt(1 - h)
    bins = np.histogram_bin_edges(keys, bins="sturges")
    h1 = np.histogram(ref, bins=bins, density=True)[0]
    h2 = np.histogram(cur, bins=bins, density=True)[0]
    bin_width = (max(bins) - min(bins)) / (len(bins) - 1)
    h = 0.0
    for i in range(len(h1)):
        h += math.sqrt(float(h1[i]) * float(h2[i])) * bin_width
    h = np.clip(h, 0, 1)
    return math.sqrt(1 - h)


def wasserstein(ref, cur, ftype):  # wasserstein_distance_norm.py
    norm = max(float(np.std(ref)), 0.001)
    return stats.wasserstein_distance(ref, cur) / norm


def ks(ref, cur, ftype):  # ks_stattest.py
    return stats.ks_2samp(ref, cur)[1]


def anderson_darling(ref, cur, ftype):  # anderson_darling_stattest.py
    return stats.anderson_ksamp([ref, cur])[2]


def chi_square(ref, cur, ftype):  # chisquare_stattest.py: goodness of fit
    keys = get_unique_not_nan_values_list_from_series(current_data=cur, reference_data=ref)
    ref_feature_dict = {**dict.fromkeys(keys, 0), **value_counts(ref)}
    current_feature_dict = {**dict.fromkeys(keys, 0), **value_counts(cur)}
    k_norm = cur.shape[0] / ref.shape[0]
    f_exp = [ref_feature_dict[key] * k_norm for key in keys]
    f_obs = [current_feature_dict[key] for key in keys]
    with np.errstate(divide="ignore", invalid="ignore"):
        return stats.chisquare(f_obs, f_exp)[1]


def z(ref, cur, ftype):  # z_stattest.py
    if len(unique(ref)) == 1 and len(unique(cur)) == 1 and unique(ref)[0] == unique(cur)[0]:
        return 1
    keys = sorted(get_unique_not_nan_values_list_from_series(current_data=cur, reference_data=ref))
    a = np.where(ref == keys[0], 0, 1)
    b = np.where(cur == keys[0], 0, 1)
    n1, n2 = len(a), len(b)
    p1 = float(sum(a)) / n1
    p2 = float(sum(b)) / n2
    P = float(p1 * n1 + p2 * n2) / (n1 + n2)
    zs = (p1 - p2) / np.sqrt(P * (1 - P) * (1.0 / n1 + 1.0 / n2))
    return 2 * (1 - stats.norm.cdf(np.abs(zs)))


# cramer_von_mises_stattest.py: Evidently's own copy of an older SciPy's
# two-sample Cramér-von Mises test, reproduced here line by line.


def _pval_cvm_2samp_exact(s, m, n):
    lcm = np.lcm(m, n)
    a = lcm // m
    b = lcm // n
    mn = m * n
    zeta = lcm**2 * (m + n) * (6 * s - mn * (4 * mn - 1)) // (6 * mn**2)
    zeta_bound = lcm**2 * (m + n)
    combinations = math.factorial(m + n) / (math.factorial(m) * math.factorial(n))
    max_gs = max(zeta_bound, combinations)
    dtype = np.min_scalar_type(max_gs)
    gs = [np.array([[0], [1]], dtype=dtype)] + [np.empty((2, 0), dtype=dtype) for _ in range(m)]
    for u in range(n + 1):
        next_gs = []
        tmp = np.empty((2, 0), dtype=dtype)
        for v, g in enumerate(gs):
            vi, i0, i1 = np.intersect1d(tmp[0], g[0], return_indices=True)
            tmp = np.concatenate([np.stack([vi, tmp[1, i0] + g[1, i1]]), np.delete(tmp, i0, 1), np.delete(g, i1, 1)], 1)
            tmp[0] += (a * v - b * u) ** 2
            next_gs.append(tmp)
        gs = next_gs
    value, freq = gs[m]
    return np.float64(np.sum(freq[value >= zeta]) / combinations)


def _cdf_cvm_inf(x):
    x = np.asarray(x)

    def term(x, k):
        u = np.exp(gammaln(k + 0.5) - gammaln(k + 1)) / (np.pi**1.5 * np.sqrt(x))
        y = 4 * k + 1
        q = y**2 / (16 * x)
        b = kv(0.25, q)
        return u * np.sqrt(y) * np.exp(-q) * b

    tot = np.zeros_like(x, dtype="float")
    cond = np.ones_like(x, dtype="bool")
    k = 0
    while np.any(cond):
        zz = term(x[cond], k)
        tot[cond] = tot[cond] + zz
        cond[cond] = np.abs(zz) >= 1e-7
        k += 1
    return tot


def cramer_von_mises(ref, cur, ftype):
    xa = np.sort(np.asarray(ref))
    ya = np.sort(np.asarray(cur))
    if xa.size <= 1 or ya.size <= 1:
        raise ValueError("x and y must contain at least two observations.")
    nx, ny = len(xa), len(ya)
    method = "asymptotic" if max(nx, ny) > 20 else "exact"
    zz = np.concatenate([xa, ya])
    r = rankdata(zz, method="average")
    rx, ry = r[:nx], r[nx:]
    u = nx * np.sum((rx - np.arange(1, nx + 1)) ** 2)
    u += ny * np.sum((ry - np.arange(1, ny + 1)) ** 2)
    if method == "exact":
        return _pval_cvm_2samp_exact(u, nx, ny)
    k, N = nx * ny, nx + ny
    t = u / (k * N) - (4 * k - 1) / (6 * N)
    et = (1 + 1 / N) / 6
    vt = (N + 1.0) * (4 * k * N - 3 * (nx**2 + ny**2) - 2 * k)
    vt = vt / (45 * N**2 * 4 * k)
    tn = 1 / 6 + (t - et) / np.sqrt(45 * vt)
    if tn < 0.003:
        return 1.0
    return max(0, 1.0 - _cdf_cvm_inf(tn))


FUNCS = {
    "psi": psi,
    "kl": kl,
    "jensen_shannon": jensen_shannon,
    "hellinger": hellinger,
    "wasserstein": wasserstein,
    "ks": ks,
    "cramer_von_mises": cramer_von_mises,
    "anderson_darling": anderson_darling,
    "chi_square": chi_square,
    "z": z,
}


def default_stattest(ref, cur, ftype):  # registry.py: _get_default_stattest
    n_values = len(set(unique(ref)) | set(unique(cur)))
    if ref.shape[0] <= 1000:
        if ftype == NUMERICAL:
            if n_values <= 5:
                return "chi_square" if n_values > 2 else "z"
            return "ks"
        return "chi_square" if n_values > 2 else "z"
    if ftype == NUMERICAL:
        if n_values <= 5:
            return "jensen_shannon"
        return "wasserstein"
    return "jensen_shannon"


def run(method, ref, cur, ftype):
    threshold = TESTS[method][1]
    out = {"threshold": threshold}
    try:
        with np.errstate(all="ignore"):
            v = float(FUNCS[method](ref, cur, ftype))
    except ValueError as e:  # Evidently lets SciPy's ValueError through
        out["error"] = str(e).splitlines()[0]
        return out
    if not math.isfinite(v):
        out["error"] = f"{method} is {v}"
        return out
    out["pvalue" if method in PVALUE else "score"] = v
    out["drift"] = bool(drifted(method, v, threshold))
    return out


NUMERIC_METHODS = ["psi", "kl", "jensen_shannon", "hellinger", "wasserstein", "ks", "cramer_von_mises", "anderson_darling"]
CATEGORICAL_METHODS = ["psi", "kl", "jensen_shannon", "hellinger", "chi_square"]


def case(name, vtype, ref, cur):
    ftype = NUMERICAL if vtype == "numeric" else CATEGORICAL
    ref, cur = np.asarray(ref), np.asarray(cur)
    results = {}
    auto = default_stattest(ref, cur, ftype)
    results["auto"] = {"method": auto, **run(auto, ref, cur, ftype)}
    for m in NUMERIC_METHODS if ftype == NUMERICAL else CATEGORICAL_METHODS:
        results[m] = run(m, ref, cur, ftype)
    conv = float if ftype == NUMERICAL else str
    return {"name": name, "type": vtype, "ref": [conv(x) for x in ref], "cur": [conv(x) for x in cur], "results": results}


def labels(rng, cats, p, n):
    return rng.choice(np.array(cats), size=n, p=np.array(p) / np.sum(p))


def main():
    # anderson_ksamp warns when it caps its significance level.
    warnings.simplefilter("ignore")
    rng = np.random.default_rng(20261206)
    cases = [
        case("normal 500 vs 400 shifted by 0.3", "numeric", rng.normal(0, 1, 500), rng.normal(0.3, 1, 400)),
        case("normal 300 vs 300 same distribution", "numeric", rng.normal(10, 2, 300), rng.normal(10, 2, 300)),
        case("normal 2000 vs 1500 scaled by 1.2", "numeric", rng.normal(0, 1, 2000), rng.normal(0, 1.2, 1500)),
        case("cauchy 800 vs 800", "numeric", rng.standard_cauchy(800), rng.standard_cauchy(800) + 0.5),
        case("lognormal 5000 vs 4000 (large n)", "numeric", rng.lognormal(0, 0.5, 5000), rng.lognormal(0.05, 0.5, 4000)),
        case("1024 vs 1024 (Sturges at a power of two)", "numeric", rng.normal(0, 1, 1024), rng.normal(0.1, 1, 1024)),
        case("heavy ties, 1200 vs 900 rounded to 0.1", "numeric", np.round(rng.normal(0, 1, 1200), 1), np.round(rng.normal(0.2, 1, 900), 1)),
        case("15 distinct integers, 600 vs 500", "numeric", rng.integers(0, 15, 600).astype(float), rng.integers(2, 17, 500).astype(float)),
        case("3 distinct values, 300 vs 250", "numeric", rng.choice([1.0, 2.0, 3.0], 300, p=[0.5, 0.3, 0.2]), rng.choice([1.0, 2.0, 3.0], 250, p=[0.3, 0.3, 0.4])),
        case("two values 0/1, 200 vs 180", "numeric", rng.choice([0.0, 1.0], 200, p=[0.7, 0.3]), rng.choice([0.0, 1.0], 180, p=[0.55, 0.45])),
        case("4 distinct values, 1500 vs 1400 (large n)", "numeric", rng.choice([0.0, 1.5, 2.5, 7.0], 1500), rng.choice([0.0, 1.5, 2.5, 7.0], 1400, p=[0.3, 0.3, 0.2, 0.2])),
        case("constant reference vs normal", "numeric", np.full(300, 5.0), rng.normal(5, 1, 200)),
        case("constant reference vs another constant", "numeric", np.full(50, 5.0), np.full(40, 6.0)),
        case("identical constants of different sizes", "numeric", np.full(100, 5.0), np.full(37, 5.0)),
        case("small n, 8 vs 6", "numeric", rng.normal(0, 1, 8), rng.normal(1, 1, 6)),
        case("small n, 25 vs 30 with unseen range", "numeric", rng.normal(0, 1, 25), rng.normal(3, 1, 30)),
        case("categorical 5 categories, 400 vs 350 shifted", "categorical", labels(rng, list("abcde"), [5, 4, 3, 2, 1], 400), labels(rng, list("abcde"), [3, 3, 3, 3, 3], 350)),
        case("categorical unseen category", "categorical", labels(rng, ["red", "green", "blue"], [1, 1, 1], 500), labels(rng, ["red", "green", "blue", "violet"], [3, 3, 3, 1], 450)),
        case("categorical category gone from current", "categorical", labels(rng, ["x", "y", "z"], [4, 4, 2], 600), labels(rng, ["x", "y"], [1, 1], 500)),
        case("binary categorical 300 vs 280", "categorical", labels(rng, ["no", "yes"], [8, 2], 300), labels(rng, ["no", "yes"], [7, 3], 280)),
        case("categorical 8 categories, 3000 vs 2500 (large n)", "categorical", labels(rng, list("abcdefgh"), [8, 7, 6, 5, 4, 3, 2, 1], 3000), labels(rng, list("abcdefgh"), [7, 7, 6, 5, 4, 3, 2, 2], 2500)),
        # Shares of 1/12001 <= 1e-4 and an empty bin in each sample: empty
        # bins get the smallest share / 1e6 rather than 1e-4.
        case("categorical rare categories (shares below 1e-4)", "categorical",
             np.concatenate([labels(rng, ["p", "q", "r"], [6, 3, 1], 12000), np.array(["rare"])]),
             np.concatenate([labels(rng, ["p", "q"], [5, 3], 12000), np.array(["rare2"])])),
        case("numeric rare value (share below 1e-4), 15 distinct", "numeric",
             np.concatenate([rng.integers(0, 14, 11000).astype(float), np.array([99.0])]),
             rng.integers(1, 15, 10000).astype(float)),
        case("boolean 400 vs 380", "boolean", labels(rng, ["false", "true"], [6, 4], 400), labels(rng, ["false", "true"], [4, 6], 380)),
        case("categorical identical single label", "categorical", np.array(["only"] * 60), np.array(["only"] * 25)),
    ]
    out = {
        "source": "github.com/evidentlyai/evidently@" + EVIDENTLY_COMMIT + " src/evidently/legacy/calculations/stattests",
        "cases": cases,
    }
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
