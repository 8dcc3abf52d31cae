package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"cuelang.org/go/cue"
	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	promconfig "github.com/prometheus/common/config"
	"github.com/spf13/cobra"

	"github.com/vigil-dev/vigil/check"
	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/diag"
)

func newCheck(g *globals, stdout, stderr io.Writer) *cobra.Command {
	var (
		server       string
		format       string
		timeout      time.Duration
		tokenFile    string
		basicUser    string
		passwordFile string
		caFile       string
		models       []string
		opt          check.Options
	)
	cmd := &cobra.Command{
		Use:   "check --prometheus URL [SPEC...]",
		Short: "Check that a running Prometheus has every series the spec's rules and dashboards read",
		Long: `check derives, per model, every series selector the generated recording
rules, alerts and dashboards read (by parsing their PromQL; vigil's own
recording rules are left out), and asks a running Prometheus (or any server
with its HTTP API) through the API whether they are there:

  - metrics with no series in the lookback window;
  - selectors (error selectors, feedback classes, histogram buckets, KPI
    and infrastructure queries) that match no series;
  - latency SLO thresholds that are not buckets of the latency histogram;
  - contract counters and histograms whose metadata says otherwise, and
    rate() over gauges;
  - series that stopped (no sample newer than --stale-after);
  - labels of the request counter with more than --max-label-values values.

It prints a summary per model: ready, or what is missing.

Exit codes: 0 every model is ready; 1 problems found (or the spec is
wrong); 2 the server cannot be queried (unreachable, refused, timed out,
authentication failed, not a Prometheus API) or bad flags.

Credentials are read from files, never from the command line:
--bearer-token-file, or --basic-auth-user with --basic-auth-password-file.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if server == "" {
				return usageErr("check needs the server: --prometheus URL")
			}
			u, err := url.Parse(server)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return usageErr("--prometheus %q: want an http:// or https:// URL", server)
			}
			f, err := diag.ParseFormat(format)
			if err != nil {
				return usageErr("--format: %v", err)
			}
			if timeout <= 0 {
				return usageErr("--timeout must be positive")
			}
			if opt.MaxLabelValues < 0 {
				return usageErr("--max-label-values must be 0 (off) or more")
			}
			rt, err := checkTransport(tokenFile, basicUser, passwordFile, caFile)
			if err != nil {
				return usageErr("%v", err)
			}
			spec, err := loadSpec(g, compiler.Source{Args: args}, stdout, stderr)
			if err != nil {
				return err
			}
			deps, err := check.Deps(spec)
			if err != nil {
				return &exitError{exitFail, err}
			}
			if len(models) > 0 {
				for _, n := range models {
					if !slices.ContainsFunc(deps, func(m check.Model) bool { return m.Name == n }) {
						return usageErr("--model %q: the spec has no such model", n)
					}
				}
				deps = slices.DeleteFunc(deps, func(m check.Model) bool { return !slices.Contains(models, m.Name) })
			}
			client, err := api.NewClient(api.Config{Address: server, RoundTripper: rt})
			if err != nil {
				return usageErr("--prometheus: %v", err)
			}
			ctx, cancel := context.WithTimeout(g.context(), timeout)
			defer cancel()
			rep, err := check.Run(ctx, v1.NewAPI(client), server, deps, opt)
			if err != nil {
				if errors.Is(err, context.DeadlineExceeded) {
					err = fmt.Errorf("%w (--timeout %s)", err, timeout)
				}
				return &exitError{exitUsage, err}
			}
			if err := writeCheckReport(stdout, f, rep, specFile(args)); err != nil {
				return &exitError{exitUsage, err}
			}
			if !rep.OK() {
				bad := 0
				for _, m := range rep.Models {
					if !m.Ready {
						bad++
					}
				}
				fmt.Fprintf(stderr, "vigil: %d of %d model%s not ready on %s\n", bad, len(rep.Models), plural(len(rep.Models)), server)
				return silentFail
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&server, "prometheus", "", "base URL of the Prometheus HTTP API, e.g. http://localhost:9090")
	cmd.Flags().StringVar(&format, "format", "text", "report format: text, json or github-actions")
	cmd.Flags().DurationVar(&timeout, "timeout", 30*time.Second, "give up (exit 2) when the whole check takes longer")
	cmd.Flags().StringVar(&tokenFile, "bearer-token-file", "", "send the token in this file as Authorization: Bearer (read on every request)")
	cmd.Flags().StringVar(&basicUser, "basic-auth-user", "", "HTTP basic authentication user; the password comes from --basic-auth-password-file")
	cmd.Flags().StringVar(&passwordFile, "basic-auth-password-file", "", "file holding the basic authentication password")
	cmd.Flags().StringVar(&caFile, "ca-file", "", "CA certificates to verify an https server with")
	cmd.Flags().StringSliceVar(&models, "model", nil, "check only these models (repeatable)")
	cmd.Flags().DurationVar(&opt.Lookback, "lookback", time.Hour, "how far back series count as present")
	cmd.Flags().DurationVar(&opt.StaleAfter, "stale-after", 5*time.Minute, "series whose newest sample is older count as stopped (at most the server's lookback delta, 5m by default)")
	cmd.Flags().IntVar(&opt.MaxLabelValues, "max-label-values", 100, "most distinct values a label of the request counter may have (0: no limit)")
	return cmd
}

// checkTransport builds the HTTP transport with the authentication the
// flags ask for. The credential files must be readable now; they are read
// again on every request, so rotated tokens work.
func checkTransport(tokenFile, user, passwordFile, caFile string) (http.RoundTripper, error) {
	cfg := promconfig.DefaultHTTPClientConfig
	if tokenFile != "" && (user != "" || passwordFile != "") {
		return nil, errors.New("--bearer-token-file and basic authentication exclude each other")
	}
	if (user == "") != (passwordFile == "") {
		return nil, errors.New("basic authentication needs both --basic-auth-user and --basic-auth-password-file")
	}
	for _, f := range []string{tokenFile, passwordFile, caFile} {
		if f == "" {
			continue
		}
		if _, err := os.ReadFile(f); err != nil {
			return nil, err
		}
	}
	if tokenFile != "" {
		cfg.Authorization = &promconfig.Authorization{Type: "Bearer", CredentialsFile: tokenFile}
	}
	if user != "" {
		cfg.BasicAuth = &promconfig.BasicAuth{Username: user, PasswordFile: passwordFile}
	}
	if caFile != "" {
		cfg.TLSConfig.CAFile = caFile
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return promconfig.NewRoundTripperFromConfig(cfg, "vigil-check")
}

// specFile names the spec in annotations: the only argument, or the
// current directory.
func specFile(args []string) string {
	if len(args) == 1 {
		return args[0]
	}
	return "."
}

// writeCheckReport prints the report: text (a summary line per model and
// its problems), JSON (the report), or GitHub Actions annotations (one
// ::error per problem, on the spec).
func writeCheckReport(w io.Writer, f diag.Format, rep *check.Report, file string) error {
	switch f {
	case diag.JSON:
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	case diag.GitHubActions:
		var l diag.List
		for _, m := range rep.Models {
			for _, p := range m.Problems {
				l = append(l, diag.Diagnostic{Pos: diag.Position{File: file},
					Path: cue.MakePath(cue.Str("models"), cue.Str(m.Model)).String(), Message: p.Kind + ": " + p.Message})
			}
		}
		return diag.Write(w, f, l)
	}
	var b strings.Builder
	for _, m := range rep.Models {
		if m.Ready {
			fmt.Fprintf(&b, "%s: ready (%d metrics, %d selectors)\n", m.Model, m.Metrics, m.Checked)
			continue
		}
		fmt.Fprintf(&b, "%s: NOT READY, %d problem%s (%d metrics, %d selectors)\n", m.Model, len(m.Problems), plural(len(m.Problems)), m.Metrics, m.Checked)
		for _, p := range m.Problems {
			fmt.Fprintf(&b, "  %s: %s\n", p.Kind, p.Message)
			if len(p.UsedBy) > 0 {
				used := p.UsedBy
				more := ""
				if len(used) > 4 {
					more = fmt.Sprintf(" and %d more", len(used)-4)
					used = used[:4]
				}
				fmt.Fprintf(&b, "    used by %s%s\n", strings.Join(used, ", "), more)
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
