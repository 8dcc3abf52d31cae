package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
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
	var workers, shard, shardCount int
	run := &cobra.Command{
		Use:   "run --config FILE [--at TIME] [--state FILE] [--textfile PATH | --pushgateway URL] [--influxdb URL --influxdb-db NAME] [--shard I --shard-count N]",
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

A config compiled with drift.shards: N > 1 is evaluated by N processes
(the CronJob's Indexed Job): process I tests the features whose position
in name order is I modulo N, adds the label shard="I" to its series and
pushes them under the grouping key {model, shard}. I is --shard, else
the JOB_COMPLETION_INDEX Kubernetes sets in Indexed Jobs. --shard-count,
when given, must equal the config's shard count, which the generated
rules expect.

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
			sh, err := resolveShard(c, cmd.Flags().Changed("shard"), shard, cmd.Flags().Changed("shard-count"), shardCount)
			if err != nil {
				return err
			}
			var exp *drift.Exporter
			if sh.sharded() {
				// From here on c holds only this shard's features.
				if c, err = c.Shard(sh.index, sh.count); err != nil {
					return &exitError{exitFail, fmt.Errorf("%s: %w", cfgPath, err)}
				}
				exp, err = drift.NewShardExporter(c, sh.index)
			} else {
				exp, err = drift.NewExporter(c)
			}
			if err != nil {
				return &exitError{exitFail, fmt.Errorf("%s: %w", cfgPath, err)}
			}
			if statePath != "" {
				st, err := drift.LoadShardState(statePath, c.Model, sh.label())
				if err != nil {
					return &exitError{exitFail, err}
				}
				exp.Restore(st)
			}
			log := slog.New(slog.NewTextHandler(stderr, nil))
			if sh.sharded() {
				log = log.With("shard", sh.index, "shards", sh.count)
			}
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
				// Each shard pushes its own group, so that shards do
				// not replace each other's series.
				grouping := map[string]string{"model": c.Model}
				if sh.sharded() {
					grouping[drift.ShardLabel] = sh.label()
				}
				pusher := push.New(pushgateway, job).Gatherer(withoutGroupingLabels(reg, grouping))
				for _, name := range slices.Sorted(maps.Keys(grouping)) {
					pusher = pusher.Grouping(name, grouping[name])
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
	run.Flags().IntVar(&shard, "shard", 0, "index of this process in a sharded evaluation, 0 to shards-1 (default: $JOB_COMPLETION_INDEX)")
	run.Flags().IntVar(&shardCount, "shard-count", 0, "processes in the sharded evaluation; must equal the config's shards (default: the config's, 1 when unsharded)")
	return run
}

// shardEnv is the environment variable Kubernetes sets to a pod's
// completion index in an Indexed Job.
const shardEnv = "JOB_COMPLETION_INDEX"

// shardSel is the shard one `drift run` evaluates.
type shardSel struct{ index, count int }

func (s shardSel) sharded() bool { return s.count > 1 }

// label is the shard label's value; empty when unsharded.
func (s shardSel) label() string {
	if !s.sharded() {
		return ""
	}
	return strconv.Itoa(s.index)
}

// resolveShard picks the shard to evaluate from --shard, --shard-count,
// the config's shard count and $JOB_COMPLETION_INDEX. Every mistake is a
// usage error: a flag that disagrees with the config, an index out of
// range, or a sharded config without an index.
func resolveShard(c *config.Config, haveShard bool, shard int, haveCount bool, count int) (shardSel, error) {
	n := c.ShardCount()
	if haveCount && count != n {
		if count < 1 {
			return shardSel{}, usageErr("--shard-count %d: must be at least 1", count)
		}
		return shardSel{}, usageErr("--shard-count %d disagrees with the config, which is compiled for %s (drift.shards in the spec): the generated rules expect that many shards", count, fmt.Sprintf("%d shard%s", n, plural(n)))
	}
	if !haveShard {
		if n == 1 {
			return shardSel{0, 1}, nil
		}
		v, ok := os.LookupEnv(shardEnv)
		if !ok || v == "" {
			return shardSel{}, usageErr("the config is compiled for %d shards: give this process's index with --shard (0 to %d), or run it in an Indexed Job, which sets %s", n, n-1, shardEnv)
		}
		i, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || i < 0 || i >= n {
			return shardSel{}, usageErr("%s=%q is not a shard index from 0 to %d (the config is compiled for %d shards)", shardEnv, v, n-1, n)
		}
		return shardSel{i, n}, nil
	}
	if shard < 0 || shard >= n {
		return shardSel{}, usageErr("--shard %d is not a shard index from 0 to %d (the config is compiled for %s)", shard, n-1, fmt.Sprintf("%d shard%s", n, plural(n)))
	}
	return shardSel{shard, n}, nil
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
