//go:build !purego

package kernel

import (
	"golang.org/x/sys/cpu"

	"github.com/adquaif/adquaif/generic"
)

// useNEON is the one predicate of the NEON path: the generated code in
// step_arm64.s uses Advanced SIMD (ASIMD) and nothing beyond it. ASIMD is
// mandatory on arm64, but the flag is checked all the same so that the
// path is never chosen on the word of the architecture alone.
var useNEON = cpu.ARM64.HasASIMD

func available() []isa {
	if useNEON {
		return []isa{isaNEON, isaGeneric}
	}
	return []isa{isaGeneric}
}

// step32 and step64 pick the kernel with a switch rather than a table of
// function values, so that every call is direct and the frame does not
// escape.
func step32(id isa, v int, f *generic.Frame32) {
	if id == isaNEON {
		switch v {
		case 0:
			stepNEONF32Soft(f)
		case 1:
			stepNEONF32SoftPN(f)
		case 2:
			stepNEONF32Hard(f)
		case 3:
			stepNEONF32HardPN(f)
		default:
			panic("kernel: no such variant")
		}
		return
	}
	generic.StepF32(v, f)
}

func step64(id isa, v int, f *generic.Frame64) {
	if id == isaNEON {
		switch v {
		case 0:
			stepNEONF64Soft(f)
		case 1:
			stepNEONF64SoftPN(f)
		case 2:
			stepNEONF64Hard(f)
		case 3:
			stepNEONF64HardPN(f)
		default:
			panic("kernel: no such variant")
		}
		return
	}
	generic.StepF64(v, f)
}

// exprelPath32 and exprelPath64 run a path's exprel program (exprel in place
// over f.V), so that tests can compare the function itself across paths.
func exprelPath32(id isa, f *generic.Frame32) {
	if id == isaNEON {
		exprelNEONF32(f)
		return
	}
	generic.ExprelF32(f)
}

func exprelPath64(id isa, f *generic.Frame64) {
	if id == isaNEON {
		exprelNEONF64(f)
		return
	}
	generic.ExprelF64(f)
}
