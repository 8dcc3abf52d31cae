package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigil-dev/vigil/drift/serve"
)

func newDriftServe(stderr io.Writer) *cobra.Command {
	var cfgPaths []string
	var listen string
	var interval time.Duration
	var workers int
	cmd := &cobra.Command{
		Use:   "serve --config FILE [--config FILE ...] [--listen ADDR]",
		Short: "Evaluate drift on schedule and serve the metrics",
		Long: `serve is the long-running form of 'drift run': it evaluates each config
(one per model) at start and then at the times of the config's cron (the
CronJob's schedule, read as Kubernetes reads it, in UTC), and serves the
results on /metrics, with the process and Go runtime metrics, for
Prometheus to scrape. /healthz answers 200 while it serves, with each
model's latest evaluation (pending, ok or error) in the body.

A failing feature or an unreadable file does not stop it: the failure is
logged, counted in the errors metric by reason, and the affected scores
are dropped rather than kept stale. SIGINT or SIGTERM cancel the
evaluations in flight and shut the HTTP server down gracefully.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(cfgPaths) == 0 {
				return usageErr("drift serve needs --config FILE")
			}
			var models []serve.Model
			for _, p := range cfgPaths {
				c, err := loadDriftConfig(p)
				if err != nil {
					return err
				}
				if c.ShardCount() > 1 {
					return usageErr("%s: the config is compiled for %d shards, which drift serve does not run: run each shard with 'drift run --shard I' (the generated CronJob does)", p, c.ShardCount())
				}
				models = append(models, serve.Model{Config: c, BaseDir: filepath.Dir(p)})
			}
			log := slog.New(slog.NewTextHandler(stderr, nil))
			srv, err := serve.New(models, serve.Options{Interval: interval, Workers: workers, Logger: log})
			if err != nil {
				return usageErr("%v", err)
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			// Main cancels ctx on SIGINT and SIGTERM: a graceful stop,
			// exit 0.
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return usageErr("%v", err)
			}
			if err := srv.Serve(ctx, ln); err != nil {
				return &exitError{exitFail, err}
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&cfgPaths, "config", nil, "drift config (drift/<model>.yaml); repeat for several models")
	cmd.Flags().StringVar(&listen, "listen", ":9101", "address to serve /metrics and /healthz on")
	cmd.Flags().DurationVar(&interval, "interval", 0, "evaluate this often instead of on each config's cron (for tests)")
	cmd.Flags().IntVar(&workers, "workers", 0, "features tested at once per model (default: the number of CPUs)")
	return cmd
}
