package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/push"
	"github.com/spf13/cobra"

	"github.com/vigil-dev/vigil/drift"
	"github.com/vigil-dev/vigil/drift/config"
)

func newDrift(stdout, stderr io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "drift",
		Short: "Run the drift evaluator",
	}
	var cfgPath, textfile, pushgateway, job string
	run := &cobra.Command{
		Use:   "run --config FILE [--textfile PATH | --pushgateway URL]",
		Short: "Evaluate drift once and export the results",
		Long: `run reads a drift config written by 'vigil compile' (drift/<model>.yaml),
compares the current data with the reference sample feature by feature,
prints a summary, and exports the results as Prometheus series: written
atomically to a node-exporter textfile-collector file (--textfile), or
pushed to a Pushgateway (--pushgateway). Data paths in the config are
relative to the config file's directory.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cfgPath == "" {
				return usageErr("drift run needs --config FILE")
			}
			if textfile != "" && pushgateway != "" {
				return usageErr("choose one of --textfile and --pushgateway")
			}
			b, err := os.ReadFile(cfgPath)
			if err != nil {
				return usageErr("%v", err)
			}
			c, err := config.Parse(b)
			if err != nil {
				return &exitError{exitFail, fmt.Errorf("%s: %w", cfgPath, err)}
			}
			log := slog.New(slog.NewTextHandler(stderr, nil))
			start := time.Now()
			log.Info("evaluating drift", "model", c.Model, "features", len(c.Features))
			results, err := drift.Evaluate(c, filepath.Dir(cfgPath))
			if err != nil {
				return &exitError{exitFail, err}
			}
			took := time.Since(start)
			for _, r := range results {
				if r.Err != nil {
					log.Warn("feature not tested", "feature", r.Feature, "error", r.Err)
					fmt.Fprintf(stdout, "%-24s %-16s error: %v\n", r.Feature, r.Method, r.Err)
					continue
				}
				verdict := "ok"
				if r.Detected {
					verdict = "DRIFT"
				}
				fmt.Fprintf(stdout, "%-24s %-16s score %-12.6g threshold %-8g %s\n", r.Feature, r.Method, r.Score, r.Threshold, verdict)
			}
			reg := drift.Registry(c, results, time.Now(), took)
			switch {
			case textfile != "":
				if err := prometheus.WriteToTextfile(textfile, reg); err != nil {
					return &exitError{exitFail, err}
				}
			case pushgateway != "":
				if err := push.New(pushgateway, job).Grouping("model", c.Model).Gatherer(reg).Push(); err != nil {
					return &exitError{exitFail, err}
				}
			}
			log.Info("drift evaluated", "model", c.Model, "seconds", took.Seconds())
			return nil
		},
	}
	run.Flags().StringVar(&cfgPath, "config", "", "drift config (drift/<model>.yaml from vigil compile)")
	run.Flags().StringVar(&textfile, "textfile", "", "write the metrics atomically to this textfile-collector file")
	run.Flags().StringVar(&pushgateway, "pushgateway", "", "push the metrics to this Pushgateway URL")
	run.Flags().StringVar(&job, "job", "vigil_drift", "Pushgateway job name")
	cmd.AddCommand(run)
	return cmd
}
