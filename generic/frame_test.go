package generic

import (
	"testing"
	"unsafe"
)

// The assembly paths address Frame fields at the FrameOff offsets; the Go
// structs must put them there.
func TestFrameOffsets(t *testing.T) {
	var f32 Frame32
	var f64 Frame64
	check := func(name string, got32, got64, want uintptr) {
		t.Helper()
		if got32 != want || got64 != want {
			t.Errorf("%s at %d (Frame32) and %d (Frame64), want %d", name, got32, got64, want)
		}
	}
	check("V", unsafe.Offsetof(f32.V), unsafe.Offsetof(f64.V), FrameOffV)
	check("W", unsafe.Offsetof(f32.W), unsafe.Offsetof(f64.W), FrameOffW)
	check("Last", unsafe.Offsetof(f32.Last), unsafe.Offsetof(f64.Last), FrameOffLast)
	check("I", unsafe.Offsetof(f32.I), unsafe.Offsetof(f64.I), FrameOffI)
	check("Delta", unsafe.Offsetof(f32.Delta), unsafe.Offsetof(f64.Delta), FrameOffDelta)
	check("Spike", unsafe.Offsetof(f32.Spike), unsafe.Offsetof(f64.Spike), FrameOffSpike)
	check("Ref", unsafe.Offsetof(f32.Ref), unsafe.Offsetof(f64.Ref), FrameOffRef)
	check("C", unsafe.Offsetof(f32.C), unsafe.Offsetof(f64.C), FrameOffC)
	check("Stride", unsafe.Offsetof(f32.Stride), unsafe.Offsetof(f64.Stride), FrameOffStride)
	check("N", unsafe.Offsetof(f32.N), unsafe.Offsetof(f64.N), FrameOffN)
	check("Steps", unsafe.Offsetof(f32.Steps), unsafe.Offsetof(f64.Steps), FrameOffSteps)
	check("Rows", unsafe.Offsetof(f32.Rows), unsafe.Offsetof(f64.Rows), FrameOffRows)
	check("T", unsafe.Offsetof(f32.T), unsafe.Offsetof(f64.T), FrameOffT)
}
