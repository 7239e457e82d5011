package step

import (
	"math"
	"math/big"
)

// The streams of BackwardFrame past AdQuaIFFrame's: the gradients.
const (
	SGV     Stream = numStreams + iota // dL/dV' in, dL/dV out
	SGW                                // dL/dw' in, dL/dw out
	SGSpike                            // dL/dspike', optional input
	SGI                                // dL/dI, optional output
	SGG                                // dL/dG, optional output
	SGDelta                            // dL/dDelta, optional output
)

// The constants of BackwardFrame past AdQuaIFFrame's: the surrogate's and
// two more forms of the step's.
const (
	CInvD    Const = numConsts + iota // 1/(V_th - V_reset)
	CNegInvD                          // -1/(V_th - V_reset)
	CAlpha                            // the surrogate's alpha
	CWidth                            // the surrogate's width
	CDtCTau2                          // 2*dt*c/tau
)

// BackwardFrame is the frame of the backward programs (generic.Backward32
// and Backward64): AdQuaIFFrame's streams, read as the state before the
// step and its inputs (the outputs unused), then the gradients; its
// constants, then the backward step's.
var BackwardFrame = &Frame{
	Type:   "Backward",
	Prefix: "Backward",
	Streams: append(AdQuaIFFrame.Streams[:numStreams:numStreams],
		StreamSpec{Name: "GV", Elem: ElemFloat, Dir: State, Doc: "dL/dV' after the step, dL/dV before it"},
		StreamSpec{Name: "GW", Elem: ElemFloat, Dir: State, Doc: "dL/dw' after the step, dL/dw before it"},
		StreamSpec{Name: "GSpike", Elem: ElemFloat, Dir: Input, Optional: true, Doc: "dL/dspike'"},
		StreamSpec{Name: "GI", Elem: ElemFloat, Dir: Output, Optional: true, Doc: "dL/dI"},
		StreamSpec{Name: "GG", Elem: ElemFloat, Dir: Output, Optional: true, Doc: "dL/dG"},
		StreamSpec{Name: "GDelta", Elem: ElemFloat, Dir: Output, Optional: true, Doc: "dL/dDelta"}),
	Consts: append(AdQuaIFFrame.Consts[:numConsts:numConsts],
		ConstSpec{Name: "InvD", Doc: "1/(V_th - V_reset)"},
		ConstSpec{Name: "NegInvD", Doc: "-1/(V_th - V_reset)"},
		ConstSpec{Name: "Alpha", Doc: "the surrogate's alpha"},
		ConstSpec{Name: "Width", Doc: "the surrogate's width"},
		ConstSpec{Name: "DtCTau2", Doc: "2*dt*c/tau"}),
}

// Backward is the backward step of Step(v), docs/CONTRACT.md's "The backward step:
// surrogate gradients": the vector-Jacobian product of one step. It reads
// the state before the step (V, W, Last) and the step's inputs (I, G,
// Delta), recomputes the step's forward ops (forwardOps: the same ops, so
// V' has Step's bits), and carries the gradients GV, GW (dL/dV', dL/dw')
// and GSpike back to dL/dV, dL/dw (in place) and GI, GG, GDelta. It is a
// Loop program so that the step's time reaches the refractory test; the
// kernel runs it for one step per call. Per lane, with
// sd(y) = max(0, alpha*(width - |y - V_th|*invD)) (the surrogate sigma
// of the spike function's argument (y - V_th)*invD, invD > 0; a NaN stays
// NaN):
//
//	hV  = gV + gS*sd(V')*invD                  gV itself without GSpike
//	hVc = hV + gW*ka                           ka = K*a, K = dt*exprel(-dt/tau_w)/tau_w
//	gI  = hVc*(phi*dt*R/tau)                   phi = exprel(z), z = dt*J
//	hu  = gW*keep - gI                         keep = 1 - K
//	q   = exprel'(z)*F                         F = dt*f(v)
//	hv  = hVc*(phi*z + (q*(2*dt*c/tau) + 1))
//	gG  = -(hVc*dt*R/tau)*(phi*v + q)
//	refractory: hv, hu, gI, gG, gDelta = hV, gW, 0, 0, 0;  else gDelta = hVc
//	dV  = hv*(1 - s0) + hu*b*s0*invD           s0 = sd(V)   (soft)
//	dV  = hv*((V_reset - V)*s0*invD + 1) + hu*b*s0*invD  (hard)
//	dw  = hu
func Backward(v Variant) *Program {
	b := newBuilder(&Program{Frame: BackwardFrame, Func: "Backward", Tag: v.Name(), DType: v.DType, Reset: v.Reset, PerNeur: v.PerNeur})
	V, W, last := b.name("V", b.Load(SV)), b.name("W", b.Load(SW)), b.name("Last", b.Load(SLast))
	gV, gW := b.name("gV", b.Load(SGV)), b.name("gW", b.Load(SGW))
	b.Loop(func() { backwardOnce(b, v, V, W, last, gV, gW) })
	b.Store(SGV, gV)
	b.Store(SGW, gW)
	return b.p
}

