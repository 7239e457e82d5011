package kernel

import (
	"fmt"
	"os"
	"strings"
	"sync/atomic"
)

// An isa is an execution path. The best path this CPU can run is chosen
// once at start-up from feature flags (see available in the per-GOARCH
// files); ADQUAIF_ISA or SetISA may force another.
type isa uint32

const (
	isaGeneric isa = iota
	isaAVX2
	isaAVX512
	isaNEON
)

var isaNames = [...]string{isaGeneric: "generic", isaAVX2: "avx2", isaAVX512: "avx512", isaNEON: "neon"}

func (i isa) String() string { return isaNames[i] }

// selected is the path Step uses. It is atomic so that SetISA in a test or
// benchmark does not race with steps on other goroutines.
var selected atomic.Uint32

func current() isa { return isa(selected.Load()) }

func init() {
	selected.Store(uint32(available()[0]))
	if name := os.Getenv("ADQUAIF_ISA"); name != "" {
		if err := SetISA(name); err != nil {
			// A library must not kill its program at start-up (a job sent to
			// a node without the forced path still runs, on the best path
			// there), but the user must see that the setting was not honoured.
			fmt.Fprintf(os.Stderr, "ADQUAIF_ISA=%s ignored: %v; using %s\n", name, err, ISA())
		}
	}
}

// ISA returns the execution path that Step uses: "avx512", "avx2", "neon" or
// "generic".
func ISA() string { return current().String() }

// Available returns the paths that this CPU can run, best first; "generic"
// is always last.
func Available() []string {
	var names []string
	for _, i := range available() {
		names = append(names, i.String())
	}
	return names
}

// SetISA forces a path (for tests and benchmarks); an error if this CPU lacks
// it.
func SetISA(name string) error {
	for _, i := range available() {
		if i.String() == name {
			selected.Store(uint32(i))
			return nil
		}
	}
	return fmt.Errorf("kernel: ISA %q is not available on this CPU (available: %s)", name, strings.Join(Available(), ", "))
}
