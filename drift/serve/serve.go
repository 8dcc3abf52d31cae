// Package serve is `vigil drift serve`: a long-running drift evaluator
// that evaluates each configured model at start and then on its schedule,
// and serves the results on /metrics (with the process and Go runtime
// collectors) and its health on /healthz.
package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/model"
	"github.com/robfig/cron/v3"

	"github.com/vigil-dev/vigil/drift"
	"github.com/vigil-dev/vigil/drift/config"
)

// Model is one model to evaluate.
type Model struct {
	// Config is the model's drift config.
	Config *config.Config
	// BaseDir is the directory relative data paths start from.
	BaseDir string
}

// Options configure a Server.
type Options struct {
	// Interval overrides every model's schedule when positive: the model
	// is evaluated at start and then every Interval.
	Interval time.Duration
	// Workers is passed to drift.Run (0: GOMAXPROCS).
	Workers int
	// ShutdownTimeout bounds how long Serve waits for in-flight HTTP
	// requests on shutdown; 0 means 10 seconds.
	ShutdownTimeout time.Duration
	// Logger receives the logs; nil discards them.
	Logger *slog.Logger
	// Now is the clock evaluations use; nil means time.Now.
	Now func() time.Time
}

// Server evaluates models on their schedules and serves the metrics.
type Server struct {
	models []Model
	sched  []cron.Schedule
	o      Options
	log    *slog.Logger
	reg    *prometheus.Registry
	exps   []*drift.Exporter

	// evaluating lets one model evaluate at a time: each evaluation
	// already uses every CPU, and one at a time bounds memory.
	evaluating chan struct{}

	mu     sync.Mutex
	status []status
}

// status is a model's latest evaluation, for /healthz.
type status struct {
	done     bool
	ok       bool
	finished time.Time
	took     time.Duration
	err      string
	// failed of total features could not be tested.
	failed, total int
}

// New checks the models' schedules and builds a server. A model runs on
// its config's cron, the CronJob's schedule, parsed and checked as
// Kubernetes does (config.ParseCron) and evaluated in UTC; a config
// without cron runs every schedule interval. Two configs for the same
// model are an error.
func New(models []Model, o Options) (*Server, error) {
	if len(models) == 0 {
		return nil, errors.New("no drift config to serve")
	}
	s := &Server{models: models, o: o, log: o.Logger, reg: prometheus.NewRegistry(), status: make([]status, len(models)), evaluating: make(chan struct{}, 1)}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.reg.MustRegister(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), collectors.NewGoCollector())
	seen := map[string]bool{}
	for _, m := range models {
		if seen[m.Config.Model] {
			return nil, fmt.Errorf("model %s is configured twice", m.Config.Model)
		}
		seen[m.Config.Model] = true
		sched, err := schedule(m.Config, o.Interval)
		if err != nil {
			return nil, fmt.Errorf("model %s: %w", m.Config.Model, err)
		}
		s.sched = append(s.sched, sched)
		e, err := drift.NewExporter(m.Config)
		if err != nil {
			return nil, fmt.Errorf("model %s: %w", m.Config.Model, err)
		}
		if err := s.reg.Register(e); err != nil {
			return nil, fmt.Errorf("model %s: %w", m.Config.Model, err)
		}
		s.exps = append(s.exps, e)
	}
	return s, nil
}

// Handler serves /metrics and /healthz.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelError)}))
	mux.HandleFunc("GET /healthz", s.healthz)
	return mux
}

// healthz answers 200 while the server runs, with one line per model
// about its latest evaluation: "pending", "ok" or "error: ...".
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	lines := make([]string, len(s.models))
	for i, m := range s.models {
		st := s.status[i]
		var line string
		switch {
		case !st.done:
			line = "pending: first evaluation running"
		case st.ok:
			line = fmt.Sprintf("ok: evaluated at %s in %.3fs", st.finished.UTC().Format(time.RFC3339), st.took.Seconds())
			if st.failed > 0 {
				line += fmt.Sprintf(" (%d of %d features not tested)", st.failed, st.total)
			}
		default:
			line = fmt.Sprintf("error: evaluation at %s failed: %s", st.finished.UTC().Format(time.RFC3339), st.err)
		}
		lines[i] = m.Config.Model + " " + line
	}
	s.mu.Unlock()
	sort.Strings(lines)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, strings.Join(lines, "\n"))
}

