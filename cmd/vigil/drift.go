package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/push"
	dto "github.com/prometheus/client_model/go"
	"github.com/spf13/cobra"

	"github.com/vigil-dev/vigil/drift"
	"github.com/vigil-dev/vigil/drift/config"
	"github.com/vigil-dev/vigil/drift/data"
	"github.com/vigil-dev/vigil/drift/influxdb"
)

func newDrift(stdout, stderr io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "drift",
		Short: "Run the drift evaluator",
	}
	cmd.AddCommand(newDriftRun(stdout, stderr), newDriftServe(stderr))
	return cmd
}

func newDriftRun(stdout, stderr io.Writer) *cobra.Command {
	var cfgPath, textfile, pushgateway, job, at, statePath string
	var influx influxdb.Target
	var influxTokenFile string
	var workers int
	run := &cobra.Command{
		Use:   "run --config FILE [--at TIME] [--state FILE] [--textfile PATH | --pushgateway URL] [--influxdb URL --influxdb-db NAME]",
		Short: "Evaluate drift once and export the results",
		Long: `run reads a drift config written by 'vigil compile' (drift/<model>.yaml),
compares the current data with the reference sample feature by feature,
prints a summary, and exports the results as Prometheus series: written
atomically to a node-exporter textfile-collector file (--textfile), or
pushed to a Pushgateway (--pushgateway); and, with --influxdb, written as
line protocol to InfluxDB's HTTP write API (one point per series: the
measurement is the series name, the tags its labels, the field "value").
Data paths in the config are relative to the config file's directory.

With a time column, only the current rows with a time in [end-window, end)
are tested: end is --at (RFC 3339 or a date, for backfills), else the
start of the run truncated to the window (a daily window reads yesterday,
00:00 to 24:00 UTC).

--state keeps what spans runs in a JSON file (written atomically): the
consecutive-breach counts, the errors counter and the last successful run.

Exit status 1 when the evaluation failed as a whole (no feature could be
tested); the metrics are still exported, without scores.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cfgPath == "" {
				return usageErr("drift run needs --config FILE")
			}
			if textfile != "" && pushgateway != "" {
				return usageErr("choose one of --textfile and --pushgateway")
			}
			if (influx.URL == "") != (influx.Database == "") {
				return usageErr("--influxdb and --influxdb-db go together")
			}
			if influxTokenFile != "" {
				b, err := os.ReadFile(influxTokenFile)
				if err != nil {
					return &exitError{exitUsage, fmt.Errorf("--influxdb-token-file: %w", err)}
				}
				influx.Token = strings.TrimSpace(string(b))
			}
			end, err := parseAt(at)
			if err != nil {
				return usageErr("%v", err)
			}
			c, err := loadDriftConfig(cfgPath)
			if err != nil {
				return err
			}
			exp, err := drift.NewExporter(c)
			if err != nil {
				return &exitError{exitFail, fmt.Errorf("%s: %w", cfgPath, err)}
			}
			if statePath != "" {
				st, err := drift.LoadState(statePath, c.Model)
				if err != nil {
					return &exitError{exitFail, err}
				}
				exp.Restore(st)
			}
			log := slog.New(slog.NewTextHandler(stderr, nil))
			log.Info("evaluating drift", "model", c.Model, "features", len(c.Features))
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			// A CronJob's pod gets SIGTERM when it is stopped: Main
			// cancels ctx, so the run stops testing features and exits
			// instead of being killed mid-write.
			rep := drift.Run(ctx, c, drift.Options{BaseDir: filepath.Dir(cfgPath), At: end, Workers: workers, Logger: log})
			printSummary(stdout, rep)
			if rep.Err != nil && ctx.Err() != nil {
				return interrupted(ctx, "no metrics or state were written")
			}
			exp.Update(rep)
			if statePath != "" {
				if err := drift.SaveState(statePath, exp.State()); err != nil {
					return &exitError{exitFail, fmt.Errorf("saving the state: %w", err)}
				}
			}
			reg := prometheus.NewRegistry()
			reg.MustRegister(exp)
			switch {
			case textfile != "":
				if err := prometheus.WriteToTextfile(textfile, reg); err != nil {
					return &exitError{exitFail, err}
				}
			case pushgateway != "":
				grouping := map[string]string{"model": c.Model}
				pusher := push.New(pushgateway, job).Gatherer(withoutGroupingLabels(reg, grouping))
				for name, value := range grouping {
					pusher = pusher.Grouping(name, value)
				}
				if err := pusher.Push(); err != nil {
					return &exitError{exitFail, err}
				}
			}
			if influx.URL != "" {
				mfs, err := reg.Gather()
				if err == nil {
					var body []byte
					if body, err = influxdb.Encode(mfs, time.Now()); err == nil {
						err = influxdb.Write(ctx, influx, body)
					}
				}
				if err != nil {
					return &exitError{exitFail, err}
				}
			}
			if rep.Err != nil {
				return &exitError{exitFail, rep.Err}
			}
			if !rep.Succeeded() {
				return &exitError{exitFail, fmt.Errorf("model %s: no feature could be tested", c.Model)}
			}
			log.Info("drift evaluated", "model", c.Model, "seconds", rep.Duration().Seconds())
			return nil
		},
	}
	run.Flags().StringVar(&cfgPath, "config", "", "drift config (drift/<model>.yaml from vigil compile)")
	run.Flags().StringVar(&at, "at", "", "end of the current-data window (RFC 3339 or YYYY-MM-DD); default: now truncated to the window")
	run.Flags().StringVar(&statePath, "state", "", "JSON file keeping consecutive-breach counts, errors and the last success between runs")
	run.Flags().StringVar(&textfile, "textfile", "", "write the metrics atomically to this textfile-collector file")
	run.Flags().StringVar(&pushgateway, "pushgateway", "", "push the metrics to this Pushgateway URL")
	run.Flags().StringVar(&influx.URL, "influxdb", "", "also write the metrics to this InfluxDB URL (user:password@ in it is sent as basic auth)")
	run.Flags().StringVar(&influx.Database, "influxdb-db", "", "InfluxDB database (or the bucket mapped to it)")
	run.Flags().StringVar(&influx.RetentionPolicy, "influxdb-rp", "", "InfluxDB retention policy (default: the database's)")
	run.Flags().StringVar(&influxTokenFile, "influxdb-token-file", "", "file holding an InfluxDB 2.x API token, sent as 'Authorization: Token'")
	run.Flags().StringVar(&job, "job", "vigil_drift", "Pushgateway job name")
	run.Flags().IntVar(&workers, "workers", 0, "features tested at once (default: the number of CPUs)")
	return run
}

// parseAt reads --at: empty means "now".
func parseAt(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := data.ParseTime(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--at: %w", err)
	}
	return t, nil
}

// loadDriftConfig reads and parses a drift config; a missing file is a
// usage error, a bad one a failure.
func loadDriftConfig(path string) (*config.Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	c, err := config.Parse(b)
	if err != nil {
		return nil, &exitError{exitFail, fmt.Errorf("%s: %w", path, err)}
	}
	return c, nil
}

// printSummary prints one line per feature.
func printSummary(w io.Writer, rep *drift.Report) {
	for _, r := range rep.Results {
		if r.Err != nil {
			fmt.Fprintf(w, "%-24s %-16s error: %v\n", r.Feature, r.Method, r.Err)
			continue
		}
		verdict := "ok"
		if r.Detected {
			verdict = "DRIFT"
		}
		fmt.Fprintf(w, "%-24s %-16s score %-12.6g threshold %-8g %s\n", r.Feature, r.Method, r.Score, r.Threshold, verdict)
	}
}

// withoutGroupingLabels removes the Pushgateway grouping labels from
// every metric g gathers. The Pushgateway adds them back to each series
// it exposes, and it (and client_golang's pusher) refuses a push whose
// metrics carry a grouping label themselves. A metric whose value for
// such a label differs from the grouping's is an error: the Pushgateway
// would expose it with the grouping's value.
func withoutGroupingLabels(g prometheus.Gatherer, grouping map[string]string) prometheus.Gatherer {
	return prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) {
		mfs, err := g.Gather()
		if err != nil {
			return nil, err
		}
		for _, mf := range mfs {
			for _, m := range mf.Metric {
				var kept []*dto.LabelPair
				for _, lp := range m.Label {
					want, ok := grouping[lp.GetName()]
					if !ok {
						kept = append(kept, lp)
						continue
					}
					if lp.GetValue() != want {
						return nil, fmt.Errorf("metric %s has %s=%q, but it is pushed under %s=%q", mf.GetName(), lp.GetName(), lp.GetValue(), lp.GetName(), want)
					}
				}
				m.Label = kept
			}
		}
		return mfs, nil
	})
}
