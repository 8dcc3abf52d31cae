// Package driftdemo generates the synthetic serving data of the
// recommendations-drift example: a reference sample and daily Parquet
// partitions of current data, laid out where the example's drift config
// looks for them, in which two features (the numeric price and the
// categorical device type) shift from a chosen day on. The end-to-end
// test and `go run ./examples/recommendations-drift/gendata` use it; the
// output is a pure function of the options.
package driftdemo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/parquet-go/parquet-go"
)

// Options shape the generated data.
type Options struct {
	// Seed makes the data reproducible.
	Seed uint64
	// Start is the first day of current data (UTC midnight).
	Start time.Time
	// Days of current data, one partition each.
	Days int
	// ShiftFrom is the first day (1-based) on which price and device type
	// drift; 0 means never.
	ShiftFrom int
	// ReferenceRows and RowsPerDay size the samples.
	ReferenceRows, RowsPerDay int
}

// Default is the example's scenario: a week of data from 2026-11-01, with
// the shift starting on day 4.
var Default = Options{
	Seed:          20261101,
	Start:         time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
	Days:          7,
	ShiftFrom:     4,
	ReferenceRows: 20000,
	RowsPerDay:    4000,
}

// The paths the example's drift config reads, relative to the config's
// directory.
const (
	ReferencePath = "s3-mirror/recs/reference/train-2026-10.parquet"
	PartitionDir  = "s3-mirror/recs/serving-logs"
)

// Row is one logged ranking request, with the columns the example's
// features name.
type Row struct {
	EventTS         time.Time `parquet:"event_ts,timestamp(millisecond)"`
	ItemPriceEUR    float64   `parquet:"item_price_eur"`
	SessionLength   float64   `parquet:"session_length_seconds"`
	ItemsInCart     int64     `parquet:"items_in_cart"`
	DaysSinceSignup int64     `parquet:"days_since_signup"`
	DeviceType      string    `parquet:"device_type"`
	Country         string    `parquet:"shipping_country"`
	Category        string    `parquet:"item_top_category"`
}

// Day returns the UTC midnight that starts day d (1-based).
func (o Options) Day(d int) time.Time { return o.Start.AddDate(0, 0, d-1) }

// Write writes the reference sample and one partition per day under dir.
func Write(dir string, o Options) error {
	rng := rand.New(rand.NewPCG(o.Seed, 1))
	ref := make([]Row, o.ReferenceRows)
	refStart := o.Start.AddDate(0, -1, 0)
	for i := range ref {
		ref[i] = row(rng, refStart.Add(time.Duration(rng.Int64N(int64(30*24*time.Hour)))), false)
	}
	if err := writeFile(filepath.Join(dir, ReferencePath), ref); err != nil {
		return err
	}
	for d := 1; d <= o.Days; d++ {
		shifted := o.ShiftFrom > 0 && d >= o.ShiftFrom
		day := o.Day(d)
		rows := make([]Row, o.RowsPerDay)
		for i := range rows {
			rows[i] = row(rng, day.Add(time.Duration(rng.Int64N(int64(24*time.Hour)))).Truncate(time.Millisecond), shifted)
		}
		path := filepath.Join(dir, PartitionDir, "dt="+day.Format("2006-01-02"), "part-0.parquet")
		if err := writeFile(path, rows); err != nil {
			return err
		}
	}
	return nil
}

var (
	devices       = []string{"desktop", "mobile_web", "ios_app", "android_app"}
	deviceWeights = []float64{0.35, 0.30, 0.20, 0.15}
	// After the shift (a new app release pulls traffic to the apps).
	shiftedDeviceWeights = []float64{0.10, 0.20, 0.40, 0.30}
	countries            = []string{"AT", "DE", "ES", "FR", "IT", "NL", "PL"}
	countryWeights       = []float64{0.07, 0.30, 0.12, 0.20, 0.15, 0.08, 0.08}
	categories           = []string{"books", "beauty", "electronics", "fashion", "garden", "home", "sports", "toys"}
	categoryWeights      = []float64{0.10, 0.08, 0.20, 0.22, 0.05, 0.15, 0.10, 0.10}
)

func row(rng *rand.Rand, ts time.Time, shifted bool) Row {
	price := math.Exp(3.5 + 0.8*rng.NormFloat64())
	dw := deviceWeights
	if shifted {
		// A catalogue change: prices 60% higher.
		price *= 1.6
		dw = shiftedDeviceWeights
	}
	tenure := int64(0)
	if rng.Float64() >= 0.2 { // 20% guests
		tenure = int64(rng.ExpFloat64() * 400)
	}
	return Row{
		EventTS:         ts.UTC().Truncate(time.Millisecond),
		ItemPriceEUR:    math.Round(price*100) / 100,
		SessionLength:   math.Round(rng.ExpFloat64()*300*10) / 10,
		ItemsInCart:     min(int64(rng.ExpFloat64()*2), 20),
		DaysSinceSignup: tenure,
		DeviceType:      pick(rng, devices, dw),
		Country:         pick(rng, countries, countryWeights),
		Category:        pick(rng, categories, categoryWeights),
	}
}

func pick(rng *rand.Rand, names []string, weights []float64) string {
	u := rng.Float64()
	for i, w := range weights {
		if u < w {
			return names[i]
		}
		u -= w
	}
	return names[len(names)-1]
}

func writeFile(path string, rows []Row) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := parquet.Write(f, rows); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}
