package stats

import (
	"math"
	"slices"
	"sync"
)

// radixMin is the sample size from which sortedCopy uses the radix sort;
// below it pdqsort (slices.Sort) is as fast.
const radixMin = 1 << 12

// parallelSortMin is the combined size from which sortedPair sorts its two
// copies on two goroutines; below it a goroutine costs more than it saves.
const parallelSortMin = 1 << 14

// sortedPair returns sorted copies of a and b (which must hold no NaN),
// sorting them concurrently when they are large.
func sortedPair(a, b []float64) ([]float64, []float64) {
	if len(a)+len(b) < parallelSortMin {
		return sortedCopy(a), sortedCopy(b)
	}
	var sa []float64
	var wg sync.WaitGroup
	wg.Go(func() { sa = sortedCopy(a) })
	sb := sortedCopy(b)
	wg.Wait()
	return sa, sb
}

// sortedCopy returns a sorted copy of x (which must hold no NaN).
func sortedCopy(x []float64) []float64 {
	if len(x) < radixMin {
		s := slices.Clone(x)
		slices.Sort(s)
		return s
	}
	return radixSorted(x)
}

// radixBits is the digit width of radixSorted: six passes cover 64 bits,
// and the 2048-entry histograms stay in L1 cache.
const radixBits = 11

// radixSorted returns x sorted ascending by a least-significant-digit
// radix sort on order-preserving keys: an IEEE-754 float's bits, with all
// bits flipped for negatives and the sign bit set for positives, compare
// as unsigned integers in the floats' order (-0 sorts just before +0, and
// they compare equal as floats). Passes whose digit is the same for every
// key are skipped.
func radixSorted(x []float64) []float64 {
	const buckets = 1 << radixBits
	const passes = (64 + radixBits - 1) / radixBits
	keys := make([]uint64, len(x))
	var hist [passes][buckets]int
	for i, v := range x {
		k := math.Float64bits(v)
		k ^= uint64(int64(k)>>63) | 1<<63
		keys[i] = k
		for p := range passes {
			hist[p][(k>>(p*radixBits))&(buckets-1)]++
		}
	}
	buf := make([]uint64, len(x))
	for p := range passes {
		h := &hist[p]
		shift := p * radixBits
		if h[(keys[0]>>shift)&(buckets-1)] == len(keys) {
			continue // every key has this digit
		}
		sum := 0
		for i, c := range h {
			h[i] = sum
			sum += c
		}
		for _, k := range keys {
			d := (k >> shift) & (buckets - 1)
			buf[h[d]] = k
			h[d]++
		}
		keys, buf = buf, keys
	}
	out := make([]float64, len(x))
	for i, k := range keys {
		k ^= ^uint64(int64(k)>>63) | 1<<63
		out[i] = math.Float64frombits(k)
	}
	return out
}