// Serve evaluates every model at once and then on its schedule, and
// serves HTTP on ln until ctx is done. Then it cancels the evaluations in
// flight, shuts the HTTP server down gracefully (bounded by
// ShutdownTimeout) and returns nil; it returns an error only when serving
// fails.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	evalCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for i := range s.models {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.loop(evalCtx, i)
		}()
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	s.log.Info("serving", "addr", ln.Addr().String(), "models", len(s.models))

	var err error
	select {
	case <-ctx.Done():
	case err = <-served:
		err = fmt.Errorf("serving HTTP: %w", err)
	}
	cancel()
	timeout := s.o.ShutdownTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	sctx, scancel := context.WithTimeout(context.Background(), timeout)
	defer scancel()
	if serr := srv.Shutdown(sctx); serr != nil && err == nil {
		err = fmt.Errorf("shutting down: %w", serr)
	}
	wg.Wait()
	s.log.Info("stopped")
	return err
}

// schedule returns when a model runs: every interval when it is
// positive, else at the times of the config's cron, else every schedule.
func schedule(c *config.Config, interval time.Duration) (cron.Schedule, error) {
	if interval > 0 {
		return every{time.Now(), interval}, nil
	}
	if c.Cron != "" {
		sched, err := config.ParseCron(c.Cron)
		if err != nil {
			return nil, err
		}
		return config.InUTC(sched), nil
	}
	d, err := model.ParseDuration(c.Schedule)
	if err != nil || d <= 0 {
		return nil, fmt.Errorf("schedule %q is not a positive duration", c.Schedule)
	}
	return every{time.Now(), time.Duration(d)}, nil
}

// every runs at start + k·d, like a ticker: a run that is late because
// the previous evaluation took longer than d is skipped, not queued.
type every struct {
	start time.Time
	d     time.Duration
}

// Next implements cron.Schedule.
func (e every) Next(t time.Time) time.Time {
	if t.Before(e.start) {
		return e.start
	}
	return e.start.Add((t.Sub(e.start)/e.d + 1) * e.d)
}

// loop evaluates model i now and then at each next time of its schedule
// until ctx is done. As with the CronJob's concurrencyPolicy Forbid, a
// time that passes while an evaluation runs is skipped.
func (s *Server) loop(ctx context.Context, i int) {
	for {
		s.evaluate(ctx, i)
		t := time.NewTimer(time.Until(s.sched[i].Next(time.Now())))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

func (s *Server) evaluate(ctx context.Context, i int) {
	m := s.models[i]
	log := s.log.With("model", m.Config.Model)
	select {
	case s.evaluating <- struct{}{}:
		defer func() { <-s.evaluating }()
	case <-ctx.Done():
		return
	}
	rep := drift.Run(ctx, m.Config, drift.Options{BaseDir: m.BaseDir, Workers: s.o.Workers, Logger: s.log, Now: s.o.Now})
	if rep.Err != nil && ctx.Err() != nil {
		log.Info("evaluation cancelled")
		return
	}
	s.exps[i].Update(rep)
	failed := 0
	for _, r := range rep.Results {
		if r.Err != nil {
			failed++
		}
	}
	st := status{done: true, ok: rep.Succeeded(), finished: rep.Finished, took: rep.Duration(), failed: failed, total: len(rep.Results)}
	switch {
	case rep.Err != nil:
		st.err = rep.Err.Error()
		log.Error("evaluation failed", "reason", rep.Reason, "error", rep.Err, "seconds", rep.Duration().Seconds())
	case !st.ok:
		st.err = fmt.Sprintf("all %d features failed", failed)
		log.Error("evaluation failed: no feature could be tested", "features", failed, "seconds", rep.Duration().Seconds())
	default:
		log.Info("evaluation done", "features", len(rep.Results), "failed", failed, "seconds", rep.Duration().Seconds())
	}
	s.mu.Lock()
	s.status[i] = st
	s.mu.Unlock()
}
