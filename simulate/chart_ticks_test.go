package simulate

import (
	"slices"
	"testing"
)

// TestTimeTicks: the time axis (hours) gets at most eight labelled ticks,
// at round durations written as vigil writes them.
func TestTimeTicks(t *testing.T) {
	for _, c := range []struct {
		hours float64
		want  []string
	}{
		{40.0 / 60, []string{"0", "5m", "10m", "15m", "20m", "25m", "30m", "35m", "40m"}},
		{3, []string{"0", "30m", "1h", "1h30m", "2h", "2h30m", "3h"}},
		{36, []string{"0", "6h", "12h", "18h", "1d", "1d6h", "1d12h"}},
		{7 * 24, []string{"0", "1d", "2d", "3d", "4d", "5d", "6d", "7d"}},
		{30 * 24, []string{"0", "7d", "14d", "21d", "28d"}},
	} {
		var got []string
		minor := 0
		for _, tk := range timeTicks(0, c.hours) {
			if tk.Label != "" {
				got = append(got, tk.Label)
			} else {
				minor++
			}
		}
		if !slices.Equal(got, c.want) || minor == 0 {
			t.Errorf("%vh: labels %v (%d minor ticks), want %v and minor ticks", c.hours, got, minor, c.want)
		}
	}
}

func TestPowerTicks(t *testing.T) {
	var got []string
	n := 0
	for _, tk := range powerTicks(-2, 3) {
		n++
		if tk.Label != "" {
			got = append(got, tk.Label)
		}
	}
	if want := []string{"0.01", "0.1", "1", "10", "100", "1000"}; !slices.Equal(got, want) || n != 6+5*8 {
		t.Errorf("labels %v of %d ticks, want %v of %d", got, n, want, 6+5*8)
	}
}
