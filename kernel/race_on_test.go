//go:build race

package kernel

// raceDetector: the race detector makes sync.Pool drop objects at random,
// so pooled state is reallocated now and then.
const raceDetector = true
