package stats

// tieWalk visits the distinct values of two sorted samples in ascending
// order, the merge pass the sample tests share. After next returns true,
// x is the value and a[i0:i] and b[j0:j] are its copies in each sample
// (either range may be empty); i and j count the values <= x.
type tieWalk struct {
	a, b         []float64
	x            float64
	i0, i, j0, j int
}

func newTieWalk(a, b []float64) *tieWalk { return &tieWalk{a: a, b: b} }

// next moves to the next distinct value; false when both are exhausted.
func (w *tieWalk) next() bool {
	a, b := w.a, w.b
	i, j := w.i, w.j
	if i == len(a) && j == len(b) {
		return false
	}
	var x float64
	if j == len(b) || (i < len(a) && a[i] < b[j]) {
		x = a[i]
	} else {
		x = b[j]
	}
	w.x, w.i0, w.j0 = x, i, j
	for i < len(a) && a[i] == x {
		i++
	}
	for j < len(b) && b[j] == x {
		j++
	}
	w.i, w.j = i, j
	return true
}
