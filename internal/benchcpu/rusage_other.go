//go:build !unix

package benchcpu

import "time"

// supported is false: there is no portable process CPU clock here, so
// Report adds no metric.
const supported = false

func now() time.Duration { return 0 }
