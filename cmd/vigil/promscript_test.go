package main

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/vigil-dev/vigil/internal/promserver"
)

// promConditions answers [prometheus]: whether Debian's prometheus is
// installed. Under CI (CI=true) a missing prometheus is an error, not a
// skip.
func promConditions(cond string) (bool, error) {
	if cond != "prometheus" {
		return false, nil
	}
	if _, err := promserver.Binary(); err != nil {
		if os.Getenv("CI") == "true" {
			return false, err
		}
		return false, nil
	}
	return true, nil
}

// promCmds are the script commands that run a real Prometheus:
//
//	exporter NAME FILE      serve FILE (re-read on every request) as
//	                        /metrics on a free loopback port; $NAME is
//	                        its host:port
//	prometheus NAME [T...]  start prometheus scraping the exporters whose
//	                        addresses are in $T... every second, wait
//	                        until each has been scraped; $NAME is its URL
//	waitdown PROMVAR        wait until every target of the prometheus
//	                        at $PROMVAR failed its latest scrape
//	freeport NAME           $NAME is the URL of a loopback port nothing
//	                        listens on
var promCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"exporter": func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 2 {
			ts.Fatalf("usage: exporter NAME FILE")
		}
		file := ts.MkAbs(args[1])
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		ts.Check(err)
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, err := os.ReadFile(file)
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
			w.Write(b)
		})}
		go srv.Serve(ln)
		ts.Defer(func() { srv.Close() })
		ts.Setenv(args[0], ln.Addr().String())
	},
	"prometheus": func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) < 1 {
			ts.Fatalf("usage: prometheus NAME [TARGETVAR...]")
		}
		var targets []string
		for _, v := range args[1:] {
			targets = append(targets, ts.Getenv(v))
		}
		dir, err := os.MkdirTemp(ts.Getenv("WORK"), "prometheus-")
		ts.Check(err)
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		s, err := promserver.Start(ctx, promserver.Config{Dir: dir, Targets: targets})
		ts.Check(err)
		ts.Defer(s.Stop)
		ts.Setenv(args[0], s.URL)
	},
	"waitdown": func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 1 {
			ts.Fatalf("usage: waitdown PROMURLVAR")
		}
		// Waits (at most a minute) until the server's latest scrape of
		// every target failed: up == 0, and the scraped series are
		// marked stale.
		url := ts.Getenv(args[0])
		deadline := time.Now().Add(time.Minute)
		for time.Now().Before(deadline) {
			var r struct {
				Data struct {
					Result []struct {
						Value [2]any `json:"value"`
					} `json:"result"`
				} `json:"data"`
			}
			if err := getJSON(url+"/api/v1/query?query=max(up)", &r); err == nil && len(r.Data.Result) == 1 && r.Data.Result[0].Value[1] == "0" {
				return
			}
			time.Sleep(200 * time.Millisecond)
		}
		ts.Fatalf("the targets of %s did not go down within a minute", url)
	},
	"freeport": func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 1 {
			ts.Fatalf("usage: freeport NAME")
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		ts.Check(err)
		addr := ln.Addr().String()
		ln.Close()
		ts.Setenv(args[0], "http://"+addr)
	},
}

func getJSON(url string, v any) error {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(v)
}
