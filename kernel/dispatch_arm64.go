//go:build !purego

package kernel

import "golang.org/x/sys/cpu"

// useNEON is the one predicate of the NEON path: the generated code in
// step_arm64.s uses Advanced SIMD (ASIMD) and nothing beyond it. ASIMD is
// mandatory on arm64, but the flag is checked all the same so that the
// path is never chosen on the word of the architecture alone.
var useNEON = cpu.ARM64.HasASIMD

// The calls into the generated code are generated too
// (dispatch_gen_arm64.go); this file chooses the path.

func available() []isa {
	if useNEON {
		return []isa{isaNEON, isaGeneric}
	}
	return []isa{isaGeneric}
}