// backwardOnce emits the backward step inside the Loop: it reads the
// state registers V, W, last and the gradients gV, gW and assigns the
// gradients before the step to gV, gW.
func backwardOnce(b *builder, v Variant, V, W, last, gV, gW Reg) {
	fw := forwardOps(b, v, V, W, false)
	dphi := b.name("dphi", exprelDeriv(b, fw.z, fw.large))
	t := b.Time()
	refr := b.name("refr", b.LT(b.Sub(t, last), b.Param(CTauRef)))

	one, zero := b.F(1), b.F(0)
	// sigma is sd(y): the FMA rounds width - |y - V_th|*invD once.
	sigma := func(y Reg) Reg {
		s := b.Mul(b.Param(CAlpha), b.FMA(b.Abs(b.Sub(y, fw.vth)), b.Param(CNegInvD), b.Param(CWidth)))
		return b.Select(b.LT(s, zero), zero, s)
	}
	// The surrogate of V, for the reset's derivative, comes before the If
	// below: the NEON lowering reads a per-neuron constant's row at its
	// first use, which must not be in a block that may be skipped.
	s0 := sigma(V)
	invD := b.Param(CInvD)
	s0d := b.Mul(s0, invD)
	// hV takes gV's register: without GSpike it is gV, and the surrogate
	// of V' is not computed.
	b.If(SGSpike, func() {
		vout := b.Select(refr, fw.vr, fw.vc)
		b.set(gV, b.FMA(b.Mul(b.Load(SGSpike), sigma(vout)), invD, gV))
	})
	hV := gV

	dtrt := b.Param(CDtRTau)
	hVc := b.name("hVc", b.FMA(gW, b.Param(CKa), hV))
	gI := b.name("gI", b.Select(refr, zero, b.Mul(hVc, b.Mul(fw.phi, dtrt))))
	// dw = hu = gW*keep - gI, written to gW: where refractory keep is 1
	// and gI +0, which leave gW as it is.
	b.set(gW, b.Sub(b.Mul(gW, b.Select(refr, one, b.Param(CKeep))), gI))
	q := b.name("q", b.Mul(dphi, fw.F))
	hv := b.name("hv", b.Select(refr, hV, b.Mul(hVc, b.FMA(fw.phi, fw.z, b.FMA(q, b.Param(CDtCTau2), one)))))
	// gG is computed only when it is stored, yet before the first store,
	// as every FMA of the step is: that lets the generic path's float32
	// FMAs take their fast path and redo a neuron exactly before anything
	// is written.
	gG := b.Zero()
	b.If(SGG, func() {
		b.set(gG, b.Select(refr, zero, b.Mul(b.Mul(b.Mul(hVc, dtrt), b.F(-1)), b.FMA(fw.phi, fw.vr, q))))
	})

	// Through the reset: v and u depend on V by the spike function, whose
	// derivative is sigma(x0)/d; hard reset stops the gradient of the V in
	// (V - V_reset)*spk.
	jump := b.Mul(b.Mul(gW, b.Param(CB)), s0d)
	var keep Reg
	if v.Reset == Soft {
		keep = b.Sub(one, s0)
	} else {
		keep = b.FMA(b.Sub(b.Param(CVReset), V), s0d, one)
	}
	b.set(gV, b.FMA(hv, keep, jump))

	b.If(SGI, func() { b.Store(SGI, gI) })
	b.If(SGG, func() { b.Store(SGG, gG) })
	b.If(SGDelta, func() { b.Store(SGDelta, b.Select(refr, zero, hVc)) })
}

// ExprelDeriv is a helper program, exprel' in place over stream V, so that
// tests can check the function over its whole domain in every path.
func ExprelDeriv(d DType) *Program {
	b := newBuilder(&Program{Frame: AdQuaIFFrame, Func: "ExprelDeriv", Tag: d.String(), DType: d})
	z := b.Load(SV)
	b.Store(SV, exprelDeriv(b, z, beyondFast(b, b.Abs(z))))
	return b.p
}

// derivSpec holds the per-type polynomial degrees of exprel'; the thresholds
// and the reduction are exprel's (exprelSpec).
type derivSpec struct {
	fastDeg int     // P1 on |z| <= fast
	posDeg  int     // P1 on fast < z <= 1
	negMin  float64 // E*P2 on negMin <= z < -fast; below, the direct form
	negDeg  int     // P2's degree
}

