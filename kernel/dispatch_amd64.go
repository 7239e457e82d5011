//go:build !purego

package kernel

import "github.com/adquaif/adquaif/generic"

// The SIMD paths for this GOARCH have not landed yet: generic only.
func available() []isa { return []isa{isaGeneric} }

func step32(_ isa, v int, f *generic.Frame32) { generic.StepF32(v, f) }

func step64(_ isa, v int, f *generic.Frame64) { generic.StepF64(v, f) }
