package stats

import (
	"slices"
	"sync"
)

// parallelSortMin is the combined size from which sortedPair sorts its two
// copies on two goroutines; below it a goroutine costs more than it saves.
const parallelSortMin = 1 << 14

// sortedPair returns sorted copies of a and b, sorting them concurrently
// when they are large.
func sortedPair(a, b []float64) ([]float64, []float64) {
	sa, sb := slices.Clone(a), slices.Clone(b)
	if len(a)+len(b) < parallelSortMin {
		slices.Sort(sa)
		slices.Sort(sb)
		return sa, sb
	}
	var wg sync.WaitGroup
	wg.Go(func() { slices.Sort(sa) })
	slices.Sort(sb)
	wg.Wait()
	return sa, sb
}
