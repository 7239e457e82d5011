//go:build !purego

package kernel

import (
	"golang.org/x/sys/cpu"

	"github.com/adquaif/adquaif/generic"
)

// frame32 and frame64 are the frame types as the generated declarations in
// step_amd64.go name them.
type (
	frame32 = generic.Frame32
	frame64 = generic.Frame64
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

// step32 and step64 pick the kernel with a switch rather than a table of
// function values: calling through a function value would make the frame
// escape to the heap, and Step would allocate on every call. v is
// 2*reset + perNeuron, the order of asm/step.Variants.
func step32(id isa, v int, f *generic.Frame32) {
	switch id {
	case isaAVX512:
		switch v {
		case 0:
			stepAVX512F32Soft(f)
		case 1:
			stepAVX512F32SoftPN(f)
		case 2:
			stepAVX512F32Hard(f)
		default:
			stepAVX512F32HardPN(f)
		}
	case isaAVX2:
		switch v {
		case 0:
			stepAVX2F32Soft(f)
		case 1:
			stepAVX2F32SoftPN(f)
		case 2:
			stepAVX2F32Hard(f)
		default:
			stepAVX2F32HardPN(f)
		}
	default:
		generic.StepF32(v, f)
	}
}

func step64(id isa, v int, f *generic.Frame64) {
	switch id {
	case isaAVX512:
		switch v {
		case 0:
			stepAVX512F64Soft(f)
		case 1:
			stepAVX512F64SoftPN(f)
		case 2:
			stepAVX512F64Hard(f)
		default:
			stepAVX512F64HardPN(f)
		}
	case isaAVX2:
		switch v {
		case 0:
			stepAVX2F64Soft(f)
		case 1:
			stepAVX2F64SoftPN(f)
		case 2:
			stepAVX2F64Hard(f)
		default:
			stepAVX2F64HardPN(f)
		}
	default:
		generic.StepF64(v, f)
	}
}

// exprelPath32 and exprelPath64 run a path's exprel program (exprel in place over
// f.V) so that tests can compare the function itself across paths.
func exprelPath32(id isa, f *generic.Frame32) {
	switch id {
	case isaAVX512:
		exprelAVX512F32(f)
	case isaAVX2:
		exprelAVX2F32(f)
	default:
		generic.ExprelF32(f)
	}
}

func exprelPath64(id isa, f *generic.Frame64) {
	switch id {
	case isaAVX512:
		exprelAVX512F64(f)
	case isaAVX2:
		exprelAVX2F64(f)
	default:
		generic.ExprelF64(f)
	}
}
