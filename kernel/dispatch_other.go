//go:build purego || !(amd64 || arm64)

package kernel

import "github.com/adquaif/adquaif/generic"

// Without assembly, the generic path is the only one.
func available() []isa { return []isa{isaGeneric} }

func step32(_ isa, v int, f *generic.Frame32) { generic.StepF32(v, f) }

func step64(_ isa, v int, f *generic.Frame64) { generic.StepF64(v, f) }

// exprelPath32 and exprelPath64 run a path's exprel program (exprel in place
// over f.V), so that tests can compare the function itself across paths.
func exprelPath32(_ isa, f *generic.Frame32) { generic.ExprelF32(f) }

func exprelPath64(_ isa, f *generic.Frame64) { generic.ExprelF64(f) }
