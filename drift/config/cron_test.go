package config

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/robfig/cron/v3"
)

// kubernetesAccepts is the Kubernetes API server's check of a new
// CronJob's .spec.schedule (validateScheduleFormat in
// pkg/apis/batch/validation): robfig/cron's ParseStandard, and no "TZ".
// A panic in the parser (a TZ= prefix without a space) is a rejection.
func kubernetesAccepts(s string) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	_, err := cron.ParseStandard(s)
	return err == nil && !strings.Contains(s, "TZ")
}

// TestParseCronVerdicts checks ParseCron's verdict on a table of
// schedules against a verdict written by hand from the Kubernetes rules,
// and against Kubernetes's own check; and each rejection's message.
func TestParseCronVerdicts(t *testing.T) {
	cases := []struct {
		s    string
		ok   bool
		want string // part of the error
	}{
		{"0 2 * * *", true, ""},
		{"5 * * * *", true, ""},
		{"*/15 9-17 * * mon-fri", true, ""},
		{"0 0 1 jan,jul *", true, ""},
		{"0 0 * * SUN", true, ""},
		{"0 0 29 2 *", true, ""},
		{"0 0 L * *", false, `day of month "L" is not a number`},
		{"0  2 * * *", true, ""},
		{" 0 2 * * * ", true, ""},
		{"0\t2 * * *", true, ""},
		{"*/100 * * * *", true, ""},
		{"0 2 ? * *", true, ""},
		{"+5 * * * *", true, ""},
		{"05 02 * * *", true, ""},
		{"@daily", true, ""},
		{"@midnight", true, ""},
		{"@hourly", true, ""},
		{"@weekly", true, ""},
		{"@monthly", true, ""},
		{"@yearly", true, ""},
		{"@annually", true, ""},
		{"@every 6h", true, ""},
		{"@every 1h30m", true, ""},
		{"@every 1d", false, `@every needs a duration such as 90m or 1h30m, not "1d"`},
		{"@every", false, `"@every" is not a cron descriptor`},
		{"@dayly", false, `"@dayly" is not a cron descriptor`},
		{"@daily ", false, `"@daily " is not a cron descriptor`},
		{"99 99 * * *", false, "minute 99 is out of range 0-59; hour 99 is out of range 0-23"},
		{"60 * * * *", false, "minute 60 is out of range 0-59"},
		{"0 24 * * *", false, "hour 24 is out of range 0-23"},
		{"0 0 0 * *", false, "day of month 0 is out of range 1-31"},
		{"0 0 32 * *", false, "day of month 32 is out of range 1-31"},
		{"0 0 * 0 *", false, "month 0 is out of range 1-12"},
		{"0 0 * 13 *", false, "month 13 is out of range 1-12"},
		{"0 0 * * 7", false, "day of week 7 is out of range 0-6 (Sunday is 0)"},
		{"0 0 * * 1-7", false, "day of week 7 is out of range 0-6"},
		{"5-3 * * * *", false, "minute range 5-3 ends before it starts"},
		{"*/0 * * * *", false, `minute "*/0" has a step that is not a positive number`},
		{"*/-1 * * * *", false, `minute "*/-1" has a step that is not a positive number`},
		{"1-2-3 * * * *", false, `minute "1-2-3" is not a value (5), a list (1,15), a range (1-5) or a step (*/10)`},
		{"1/2/3 * * * *", false, `minute "1/2/3" is not a value`},
		{"x * * * *", false, `minute "x" is not a number`},
		{"0 2 * foo *", false, `month "foo" is not a number or a month name (jan-dec)`},
		{"0 2 * * 1-x", false, `day of week "x" is not a number or a day name (sun-sat)`},
		{"0 2 1- * *", false, `day of month "1-" is not a number`},
		{"99999999999999999999 * * * *", false, `minute "99999999999999999999" is not a number`},
		{"0 2 * *", false, "it has 4 fields, want 5"},
		{"0 0 2 * * *", false, "it has 6 fields, want 5 (minute, hour, day of month, month, day of week, e.g. \"0 2 * * *\") or a descriptor (@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly or @every <duration>); a CronJob has no seconds field"},
		{"", false, "it has 0 fields"},
		{"   ", false, "it has 0 fields"},
		{"every day at 2", false, "it has 4 fields"},
		{"CRON_TZ=UTC 0 2 * * *", false, "sets a time zone; a Kubernetes CronJob does not accept TZ= or CRON_TZ= in its schedule"},
		{"TZ=Europe/Paris 0 2 * * *", false, "sets a time zone"},
		{"TZ=UTC", false, "sets a time zone"},
		{"CRON_TZ=", false, "sets a time zone"},
		{"0 0 30 2 *", false, "never runs: no date and time match it"},
		{"0 0 31 4,6,9,11 *", false, "never runs"},
		{", * * * *", false, "never runs"},
	}
	for _, c := range cases {
		_, err := ParseCron(c.s)
		if (err == nil) != c.ok {
			t.Errorf("ParseCron(%q): error %v, want ok=%v", c.s, err, c.ok)
			continue
		}
		// A schedule that never runs is the one vigil rejects and
		// Kubernetes accepts.
		never := err != nil && strings.Contains(err.Error(), "never runs")
		if k := kubernetesAccepts(c.s); k != c.ok && !never {
			t.Errorf("%q: Kubernetes accepts=%v, the table says %v", c.s, k, c.ok)
		}
		if err != nil && !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseCron(%q) = %q, want it to contain %q", c.s, err, c.want)
		}
	}
}

