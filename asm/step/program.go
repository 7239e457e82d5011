package step

import (
	"fmt"
	"math"
)

// Variant selects one compiled form of the step. The optional buffers are
// not part of the variant: they are If blocks decided at run time, once per
// vector of lanes, which keeps the variants at 2 × 2 × 2.
type Variant struct {
	DType   DType
	Reset   Reset
	PerNeur bool
}

// Name is the variant's suffix in generated function names, e.g. F32SoftPN.
func (v Variant) Name() string {
	s := v.DType.String() + v.Reset.String()
	if v.PerNeur {
		s += "PN"
	}
	return s
}

// Variants lists every variant, in the order generated files use.
func Variants() []Variant {
	var vs []Variant
	for _, d := range []DType{F32, F64} {
		for _, r := range []Reset{Soft, Hard} {
			for _, pn := range []bool{false, true} {
				vs = append(vs, Variant{d, r, pn})
			}
		}
	}
	return vs
}

// Step is the AdQuaIFRef step of docs/CONTRACT.md for one variant, made Frame.Steps
// times with the state in registers. Per lane and step, with the constants
// of Const precomputed from the parameters and dt:
//
//	spk = V >= V_th
//	v   = spk ? V - (V_th-V_reset) : V         (soft)   spk ? V - (V-V_reset) : V   (hard)
//	u   = spk ? w + b : w
//	a1, a2 = v - V_rest, v - V_c
//	F   = dt*c/tau * a1*a2 + dt*R/tau * (I - u)  = dt*f(v)
//	z   = dt*c/tau * (a1 + a2)                    = dt*J
//	Vc  = v + exprel(z)*F (+ Delta)
//	Wc  = keep*u + ka*(Vc - V_rest)               = u + dt*exprel(-dt/tau_w)*g
//	refr = t - last < tau_ref
//	V', w' = refr ? (v, u) : (Vc, Wc)
//	spike = V' >= V_th;  last' = spike ? t : last;  ref' = refr || spike
//
// The spike test V >= V_th is the exact sign of the contract's
// heaviside((V - V_th)/(V_th - V_reset)), since V_th > V_reset.
//
// The resets are the contract's V - (V_th - V_reset)*spk and
// V - (V - V_reset)*spk with spk in {0, 1}, as selects. Where spk = 1 the
// product by 1 is exact, so the select's V - (V - V_reset) has the bits of
// the contract's formula for every V: V_reset up to the rounding of
// V - V_reset (coarse for a large V, 0 once V - V_reset rounds to V), and
// NaN for V = +Inf. Where spk = 0 the select keeps V, and the contract's
// product is left out: (V_th - V_reset)*0 is +0 and changes no V, but
// (V - V_reset)*0 is NaN for V = -Inf and -0 for V = -0 with V_reset >= 0,
// so the literal hard reset would turn a V of -Inf that did not spike into
// NaN (BrainPy's arithmetic form does), and -0 into +0. A neuron that did
// not spike is left as it is by either reset: -Inf stays -Inf (and becomes
// NaN in the integration unless refractory), -0 stays -0.
func Step(v Variant) *Program {
	p := &Program{Name: "Step" + v.Name(), DType: v.DType, Reset: v.Reset, PerNeur: v.PerNeur}
	b := newBuilder(p)

	V, W, last := b.Load(SV), b.Load(SW), b.Load(SLast)
	b.Loop(func() { stepOnce(b, v, V, W, last) })
	b.Store(SV, V)
	b.Store(SW, W)
	b.Store(SLast, last)
	return p
}

