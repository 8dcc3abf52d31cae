// Package influxdb writes gathered Prometheus metrics to InfluxDB as line
// protocol, through the HTTP write API that InfluxDB 1.x serves and 2.x
// keeps for compatibility (POST /write?db=...). `vigil drift run
// --influxdb` uses it to send the drift series to teams whose dashboards
// read InfluxDB.
//
// Each sample becomes one point: the measurement is the metric name, the
// tags are the metric's labels, the one field is `value` (a float), and
// the timestamp is the evaluation time. Counters, gauges and untyped
// metrics are written; the drift evaluator exports nothing else.
package influxdb

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/influxdata/line-protocol/v2/lineprotocol"
	dto "github.com/prometheus/client_model/go"
)

// Encode renders metric families as line protocol points at time at,
// with nanosecond timestamps, in the families' order and each family's
// metrics' order. Tags are sorted by key, as InfluxDB recommends. A NaN
// or infinite value, which line protocol cannot carry, is an error.
func Encode(mfs []*dto.MetricFamily, at time.Time) ([]byte, error) {
	var enc lineprotocol.Encoder
	enc.SetPrecision(lineprotocol.Nanosecond)
	for _, mf := range mfs {
		for _, m := range mf.Metric {
			var v float64
			switch {
			case m.Gauge != nil:
				v = m.Gauge.GetValue()
			case m.Counter != nil:
				v = m.Counter.GetValue()
			case m.Untyped != nil:
				v = m.Untyped.GetValue()
			default:
				return nil, fmt.Errorf("metric %s: only counters, gauges and untyped metrics can be written to InfluxDB", mf.GetName())
			}
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("metric %s: %v cannot be written as line protocol", mf.GetName(), v)
			}
			enc.StartLine(mf.GetName())
			labels := slices.Clone(m.Label)
			slices.SortFunc(labels, func(a, b *dto.LabelPair) int { return strings.Compare(a.GetName(), b.GetName()) })
			for _, l := range labels {
				if l.GetValue() == "" {
					continue // line protocol has no empty tag values; an empty label is an absent one
				}
				enc.AddTag(l.GetName(), l.GetValue())
			}
			enc.AddField("value", lineprotocol.MustNewValue(v))
			enc.EndLine(at)
		}
	}
	if err := enc.Err(); err != nil {
		return nil, err
	}
	return enc.Bytes(), nil
}

// Target is where Write sends points.
type Target struct {
	// URL is the server's base URL, e.g. http://influxdb:8086; user info
	// in it (http://user:password@host:8086) is sent as basic auth.
	URL string
	// Database is the database (1.x) or the bucket mapped to it (2.x).
	Database string
	// RetentionPolicy is optional.
	RetentionPolicy string
	// Token, when set, is sent as `Authorization: Token <token>` (2.x).
	Token string
	// Client defaults to a client with a 30-second timeout.
	Client *http.Client
}

// Write posts line protocol (nanosecond timestamps) to the target's
// /write endpoint and returns InfluxDB's error message when it refuses.
func Write(ctx context.Context, t Target, body []byte) error {
	base, err := url.Parse(t.URL)
	if err != nil || base.Scheme == "" || base.Host == "" {
		return fmt.Errorf("InfluxDB URL %q: want http(s)://host:port", t.URL)
	}
	if t.Database == "" {
		return fmt.Errorf("InfluxDB: no database named")
	}
	q := url.Values{"db": {t.Database}, "precision": {"ns"}}
	if t.RetentionPolicy != "" {
		q.Set("rp", t.RetentionPolicy)
	}
	u := base.JoinPath("write")
	u.RawQuery = q.Encode()
	u.User = nil
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "text/plain; charset=utf-8")
	if base.User != nil {
		pw, _ := base.User.Password()
		req.SetBasicAuth(base.User.Username(), pw)
	}
	if t.Token != "" {
		req.Header.Set("Authorization", "Token "+t.Token)
	}
	c := t.Client
	if c == nil {
		c = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("InfluxDB write: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 == 2 {
		return nil
	}
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(msg, &e) == nil && e.Error != "" {
		msg = []byte(e.Error)
	}
	return fmt.Errorf("InfluxDB write: %s: %s", resp.Status, bytes.TrimSpace(msg))
}
