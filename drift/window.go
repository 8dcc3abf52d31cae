package drift

import (
	"fmt"
	"time"

	"github.com/prometheus/common/model"

	"github.com/vigil-dev/vigil/drift/config"
	"github.com/vigil-dev/vigil/drift/data"
)

// currentWindow is the window of current rows an evaluation reads: rows
// whose time column lies in [end-window, end). end is at when set (a
// backfill), else now truncated to a multiple of the window since the
// zero time, which for a daily window is today's 00:00 UTC, so the
// evaluation reads yesterday. It is nil when the config has no time
// column: then every current row is read.
func currentWindow(c *config.Config, at, now time.Time) (*data.Window, error) {
	if c.Current.TimeColumn == "" {
		return nil, nil
	}
	d, err := model.ParseDuration(c.Window)
	if err != nil {
		return nil, fmt.Errorf("window %q: %w", c.Window, err)
	}
	w := time.Duration(d)
	if w <= 0 {
		return nil, fmt.Errorf("window %q must be positive", c.Window)
	}
	end := at
	if end.IsZero() {
		end = now.UTC().Truncate(w)
	}
	return &data.Window{Column: c.Current.TimeColumn, Start: end.Add(-w).UTC(), End: end.UTC()}, nil
}