// TestParseCronAgreesWithKubernetes compares ParseCron with the
// Kubernetes check on random schedules built from cron tokens: same
// verdict (except schedules that never run, which vigil alone rejects),
// and every rejection explained in vigil's words rather than the
// parser's.
func TestParseCronAgreesWithKubernetes(t *testing.T) {
	tokens := []string{
		"*", "?", "0", "1", "5", "7", "12", "13", "23", "24", "29", "30", "31", "32", "59", "60", "99",
		"*/5", "*/0", "*/99", "1-5", "5-1", "0-59", "1-31", "1,15", "1,,2", ",", "mon", "MON-FRI", "sun",
		"jan", "dec", "feb-mar", "x", "-1", "1-", "-", "/", "1/2", "1/2/3", "1-2-3", "+1", "00", "3/0",
		"L", "#", "1-5/2", "*/1",
	}
	// valid holds tokens each field accepts, so that most schedules are
	// near misses.
	valid := [][]string{
		{"*", "0", "59", "*/5", "0-30/10", "1,15"},
		{"*", "0", "23", "*/6", "9-17"},
		{"*", "?", "1", "28", "29", "30", "31", "1-15"},
		{"*", "1", "2", "12", "jan", "feb", "feb-mar", "4,6,9,11"},
		{"*", "0", "6", "mon-fri", "SUN", "?"},
	}
	rng := rand.New(rand.NewPCG(3, 4))
	var accepted, rejected int
	for range 5000 {
		n := 5
		switch rng.IntN(10) {
		case 0:
			n = 4 + 2*rng.IntN(2) // 4 or 6
		case 1:
			n = rng.IntN(8)
		}
		f := make([]string, n)
		for i := range f {
			f[i] = tokens[rng.IntN(len(tokens))]
			if i < len(valid) && rng.IntN(10) < 8 {
				f[i] = valid[i][rng.IntN(len(valid[i]))]
			}
		}
		s := strings.Join(f, " ")
		if rng.IntN(20) == 0 {
			s = []string{"TZ=UTC ", "CRON_TZ=UTC ", "@", "@every "}[rng.IntN(4)] + s
		}
		sched, err := ParseCron(s)
		if err == nil {
			accepted++
			if !kubernetesAccepts(s) {
				t.Errorf("ParseCron accepts %q; Kubernetes rejects it", s)
			}
			if sched.Next(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)).IsZero() {
				t.Errorf("ParseCron accepts %q, which never runs", s)
			}
			continue
		}
		rejected++
		msg := err.Error()
		if kubernetesAccepts(s) && !strings.Contains(msg, "never runs") {
			t.Errorf("ParseCron rejects %q (%s); Kubernetes accepts it", s, msg)
		}
		for _, jargon := range []string{"of range (", "failed to parse", "expected exactly", "beyond end", "runtime error"} {
			if strings.Contains(msg, jargon) {
				t.Errorf("ParseCron(%q) = %q: parser jargon %q", s, msg, jargon)
			}
		}
	}
	t.Logf("%d accepted, %d rejected", accepted, rejected)
	if accepted < 200 || rejected < 200 {
		t.Errorf("the random schedules do not exercise both verdicts: %d accepted, %d rejected", accepted, rejected)
	}
}

// TestInUTC checks that the schedule runs in UTC whatever the process's
// time zone.
func TestInUTC(t *testing.T) {
	sched, err := ParseCron("0 2 * * *")
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2026, 3, 1, 12, 0, 0, 0, time.FixedZone("X", 5*3600))
	got := InUTC(sched).Next(from)
	if want := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("next run = %v, want %v", got, want)
	}
	every, err := ParseCron("@every 6h")
	if err != nil {
		t.Fatal(err)
	}
	if got := InUTC(every).Next(from); !got.Equal(from.Add(6 * time.Hour)) {
		t.Errorf("@every 6h: next run = %v, want %v", got, from.Add(6*time.Hour))
	}
}
