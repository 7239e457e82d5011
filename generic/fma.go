package generic

import "math"

// fma32 is a*b + c rounded once to float32, as a hardware single-precision
// FMA computes it. float32(math.FMA(a, b, c)) alone would round twice (to
// float64, then to float32) and differ from hardware in rare halfway cases.
//
// fma32 must be inlined: a call costs more than the FMA itself, and because
// Go's ABI has no callee-saved registers, every value live in the caller's
// loop would be spilled and reloaded around it. The slow path is therefore
// passed to fma32Fast as a parameter: the inliner charges a call through a
// parameter 17 instead of 57 (cmd/compile/internal/inline,
// inlineParamCallCost), which keeps both functions under its budget of 80.
func fma32(a, b, c float32) float32 { return fma32Fast(a, b, c, fma32Exact) }

// fma32Fast is fma32 with its slow path, exact, as a parameter.
func fma32Fast(a, b, c float32, exact func(a, b, c float32) float32) float32 {
	r := float64(a)*float64(b) + float64(c)
	f := float32(r)
	if fma32Hard(r, f) {
		return exact(a, b, c)
	}
	return f
}

// fma32Try is fma32's fast path alone: it returns a*b + c rounded once to
// float32, or sets *slow when it cannot tell (and then its result must not
// be used). It never clears *slow, so a loop can try all the FMAs of a
// neuron and redo the neuron with fma32 if any of them failed; with no call
// on the loop's common path, Go's register allocator need not spill the
// neuron's values around one at every FMA.
func fma32Try(a, b, c float32, slow *bool) float32 {
	r := float64(a)*float64(b) + float64(c)
	f := float32(r)
	if fma32Hard(r, f) {
		*slow = true
	}
	return f
}

// fma32Hard reports whether f = float32(r), where r = float64(a)*float64(b)
// + float64(c) for float32 a, b and c, may differ from a*b + c rounded once
// to float32.
//
// The product of two float32 values is exact in float64 (24+24 bits < 53,
// exponents far inside float64's range), so r is RN64 of the exact a*b + c,
// what a float64 FMA returns; whether the compiler fuses the multiply and
// the add (arm64 does) makes no difference. A plain multiply and add, not
// math.FMA, because math.FMA brings a run-time CPU check and, on its other
// side, a call that the loop's register allocation pays for everywhere.
// f can differ only if a float32 rounding boundary (a midpoint) lies
// between r and the exact value, which can only be r itself: low 29 bits
// 1 then zeros. Below float32's normal range the boundaries are farther
// apart than that test sees, so a result that rounds to 2^-126 or less in
// magnitude (zero too) is hard as well; every |r| < 2^-126 does. Both
// tests read general registers only: a float test would need a spare
// floating-point register, which a loop of interleaved neurons lacks.
// A NaN or an infinity is not hard: float32 keeps it.
func fma32Hard(r float64, f float32) bool {
	return math.Float64bits(r)&(1<<29-1) == 1<<28 || math.Float32bits(f)&(1<<31-1) <= 0x00800000
}

// fma32Exact is fma32 for every input, without a fused operation. The
// product is exact in float64 (24+24 bits < 53), the sum is computed with its
// rounding error (TwoSum), and the float64 sum is rounded to odd: if it was
// inexact and its last bit is even, it moves one ulp toward the exact value.
// A round-to-odd value with 29 more bits than float32 rounds to float32 as
// the exact value would.
func fma32Exact(a, b, c float32) float32 {
	p := float64(float64(a) * float64(b))
	cc := float64(c)
	s := float64(p + cc)
	bp := float64(s - p)
	err := float64(float64(p-float64(s-bp)) + float64(cc-bp))
	bits := math.Float64bits(s)
	if err != 0 && bits&1 == 0 && bits&0x7ff0000000000000 != 0x7ff0000000000000 {
		// Step the magnitude up when the error has the sum's sign, down
		// otherwise. s is not zero here: a zero sum is exact.
		if (err > 0) == (s > 0) {
			bits++
		} else {
			bits--
		}
	}
	return float32(math.Float64frombits(bits))
}