// The degrees put the first omitted term below 0.05 ulp of the value at
// the interval's end.
var derivSpecs = [...]derivSpec{
	F32: {fastDeg: 5, posDeg: 10, negMin: -3, negDeg: 16},
	F64: {fastDeg: 9, posDeg: 18, negMin: -3, negDeg: 26},
}

// series evaluates sum_{n=0..deg} sign^n * coef(n) * x^n by Horner's rule,
// each coefficient rounded once from its exact rational value.
func series(b *builder, x Reg, deg int, sign int64, coef func(n int64) *big.Rat) Reg {
	c := func(n int) Reg {
		r := coef(int64(n))
		if sign < 0 && n%2 == 1 {
			r.Neg(r)
		}
		f, _ := r.Float64()
		return b.F(f)
	}
	acc := c(deg)
	for n := deg - 1; n >= 0; n-- {
		acc = b.FMA(acc, x, c(n))
	}
	return acc
}

// factorial is n! as a big integer.
func factorial(n int64) *big.Int { return new(big.Int).MulRange(1, max(n, 1)) }

// p1 is the Taylor coefficient of exprel', (n+1)/(n+2)!; p2 is 1/(n+2)!.
func p1(n int64) *big.Rat { return new(big.Rat).SetFrac(big.NewInt(n+1), factorial(n+2)) }
func p2(n int64) *big.Rat { return new(big.Rat).SetFrac(big.NewInt(1), factorial(n+2)) }

// exprelDeriv computes exprel'(z) = (e^z (z - 1) + 1)/z^2 (1/2 at 0) =
// ∫0^1 t e^(zt) dt, within 4 ulp everywhere, from exprel's ops:
//
//   - |z| <= fast: P1(z) = sum (n+1) z^n/(n+2)!, exprel's series
//     differentiated, short (the case real simulations see);
//   - otherwise, in a Rare block: the long P1 for fast < z <= 1 (positive
//     terms); for negMin <= z < -fast, e^z*P2(-z) with P2(w) =
//     sum w^n/(n+2)! (the identity exprel'(z) = e^z (exprel(-z) -
//     exprel'(-z)): positive terms again, where the direct form cancels);
//     elsewhere the direct form with exprel's reduction z = k ln2 + r,
//     e^r = r*q(r) + 1: exprel'(z) = 2^k (e^r (z - 1) + 2^-k)/z/z, which
//     cancels by at most a factor 1.5 there; below zmin, 1/z/z.
//     z is clamped to [zmin, zmax] for the reduction, 2^k applied in two
//     factors, and 2^-k capped at 2^-kcMax (below an ulp of the sum).
//
// large is the mask of the lanes past the short polynomial, |z| > fast
// (beyondFast; exprel computes it too).
func exprelDeriv(b *builder, z, large Reg) Reg {
	s := exprelSpecs[b.p.DType]
	ds := derivSpecs[b.p.DType]
	e := series(b, z, ds.fastDeg, 1, p1)
	b.Rare(large, func() {
		one := b.F(1)
		pos := series(b, z, ds.posDeg, 1, p1)

		zl := b.Select(b.GT(z, b.F(s.zmax)), b.F(s.zmax), z)
		zc := b.Select(b.LT(zl, b.F(s.zmin)), b.F(s.zmin), zl)
		magic := b.F(s.magicInt)
		k := b.Sub(b.FMA(zc, b.F(math.Log2E), magic), magic)
		r := b.FMA(k, b.F(-s.ln2lo), b.FMA(k, b.F(-s.ln2hi), zc))
		er := b.FMA(r, taylor(b, r, s.midDeg), one) // e^r

		neg := b.Mul(b.Mul(er, pow2(b, k)), series(b, z, ds.negDeg, -1, p2))

		kc := b.Select(b.GT(k, b.F(s.kcMax)), b.F(s.kcMax), k)
		num := b.FMA(er, b.Sub(zl, one), pow2(b, b.Mul(kc, b.F(-1))))
		y := b.Div(b.Div(num, zl), zl)
		ka := b.Sub(b.FMA(k, b.F(0.5), magic), magic)
		direct := b.Mul(b.Mul(y, pow2(b, ka)), pow2(b, b.Sub(k, ka)))
		tiny := b.Div(b.Div(one, z), z)

		up := b.Select(b.GT(z, one), direct, pos)
		down := b.Select(b.GE(z, b.F(ds.negMin)), neg, direct)
		slow := b.Select(b.LT(z, b.F(0)), down, up)
		slow = b.Select(b.LT(z, b.F(s.zmin)), tiny, slow)
		b.SelectInto(e, large, slow)
	})
	return e
}
