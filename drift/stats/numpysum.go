package stats

// numpySum adds x exactly as numpy.sum does for a contiguous float64
// array, so statistics built from sums agree with SciPy bit for bit: the
// reduction runs over buffers of 8192 elements, each added by NumPy's
// pairwise summation (blocks of at most 128 elements summed with eight
// interleaved accumulators, larger ones split in halves rounded down to a
// multiple of 8), and the buffers' sums are added in order.
func numpySum(x []float64) float64 {
	const buffer = 8192
	s := 0.0
	for len(x) > 0 {
		k := min(len(x), buffer)
		s += pairwiseSum(x[:k])
		x = x[k:]
	}
	return s
}

func pairwiseSum(a []float64) float64 {
	n := len(a)
	switch {
	case n < 8:
		s := 0.0
		for _, v := range a {
			s += v
		}
		return s
	case n <= 128:
		var r [8]float64
		copy(r[:], a[:8])
		i := 8
		for ; i < n-n%8; i += 8 {
			for j := range r {
				r[j] += a[i+j]
			}
		}
		s := ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
		for ; i < n; i++ {
			s += a[i]
		}
		return s
	}
	n2 := n / 2
	n2 -= n2 % 8
	return pairwiseSum(a[:n2]) + pairwiseSum(a[n2:])
}
