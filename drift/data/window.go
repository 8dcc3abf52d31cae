package data

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Window selects the rows whose event time, read from Column, lies in
// [Start, End). Rows without a time value are skipped.
type Window struct {
	// Column is the time column.
	Column string
	// Start is inclusive, End exclusive.
	Start, End time.Time
}

// contains reports whether t lies in the window.
func (w *Window) contains(t time.Time) bool {
	return !t.Before(w.Start) && t.Before(w.End)
}

// Selection counts the rows a windowed read kept and skipped.
type Selection struct {
	// Rows are the rows inside the window (all rows without a window).
	Rows int
	// Skipped are the rows outside the window or without a time value.
	Skipped int
	// SkippedGroups are the Parquet row groups skipped whole because
	// their time statistics lie outside the window.
	SkippedGroups int
}

// Numeric timestamps are read as Unix time, in the unit their magnitude
// implies: below 1e12 seconds, below 1e15 milliseconds, below 1e18
// microseconds, else nanoseconds. (1e12 seconds is the year 33658; 1e12
// milliseconds is 2001-09-09, so millisecond timestamps before that date
// would be read as seconds.)
const (
	maxUnixSeconds = 1e12
	maxUnixMillis  = 1e15
	maxUnixMicros  = 1e18
)

// UnixTime converts a numeric timestamp to a time, guessing its unit from
// its magnitude (see the constants above).
func UnixTime(v float64) (time.Time, error) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return time.Time{}, fmt.Errorf("%v is not a timestamp", v)
	}
	a := math.Abs(v)
	switch {
	case a < maxUnixSeconds:
		sec, frac := math.Modf(v)
		return time.Unix(int64(sec), int64(math.Round(frac*1e9))).UTC(), nil
	case a < maxUnixMillis:
		return time.UnixMilli(int64(v)).UTC(), nil
	case a < maxUnixMicros:
		return time.UnixMicro(int64(v)).UTC(), nil
	}
	return time.Unix(0, int64(v)).UTC(), nil
}

// timeLayouts are the text forms ParseTime accepts besides numbers;
// layouts without a zone are read as UTC.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02",
}

// ParseTime reads an event time: RFC 3339 (2026-11-24T13:05:00Z, with
// optional fractional seconds), the same without a zone or with a space
// instead of the T (read as UTC), a date (2026-11-24, midnight UTC), or a
// number of Unix seconds, milliseconds, microseconds or nanoseconds
// (told apart by magnitude, see UnixTime).
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if v, err := strconv.ParseFloat(s, 64); err == nil {
		return UnixTime(v)
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time (want RFC 3339, a date or Unix seconds/milliseconds)", s)
}

// keepText parses a text time value and reports whether its row is kept;
// a missing value skips the row.
func (w *Window) keepText(s string) (bool, error) {
	if missingText(s) {
		return false, nil
	}
	t, err := ParseTime(s)
	if err != nil {
		return false, err
	}
	return w.contains(t), nil
}
