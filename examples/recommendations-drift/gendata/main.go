// Command gendata writes the synthetic data of the recommendations-drift
// example (internal/driftdemo) into a directory: a reference sample and a
// week of daily serving-log partitions in which price and device_type
// drift from day 4. Write it next to the compiled drift config, whose
// data paths are relative to the config's directory:
//
//	go run ./cmd/vigil compile examples/recommendations-drift -o out
//	go run ./examples/recommendations-drift/gendata -o out/drift
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/vigil-dev/vigil/internal/driftdemo"
)

func main() {
	dir := flag.String("o", "", "output directory (the compiled drift config's directory)")
	seed := flag.Uint64("seed", driftdemo.Default.Seed, "random seed")
	flag.Parse()
	if *dir == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: gendata -o DIR [-seed N]")
		os.Exit(2)
	}
	o := driftdemo.Default
	o.Seed = *seed
	if err := driftdemo.Write(*dir, o); err != nil {
		fmt.Fprintln(os.Stderr, "gendata:", err)
		os.Exit(1)
	}
	fmt.Printf("wrote %s and %d daily partitions under %s (days %s to %s; price and device_type shift from %s)\n",
		driftdemo.ReferencePath, o.Days, *dir, o.Day(1).Format("2006-01-02"), o.Day(o.Days).Format("2006-01-02"), o.Day(o.ShiftFrom).Format("2006-01-02"))
}
