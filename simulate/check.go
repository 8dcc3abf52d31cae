package simulate

import (
	"fmt"
	"slices"
	"strings"
)

// Check is the outcome of one expectation.
type Check struct {
	// Expectation restates the expectation in words.
	Expectation string `json:"expectation"`
	OK          bool   `json:"ok"`
	// Detail says what happened.
	Detail string `json:"detail"`
}

// check evaluates the scenario's expectations against the timeline. An
// expectation naming an alert the model does not have fails: "never
// fires" would hold trivially, and the others could never hold, so it is
// a typo or an alert renamed in the spec.
func check(sc *Scenario, r *Result, model string, alerts []string) []Check {
	var out []Check
	for _, e := range sc.Expect {
		if e.Alert != "" && !slices.Contains(alerts, e.Alert) {
			out = append(out, Check{Expectation: e.String(), Detail: fmt.Sprintf("model %s has no alert %s (its alerts: %s)", model, e.Alert, strings.Join(alerts, ", "))})
			continue
		}
		var fired []Event
		for _, ev := range r.Events {
			if ev.State == Firing && e.selects(ev) {
				fired = append(fired, ev)
			}
		}
		c := Check{Expectation: e.String()}
		switch {
		case e.Fires != nil:
			c.OK = len(fired) == 0
			if c.OK {
				c.Detail = "nothing fired"
			} else {
				c.Detail = fmt.Sprintf("%s fired at %s", fired[0].Key(), fired[0].At)
			}
		case e.FiresWithin != nil:
			first, ok := firstAfter(fired, *sc.Incident)
			switch {
			case !ok:
				c.Detail = "it never fired after the incident start"
			default:
				d := first.At - *sc.Incident
				c.OK = d <= *e.FiresWithin
				c.Detail = fmt.Sprintf("%s fired %s after the incident start", first.Key(), d)
			}
		case e.FiresAfter != nil:
			first, ok := firstAfter(fired, 0)
			switch {
			case !ok:
				c.Detail = "it never fired"
			default:
				d := first.At - *sc.Incident
				c.OK = first.At >= *sc.Incident && d >= *e.FiresAfter
				c.Detail = fmt.Sprintf("%s fired %s after the incident start", first.Key(), signed(d))
			}
		}
		out = append(out, c)
	}
	return out
}

func firstAfter(evs []Event, t Duration) (Event, bool) {
	for _, ev := range evs {
		if ev.At >= t {
			return ev, true
		}
	}
	return Event{}, false
}

func signed(d Duration) string {
	if d < 0 {
		return "-" + (-d).String()
	}
	return d.String()
}

// selects reports whether the expectation is about this alert.
func (e Expectation) selects(ev Event) bool {
	if e.Alert != "" && e.Alert != ev.Alert {
		return false
	}
	if e.Severity != "" && e.Severity != ev.Severity {
		return false
	}
	for k, v := range e.Labels {
		if ev.Labels[k] != v {
			return false
		}
	}
	return true
}

// String restates the expectation, e.g. "AvailabilityFastBurn fires
// within 5m of the incident start".
func (e Expectation) String() string {
	var who []string
	switch {
	case e.Alert != "":
		who = append(who, e.Alert)
	case e.Severity != "":
		who = append(who, "no "+e.Severity+" alert")
	default:
		who = append(who, "no alert")
	}
	if e.Alert != "" && e.Severity != "" {
		who = append(who, "("+e.Severity+")")
	}
	if len(e.Labels) > 0 {
		var parts []string
		for _, k := range sortedKeys(e.Labels) {
			parts = append(parts, fmt.Sprintf("%s=%q", k, e.Labels[k]))
		}
		who = append(who, "{"+strings.Join(parts, ",")+"}")
	}
	subject := strings.Join(who, " ")
	anyAlert := e.Alert == ""
	switch {
	case e.Fires != nil:
		if anyAlert {
			return subject + " fires"
		}
		return subject + " never fires"
	case e.FiresWithin != nil:
		if anyAlert {
			subject = strings.Replace(subject, "no ", "a ", 1)
		}
		return fmt.Sprintf("%s fires within %s of the incident start", subject, e.FiresWithin)
	default:
		if anyAlert {
			subject = strings.Replace(subject, "no ", "a ", 1)
		}
		return fmt.Sprintf("%s fires, but not before %s after the incident start", subject, e.FiresAfter)
	}
}