// stepOnce emits one step inside the Loop: it reads the state registers V,
// W and last and assigns them the state after the step.
func stepOnce(b *builder, v Variant, V, W, last Reg) {
	vth := b.Param(CVTh)
	spk := b.GE(V, vth)
	var vr Reg
	if v.Reset == Soft {
		vr = b.Select(spk, b.Sub(V, b.Param(CVThRst)), V)
	} else {
		vr = b.Select(spk, b.Sub(V, b.Sub(V, b.Param(CVReset))), V)
	}
	u := b.Select(spk, b.Add(W, b.Param(CB)), W)

	in := b.Zero() // a register of its own, so that If can assign it
	b.If(SI, func() { b.set(in, b.Load(SI)) })

	vrest := b.Param(CVRest)
	a1 := b.Sub(vr, vrest)
	a2 := b.Sub(vr, b.Param(CVC))
	dtct := b.Param(CDtCTau)
	F := b.FMA(dtct, b.Mul(a1, a2), b.Mul(b.Param(CDtRTau), b.Sub(in, u)))
	z := b.Mul(dtct, b.Add(a1, a2))
	vc := b.FMA(exprel(b, z), F, vr)
	b.If(SDelta, func() { b.set(vc, b.Add(vc, b.Load(SDelta))) })
	wc := b.FMA(b.Param(CKa), b.Sub(vc, vrest), b.Mul(b.Param(CKeep), u))

	t := b.Time()
	refr := b.LT(b.Sub(t, last), b.Param(CTauRef))
	b.set(V, b.Select(refr, vr, vc))
	b.set(W, b.Select(refr, u, wc))
	sp := b.GE(V, vth)
	b.SelectInto(last, sp, t)
	b.If(SSpike, func() { b.StoreOne(SSpike, sp) })
	b.If(SRef, func() { b.StoreBool(SRef, b.Or(refr, sp)) })
	b.If(SBits, func() { b.StoreBits(SBits, sp) })
}

// Exprel is a helper program, exprel in place over stream V, so that tests
// can check the function over its whole domain in every path.
func Exprel(d DType) *Program {
	p := &Program{Name: "Exprel" + d.String(), DType: d}
	b := newBuilder(p)
	b.Store(SV, exprel(b, b.Load(SV)))
	return p
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
func exprel(b *builder, z Reg) Reg {
	s := exprelSpecs[b.p.DType]
	az := b.Abs(z)
	e := taylor(b, z, s.fastDeg) // its last FMA is a register of its own, for the Rare block to assign
	large := b.GT(az, b.F(s.fast))
	b.Rare(large, func() {
		mid := taylor(b, z, s.midDeg)

		zl := b.Select(b.GT(z, b.F(s.zmax)), b.F(s.zmax), z)
		zc := b.Select(b.LT(zl, b.F(s.zmin)), b.F(s.zmin), zl)
		magic := b.F(s.magicInt)
		k := b.Sub(b.FMA(zc, b.F(math.Log2E), magic), magic)
		r := b.FMA(k, b.F(-s.ln2lo), b.FMA(k, b.F(-s.ln2hi), zc))
		q := taylor(b, r, s.midDeg)

		kc := b.Select(b.GT(k, b.F(s.kcMax)), b.F(s.kcMax), k)
		one := b.F(1)
		c := b.Sub(one, pow2(b, b.Mul(kc, b.F(-1))))
		y := b.Div(b.FMA(r, q, c), zl)
		ka := b.Sub(b.FMA(k, b.F(0.5), magic), magic)
		big := b.Mul(b.Mul(y, pow2(b, ka)), pow2(b, b.Sub(k, ka)))

		slow := b.Select(b.LE(az, b.F(s.mid)), mid, big)
		b.SelectInto(e, large, slow)
	})
	return e
}

// pow2 is 2^k for an integral float k whose power is a normal number: the
// bits of k + magic hold k in their low bits; adding the bias and shifting
// by the mantissa width builds the exponent field.
func pow2(b *builder, k Reg) Reg {
	d := b.p.DType
	s := exprelSpecs[d]
	i := b.Bits(b.Add(k, b.F(s.magicInt)))
	return b.FromBits(b.Shl(b.IAdd(i, b.U(uint64(d.Bias()))), d.MantBits()))
}

// All returns every program the library compiles: the step variants, then
// exprel for each type.
func All() []*Program {
	var ps []*Program
	for _, v := range Variants() {
		ps = append(ps, Step(v))
	}
	ps = append(ps, Exprel(F32), Exprel(F64))
	for _, p := range ps {
		if err := p.Validate(); err != nil {
			panic(fmt.Sprint("step: invalid program: ", err))
		}
	}
	return ps
}
