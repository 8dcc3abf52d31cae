package promsamples

import (
	"bytes"
	"errors"
	"io"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/textparse"
)

// Scrape renders g in the text exposition format, as promhttp serves it,
// and parses it with Prometheus's own text parser: the series Prometheus
// would ingest (histograms as _bucket with le, _count and _sum), with
// their values.
func Scrape(g prometheus.Gatherer) ([]labels.Labels, []float64, error) {
	mfs, err := g.Gather()
	if err != nil {
		return nil, nil, err
	}
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			return nil, nil, err
		}
	}
	p := textparse.NewPromParser(buf.Bytes(), labels.NewSymbolTable(), false)
	var ls []labels.Labels
	var vs []float64
	for {
		e, err := p.Next()
		if errors.Is(err, io.EOF) {
			return ls, vs, nil
		}
		if err != nil {
			return nil, nil, err
		}
		if e != textparse.EntrySeries {
			continue
		}
		var l labels.Labels
		p.Labels(&l)
		_, _, v := p.Series()
		ls = append(ls, l)
		vs = append(vs, v)
	}
}
