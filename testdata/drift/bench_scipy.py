#!/usr/bin/python3
"""Times scipy.stats.ks_2samp on the data BenchmarkKS1Mx1M (drift/stats) uses:
1M standard normals against 1M normals shifted by 0.01, fixed seed.

Run with Debian's python3-scipy: /usr/bin/python3 testdata/drift/bench_scipy.py
It prints the median of 3 runs (after one warm-up run) and SciPy's result.
"""
import statistics
import time

import numpy as np
import scipy
from scipy import stats


def main():
    rng = np.random.default_rng(7)
    ref = rng.normal(0, 1, 1_000_000)
    cur = rng.normal(0.01, 1, 1_000_000)
    res = stats.ks_2samp(ref, cur)  # warm-up
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        res = stats.ks_2samp(ref, cur)
        times.append(time.perf_counter() - t0)
    print(f"scipy {scipy.__version__} ks_2samp 1M x 1M: median {statistics.median(times):.3f} s "
          f"(runs {', '.join(f'{t:.3f}' for t in times)}); D={res.statistic:.6g} p={res.pvalue:.6g}")


if __name__ == "__main__":
    main()
