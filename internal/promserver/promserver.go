// Package promserver is test support: it runs Debian's real Prometheus
// server on a free loopback port with a temporary storage directory,
// scraping given targets every second and evaluating given rule files
// every second, and waits until every target has been scraped.
package promserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Binary returns the path of the prometheus binary. When it is missing
// it returns an error saying how to install it.
func Binary() (string, error) {
	p, err := exec.LookPath("prometheus")
	if err != nil {
		return "", errors.New("prometheus not found on PATH; install it with `apt-get install -y prometheus`")
	}
	return p, nil
}

// Config says what the server scrapes and evaluates.
type Config struct {
	// Dir holds the configuration, the storage and the log.
	Dir string
	// Targets are host:port addresses scraped at /metrics every second,
	// keeping the labels they expose (honor_labels).
	Targets []string
	// RuleFiles are loaded and evaluated every second.
	RuleFiles []string
}

// Server is a running Prometheus.
type Server struct {
	// URL is the server's base URL, http://127.0.0.1:PORT.
	URL     string
	cmd     *exec.Cmd
	log     *os.File
	logPath string
	done    chan error
}

// Start runs Prometheus and waits until it is ready and has scraped
// every target at least once (up == 1 for each), or ctx ends.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	b.WriteString("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n")
	if len(cfg.RuleFiles) > 0 {
		b.WriteString("rule_files:\n")
		for _, f := range cfg.RuleFiles {
			fmt.Fprintf(&b, "  - %q\n", f)
		}
	}
	b.WriteString("scrape_configs:\n")
	if len(cfg.Targets) > 0 {
		// honor_labels keeps the labels a target exposes, as a
		// Pushgateway's series need (its grouping labels, e.g. model).
		b.WriteString("  - job_name: service\n    honor_labels: true\n    static_configs:\n      - targets:\n")
		for _, t := range cfg.Targets {
			fmt.Fprintf(&b, "          - %q\n", t)
		}
	}
	cfgFile := filepath.Join(cfg.Dir, "prometheus.yml")
	if err := os.WriteFile(cfgFile, []byte(b.String()), 0o644); err != nil {
		return nil, err
	}
	logPath := filepath.Join(cfg.Dir, "prometheus.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin,
		"--config.file="+cfgFile,
		"--storage.tsdb.path="+filepath.Join(cfg.Dir, "data"),
		"--web.listen-address="+addr,
	)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	s := &Server{URL: "http://" + addr, cmd: cmd, log: logFile, logPath: logPath, done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait() }()
	if err := s.waitScraped(ctx, len(cfg.Targets)); err != nil {
		s.Stop()
		return nil, fmt.Errorf("%w\nprometheus log:\n%s", err, s.Log())
	}
	return s, nil
}

// Log returns the end of the server's log.
func (s *Server) Log() string {
	b, _ := os.ReadFile(s.logPath)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// Stop kills the server and waits for it to exit.
func (s *Server) Stop() {
	if s.cmd.Process != nil {
		s.cmd.Process.Kill()
	}
	<-s.done
	s.done <- nil
	s.log.Close()
}

func (s *Server) waitScraped(ctx context.Context, targets int) error {
	var last string
	for {
		select {
		case err := <-s.done:
			s.done <- err
			return fmt.Errorf("prometheus exited: %v", err)
		case <-ctx.Done():
			return fmt.Errorf("prometheus did not scrape its %d targets in time (%s)", targets, last)
		case <-time.After(200 * time.Millisecond):
		}
		var r struct {
			Data struct {
				Result []struct {
					Value [2]any `json:"value"`
				} `json:"result"`
			} `json:"data"`
		}
		if err := s.GetJSON(ctx, "/api/v1/query?query=up", &r); err != nil {
			last = err.Error()
			continue
		}
		up := 0
		for _, x := range r.Data.Result {
			if x.Value[1] == "1" {
				up++
			}
		}
		last = fmt.Sprintf("%d of %d targets up", up, targets)
		if up == targets {
			return nil
		}
	}
}

// GetJSON decodes the answer of the server's API path into v.
func (s *Server) GetJSON(ctx context.Context, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+path, nil)
	if err != nil {
		return err
	}
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", path, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// Alerts returns the state ("pending" or "firing") of every active alert
// by alert name and model label, "Name/model".
func (s *Server) Alerts(ctx context.Context) (map[string]string, error) {
	var r struct {
		Data struct {
			Alerts []struct {
				Labels map[string]string `json:"labels"`
				State  string            `json:"state"`
			} `json:"alerts"`
		} `json:"data"`
	}
	if err := s.GetJSON(ctx, "/api/v1/alerts", &r); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, a := range r.Data.Alerts {
		out[a.Labels["alertname"]+"/"+a.Labels["model"]] = a.State
	}
	return out, nil
}

// RuleErrors returns the rules that failed their latest evaluation.
func (s *Server) RuleErrors(ctx context.Context) ([]string, error) {
	var r struct {
		Data struct {
			Groups []struct {
				Name  string `json:"name"`
				Rules []struct {
					Name      string `json:"name"`
					Health    string `json:"health"`
					LastError string `json:"lastError"`
				} `json:"rules"`
			} `json:"groups"`
		} `json:"data"`
	}
	if err := s.GetJSON(ctx, "/api/v1/rules", &r); err != nil {
		return nil, err
	}
	var out []string
	for _, g := range r.Data.Groups {
		for _, x := range g.Rules {
			if x.Health == "err" {
				out = append(out, g.Name+"/"+x.Name+": "+x.LastError)
			}
		}
	}
	return out, nil
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
