// Command service is an example inference service for the
// fraud-detection example, instrumented with package instrument: it
// scores card authorisations, takes chargeback feedback, serves /metrics,
// and can be told to fail or slow down.
//
//	go run ./examples/fraud-detection/service -addr 127.0.0.1:8080 -traffic 20
//
// Endpoints:
//
//	POST /predict   {"amount": 120.5, "merchant_risk": 0.3} → {"label": "legit", "confidence": 0.91}
//	POST /feedback  {"predicted": "fraud", "actual": "legit"}
//	POST /knobs?error_rate=0.5&latency=300ms   fail that share of /predict
//	                calls (503) and add that latency to each; GET shows them
//	GET  /metrics   the metric contract, as the compiled rules read it
//
// -traffic N sends N predictions a second (and feedback for one in ten)
// through the instrumented handler, so the dashboards and alerts have
// something to show without a client.
//
// The instrumentation config, instrument/fraud-detector.json, is what
// `vigil compile examples/fraud-detection --target instrument -o
// examples/fraud-detection/service` writes; it is embedded, and a test
// fails when it is stale.
package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/vigil-dev/vigil/instrument"
)

//go:embed instrument/fraud-detector.json
var configJSON []byte

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	version := flag.String("version", "v3", "model version (the model_version label)")
	traffic := flag.Float64("traffic", 0, "synthetic predictions per second sent through the handler (0: none)")
	errorRate := flag.Float64("error-rate", 0, "share of /predict calls that fail with 503")
	latency := flag.Duration("latency", 0, "latency added to every /predict call")
	flag.Parse()

	s, err := newService(prometheus.NewRegistry(), *version)
	if err != nil {
		log.Fatal(err)
	}
	s.setKnobs(*errorRate, *latency)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *traffic > 0 {
		go s.generate(ctx, *traffic, 1)
	}
	srv := &http.Server{Handler: s.handler()}
	go func() {
		<-ctx.Done()
		srv.Shutdown(context.Background())
	}()
	log.Printf("fraud-detector service on http://%s (metrics at /metrics)", ln.Addr())
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}

// service is the example's state: the instrumentation and the knobs.
type service struct {
	m   *instrument.Model
	reg *prometheus.Registry

	mu        sync.Mutex
	errorRate float64
	latency   time.Duration
	rng       *rand.Rand
}

func newService(reg *prometheus.Registry, version string) (*service, error) {
	cfg, err := instrument.ParseConfig(configJSON)
	if err != nil {
		return nil, err
	}
	m, err := instrument.New(cfg, instrument.Options{Registerer: reg, Version: version})
	if err != nil {
		return nil, err
	}
	return &service{m: m, reg: reg, rng: rand.New(rand.NewPCG(1, 2))}, nil
}

func (s *service) setKnobs(errorRate float64, latency time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errorRate, s.latency = errorRate, latency
}

func (s *service) knobs() (float64, time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.errorRate, s.latency
}

// roll reports whether a call fails, at the configured error rate.
func (s *service) roll(rate float64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rng.Float64() < rate
}

func (s *service) handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /predict", s.m.Middleware(http.HandlerFunc(s.predict)))
	mux.HandleFunc("POST /feedback", s.feedback)
	mux.HandleFunc("/knobs", s.knobsHandler)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{}))
	return mux
}

type request struct {
	Amount       float64 `json:"amount"`
	MerchantRisk float64 `json:"merchant_risk"`
}

type prediction struct {
	Label      string  `json:"label"`
	Confidence float64 `json:"confidence"`
}

// score is the toy model: a logistic score of the amount and the
// merchant's risk.
func score(r request) prediction {
	p := 1 / (1 + math.Exp(-(-5 + 0.002*r.Amount + 4*r.MerchantRisk)))
	if p >= 0.5 {
		return prediction{"fraud", p}
	}
	return prediction{"legit", 1 - p}
}

func (s *service) predict(w http.ResponseWriter, r *http.Request) {
	rate, delay := s.knobs()
	if delay > 0 {
		time.Sleep(delay)
	}
	if s.roll(rate) {
		http.Error(w, "model backend unavailable", http.StatusServiceUnavailable)
		return
	}
	var req request
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, "bad request: "+err.Error(), http.StatusBadRequest)
		return
	}
	p := score(req)
	s.m.Prediction(p.Label, p.Confidence)
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(p)
}

func (s *service) feedback(w http.ResponseWriter, r *http.Request) {
	var fb struct{ Predicted, Actual string }
	if err := json.NewDecoder(r.Body).Decode(&fb); err != nil || !class(fb.Predicted) || !class(fb.Actual) {
		http.Error(w, `want {"predicted": "fraud"|"legit", "actual": "fraud"|"legit"}`, http.StatusBadRequest)
		return
	}
	s.m.Feedback(fb.Predicted, fb.Actual)
	w.WriteHeader(http.StatusNoContent)
}

func class(s string) bool { return s == "fraud" || s == "legit" }

func (s *service) knobsHandler(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		rate, delay := s.knobs()
		q := r.URL.Query()
		if v := q.Get("error_rate"); v != "" {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f < 0 || f > 1 {
				http.Error(w, "error_rate: want a number from 0 to 1", http.StatusBadRequest)
				return
			}
			rate = f
		}
		if v := q.Get("latency"); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				http.Error(w, "latency: want a duration such as 300ms", http.StatusBadRequest)
				return
			}
			delay = d
		}
		s.setKnobs(rate, delay)
	}
	rate, delay := s.knobs()
	fmt.Fprintf(w, "error_rate=%g latency=%s\n", rate, delay)
}

// generate sends perSecond synthetic authorisations a second through the
// instrumented handler, and feedback for one in ten, with the true class
// drawn from the model's score (so precision and recall are high but not
// perfect).
func (s *service) generate(ctx context.Context, perSecond float64, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 7))
	h := s.handler()
	t := time.NewTicker(time.Duration(float64(time.Second) / perSecond))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		req := request{Amount: rng.ExpFloat64() * 150, MerchantRisk: rng.Float64()}
		body, _ := json.Marshal(req)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/predict", strings.NewReader(string(body))))
		if rec.Code != http.StatusOK || rng.IntN(10) != 0 {
			continue
		}
		var p prediction
		json.NewDecoder(rec.Body).Decode(&p)
		pFraud := p.Confidence
		if p.Label == "legit" {
			pFraud = 1 - p.Confidence
		}
		actual := "legit"
		if rng.Float64() < pFraud {
			actual = "fraud"
		}
		s.m.Feedback(p.Label, actual)
	}
}
