//go:build !purego

package kernel

import (
	"golang.org/x/sys/cpu"

	"github.com/adquaif/adquaif/generic"
)

// frame32, frame64, backward32, backward64, expon32 and expon64 are the
// frame types as the generated declarations in step_amd64.go name them. The calls into the generated code are generated
// too (dispatch_gen_amd64.go); this file chooses the path.
type (
	frame32    = generic.Frame32
	frame64    = generic.Frame64
	backward32 = generic.Backward32
	backward64 = generic.Backward64
	expon32    = generic.Expon32
	expon64    = generic.Expon64
)

// Each predicate is exactly the "// Requires:" set of the generated code it
// guards (step_amd64.s): BZHI (tail masks) and PDEP (bool outputs) need
// BMI2, VZEROUPPER needs AVX. x/sys/cpu honours GODEBUG=cpu.<feature>=off
// one flag at a time, so every flag is checked. They are package variables,
// initialized before any init function runs, in particular before the one
// in dispatch.go that calls available.
var (
	useAVX512 = cpu.X86.HasAVX && cpu.X86.HasAVX512F && cpu.X86.HasBMI2
	useAVX2   = cpu.X86.HasAVX && cpu.X86.HasAVX2 && cpu.X86.HasFMA && cpu.X86.HasBMI2
)

func available() []isa {
	var ids []isa
	if useAVX512 {
		ids = append(ids, isaAVX512)
	}
	if useAVX2 {
		ids = append(ids, isaAVX2)
	}
	return append(ids, isaGeneric)
}
