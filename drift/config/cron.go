package config

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// ParseCron parses a CronJob schedule the way Kubernetes validates a
// CronJob's .spec.schedule: robfig/cron's ParseStandard (five fields,
// minute hour day-of-month month day-of-week, with names and ranges, or a
// descriptor such as @daily or @every 6h), and no TZ= or CRON_TZ= prefix,
// which the API server rejects in favour of .spec.timeZone. It accepts
// exactly what a CronJob accepts; its errors say in plain words which
// field is wrong and why.
//
// The schedule it returns runs in the location of the process; callers
// that need the CronJob controller's time zone set it themselves (see
// InUTC).
func ParseCron(s string) (cron.Schedule, error) {
	if strings.Contains(s, "TZ") {
		// Kubernetes rejects any schedule containing "TZ"; robfig/cron
		// also panics on a TZ= prefix without a space after it.
		return nil, fmt.Errorf("cron schedule %q sets a time zone; a Kubernetes CronJob does not accept TZ= or CRON_TZ= in its schedule (write the schedule in the CronJob controller's time zone, usually UTC)", s)
	}
	sched, err := parseStandard(s)
	if err != nil {
		return nil, fmt.Errorf("cron schedule %q is invalid: %s", s, cronProblem(s, err))
	}
	// Kubernetes accepts a schedule that matches no date (February 30),
	// but the evaluator would then never run. robfig/cron looks five
	// years ahead, which covers February 29.
	if InUTC(sched).Next(neverStart).IsZero() {
		return nil, fmt.Errorf("cron schedule %q never runs: no date and time match it (such as day 30 of February)", s)
	}
	return sched, nil
}

// neverStart is where the search for a first run starts; fixed, so the
// verdict does not depend on the clock.
var neverStart = time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)

// InUTC returns sched evaluated in UTC, the time zone of a CronJob
// without .spec.timeZone on a controller running in UTC.
func InUTC(sched cron.Schedule) cron.Schedule {
	if s, ok := sched.(*cron.SpecSchedule); ok {
		c := *s
		c.Location = time.UTC
		return &c
	}
	return sched // @every: a constant delay, no time zone
}

// parseStandard is cron.ParseStandard, with a panic turned into an error.
func parseStandard(s string) (sched cron.Schedule, err error) {
	defer func() {
		if r := recover(); r != nil {
			sched, err = nil, fmt.Errorf("%v", r)
		}
	}()
	return cron.ParseStandard(s)
}

// cronFields are the five fields of a standard schedule, in order, with
// the robfig/cron option that parses each alone and its range in words.
var cronFields = []struct {
	name  string
	opt   cron.ParseOption
	rng   string
	names string
}{
	{"minute", cron.Minute, "0-59", ""},
	{"hour", cron.Hour, "0-23", ""},
	{"day of month", cron.Dom, "1-31", ""},
	{"month", cron.Month, "1-12", " or a month name (jan-dec)"},
	{"day of week", cron.Dow, "0-6 (Sunday is 0)", " or a day name (sun-sat)"},
}

// descriptors are the named schedules robfig/cron's ParseStandard knows.
const descriptors = "@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly or @every <duration>"

var (
	outOfRangeRE = regexp.MustCompile(`^(?:end of range \((\d+)\) above maximum|beginning of range \((\d+)\) below minimum) \(\d+\)`)
	backwardsRE  = regexp.MustCompile(`^beginning of range \(\d+\) beyond end of range \(\d+\): (.*)$`)
	notIntRE     = regexp.MustCompile(`^failed to parse int from (.*?): `)
)

// cronProblem explains why ParseStandard rejected s (with error err):
// the number of fields, or each field's problem, or the descriptor's.
func cronProblem(s string, err error) string {
	if strings.HasPrefix(s, "@") {
		if rest, ok := strings.CutPrefix(s, "@every "); ok {
			return fmt.Sprintf("@every needs a duration such as 90m or 1h30m, not %q", rest)
		}
		return fmt.Sprintf("%q is not a cron descriptor; use %s", s, descriptors)
	}
	fields := strings.Fields(s)
	if len(fields) != len(cronFields) {
		var seconds string
		if len(fields) == 6 {
			seconds = "; a CronJob has no seconds field"
		}
		return fmt.Sprintf("it has %d fields, want 5 (minute, hour, day of month, month, day of week, e.g. \"0 2 * * *\") or a descriptor (%s)%s", len(fields), descriptors, seconds)
	}
	var problems []string
	for i, f := range fields {
		fd := cronFields[i]
		_, ferr := cron.NewParser(fd.opt).Parse(f)
		if ferr == nil {
			continue
		}
		msg := ferr.Error()
		var p string
		switch m := outOfRangeRE.FindStringSubmatch(msg); {
		case m != nil:
			p = fmt.Sprintf("%s %s%s is out of range %s", fd.name, m[1], m[2], fd.rng)
		case backwardsRE.MatchString(msg):
			p = fmt.Sprintf("%s range %s ends before it starts", fd.name, backwardsRE.FindStringSubmatch(msg)[1])
		case strings.Contains(f, "/") && (strings.HasPrefix(msg, "step of range") || strings.HasPrefix(msg, "negative number")):
			p = fmt.Sprintf("%s %q has a step that is not a positive number", fd.name, f)
		case notIntRE.MatchString(msg):
			part := notIntRE.FindStringSubmatch(msg)[1]
			if part == "" {
				part = f
			}
			p = fmt.Sprintf("%s %q is not a number%s", fd.name, part, fd.names)
		default:
			p = fmt.Sprintf("%s %q is not a value (5), a list (1,15), a range (1-5) or a step (*/10)", fd.name, f)
		}
		problems = append(problems, p)
	}
	if len(problems) == 0 {
		return err.Error()
	}
	return strings.Join(problems, "; ")
}
