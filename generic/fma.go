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
	// The product of two float32 values is exact in float64 (24+24 bits <
	// 53, exponents far inside float64's range), so r = p + c is RN64 of
	// the exact a*b + c, what a float64 FMA would return, without the
	// run-time check and the call that math.FMA needs where the CPU may lack
	// an FMA instruction. (If the compiler fuses the two, nothing changes:
	// the product is exact either way.) r rounds to float32 as the exact
	// value does unless a float32 rounding boundary (a midpoint) lies
	// between them, which can only be r itself: low 29 bits 1 then zeros.
	// Below float32's normal range fewer bits remain, so that case (and
	// zero) takes the exact path too.
	p := float64(a) * float64(b)
	r := p + float64(c)
	f := float32(r)
	if math.Float64bits(r)&(1<<29-1) == 1<<28 || r*r < 0x1p-252 {
		f = exact(a, b, c)
	}
	return f
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
