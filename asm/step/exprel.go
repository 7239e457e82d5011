package step

import "math"

// Exprel is a helper program, exprel in place over stream V, so that tests
// can check the function over its whole domain in every path.
func Exprel(d DType) *Program {
	b := newBuilder(&Program{Frame: AdQuaIFFrame, Func: "Exprel", Tag: d.String(), DType: d})
	e, _ := exprel(b, b.Load(SV))
	b.Store(SV, e)
	return b.p
}

// exprelSpec holds exprel's per-type constants.
type exprelSpec struct {
	fast     float64 // |z| <= fast: the short polynomial
	fastDeg  int
	mid      float64 // |z| <= mid: the long polynomial
	midDeg   int     // also used on the reduced argument, |r| <= ln2/2
	zmin     float64 // below: exp(z) is below the normal range; exprel = -1/z to the last bit
	zmax     float64 // above: exprel overflows
	ln2hi    float64 // ln 2 = ln2hi + ln2lo, ln2hi with trailing zero bits so k*ln2hi is exact
	ln2lo    float64
	kcMax    float64 // 1 - 2^-k rounds to 1 for k >= kcMax
	magicInt float64 // 1.5 * 2^mantbits: adding it rounds to an integer held in the low bits
}

var exprelSpecs = [...]exprelSpec{
	F32: {
		fast: 0.125, fastDeg: 5, mid: 0.5, midDeg: 9,
		zmin: -87, zmax: 95,
		ln2hi: float64(math.Float32frombits(0x3f317200)), ln2lo: 1.42860677e-06,
		kcMax: 30, magicInt: 0x1.8p23,
	},
	F64: {
		fast: 0.0625, fastDeg: 8, mid: 0.5, midDeg: 15,
		zmin: -708, zmax: 720,
		ln2hi: math.Float64frombits(0x3fe62e42fee00000), ln2lo: 1.9082149292705877e-10,
		kcMax: 60, magicInt: 0x1.8p52,
	},
}

// taylor evaluates sum_{n=0..deg} x^n/(n+1)! by Horner's rule: exprel's
// Taylor series.
func taylor(b *builder, x Reg, deg int) Reg {
	coef := func(n int) float64 {
		f := 1.0
		for i := 2; i <= n+1; i++ {
			f *= float64(i)
		}
		return 1 / f
	}
	acc := b.F(coef(deg))
	for n := deg - 1; n >= 0; n-- {
		acc = b.FMA(acc, x, b.F(coef(n)))
	}
	return acc
}

// exprel computes (exp(z) - 1)/z, 1 at 0, within 2 ulp everywhere:
//
//   - |z| <= fast: a short Taylor polynomial (the case real simulations see);
//   - otherwise, in a Rare block: a long Taylor polynomial for |z| <= mid, and
//     beyond it z = k*ln2 + r, |r| <= ln2/2, exp(z) - 1 = 2^k*(r*q(r) + 1 - 2^-k)
//     with q the long polynomial, so exprel = ((r*q + (1 - 2^-k))/z) * 2^k.
//     For |z| > mid the sum r*q + (1 - 2^-k) cancels at most by a factor 0.6,
//     which keeps the error near 1.6 ulp. z is clamped to [zmin, zmax] for the
//     reduction (results there are -1/z and +Inf); 2^k is applied in two
//     factors so that k up to zmax*log2(e) stays in range.
//
// It also returns its Rare block's mask, |z| > fast, which exprel' shares.
func exprel(b *builder, z Reg) (e, large Reg) {
	s := exprelSpecs[b.p.DType]
	az := b.name("az", b.Abs(z))
	e = b.name("ex", taylor(b, z, s.fastDeg)) // its last FMA is a register of its own, for the Rare block to assign
	large = b.name("large", beyondFast(b, az))
	b.Rare(large, func() {
		mid := b.name("taylor", taylor(b, z, s.midDeg))

		zl := b.name("zl", b.Select(b.GT(z, b.F(s.zmax)), b.F(s.zmax), z))
		zc := b.name("zc", b.Select(b.LT(zl, b.F(s.zmin)), b.F(s.zmin), zl))
		magic := b.F(s.magicInt)
		k := b.name("k", b.Sub(b.FMA(zc, b.F(math.Log2E), magic), magic))
		r := b.name("r", b.FMA(k, b.F(-s.ln2lo), b.FMA(k, b.F(-s.ln2hi), zc)))
		q := b.name("q", taylor(b, r, s.midDeg))

		kc := b.name("kc", b.Select(b.GT(k, b.F(s.kcMax)), b.F(s.kcMax), k))
		one := b.F(1)
		c := b.name("oneMinus", b.Sub(one, pow2(b, b.Mul(kc, b.F(-1)))))
		y := b.name("y", b.Div(b.FMA(r, q, c), zl))
		ka := b.name("kHalf", b.Sub(b.FMA(k, b.F(0.5), magic), magic))
		big := b.name("big", b.Mul(b.Mul(y, pow2(b, ka)), pow2(b, b.Sub(k, ka))))

		slow := b.name("far", b.Select(b.LE(az, b.F(s.mid)), mid, big))
		b.SelectInto(e, large, slow)
	})
	return e, large
}

// beyondFast is the mask of the lanes whose |z|, az, is past the short
// polynomials of exprel and exprel' (|z| > fast).
func beyondFast(b *builder, az Reg) Reg { return b.GT(az, b.F(exprelSpecs[b.p.DType].fast)) }

// pow2 is 2^k for an integral float k whose power is a normal number: the
// bits of k + magic hold k in their low bits; adding the bias and shifting
// by the mantissa width builds the exponent field.
func pow2(b *builder, k Reg) Reg {
	d := b.p.DType
	s := exprelSpecs[d]
	i := b.name("kBits", b.Bits(b.Add(k, b.F(s.magicInt))))
	return b.name("pow2", b.FromBits(b.Shl(b.IAdd(i, b.U(uint64(d.Bias()))), d.MantBits())))
}
