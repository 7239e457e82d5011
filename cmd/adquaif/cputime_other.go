//go:build !unix

package main

import "time"

// cpuTime reports no processor time where the system has no getrusage.
func cpuTime() (time.Duration, bool) { return 0, false }
