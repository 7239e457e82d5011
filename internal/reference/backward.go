package reference

import (
	"fmt"
	"math"
	"math/big"
)

// This file is the exact value of the contract's backward step (section "The
// backward step: surrogate gradients"), with the running-error bounds of
// its contract: every gradient within 64·(ε·SX + η·A) of the exact value,
// S the formulas' magnitude sum. Like the forward step it is the contract's
// formulas read literally, in math/big, sharing nothing with the IR.

// BackTol is the backward contract's multiple of ε·SX + η·A.
const BackTol = 64

// Surrogate is BrainPy's ReluGrad(alpha, width): the derivative of the
// spike function is sigma(x) = max(0, alpha*(width - |x|)).
type Surrogate struct{ Alpha, Width float64 }

// BackInput is one neuron's backward step: the forward step's input (the
// state before it, its inputs, time and parameters), the surrogate, and
// the loss's gradients with respect to V', w' and spike' (each 0 when
// absent).
type BackInput struct {
	Input
	Surrogate  Surrogate
	GV, GW, GS float64
}

// Finite reports whether every value Compute reads is finite.
func (in *BackInput) Finite() bool {
	for _, x := range [...]float64{in.GV, in.GW, in.GS} {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return in.Input.Finite()
}

// Grads are the exact gradients with respect to the state before the step
// and the step's inputs.
type Grads struct{ V, W, I, G, Delta Quantity }

// BackExact is the exact backward step of one neuron, for both sides of
// the refractory test.
type BackExact struct {
	Refr, RefrNear bool // as in Exact
	Held, Int      Grads
}

// zero is an exact 0 with no error.
func zero() node { return leaf(0) }

// ExprelDeriv returns exprel'(z) = (e^z (z - 1) + 1)/z^2 (1/2 at z = 0)
// rounded to prec bits, for any finite z: relative error below 2^(12-prec).
//
// Near zero it sums exprel's differentiated series sum_n (n+1) z^n/(n+2)!;
// elsewhere e^z(z - 1) + 1 loses at most 12 bits to cancellation
// (|z| >= 2^-5), which the work precision covers. Beyond 2^21 in magnitude
// it is 1/z^2 to far more than prec bits (z < 0), or clamped like Exprel
// (z > 0, far beyond every float format).
func ExprelDeriv(z *big.Float, prec uint) *big.Float {
	if z.Sign() == 0 {
		return new(big.Float).SetPrec(prec).SetFloat64(0.5)
	}
	wp := prec + 32
	abs := new(big.Float).Abs(z)
	if abs.Cmp(big.NewFloat(expCap)) > 0 {
		if z.Sign() < 0 {
			z2 := new(big.Float).SetPrec(wp).Mul(z, z)
			return new(big.Float).SetPrec(prec).Quo(big.NewFloat(1), z2)
		}
		z = big.NewFloat(expCap)
	}
	if abs.MantExp(nil) <= -5 { // |z| < 2^-5
		sum := new(big.Float).SetPrec(wp).SetFloat64(0.5)
		pow := new(big.Float).SetPrec(wp).SetInt64(1) // z^n/(n+2)!
		pow.Quo(pow, big.NewFloat(2))
		for n := int64(1); ; n++ {
			pow.Mul(pow, z)
			pow.Quo(pow, new(big.Float).SetInt64(n+2))
			term := new(big.Float).SetPrec(wp).Mul(pow, new(big.Float).SetInt64(n+1))
			if term.Sign() == 0 || term.MantExp(nil) < -int(wp)-4 {
				break
			}
			sum.Add(sum, term)
		}
		return new(big.Float).SetPrec(prec).Set(sum)
	}
	e := Exp(z, wp)
	zm1 := new(big.Float).SetPrec(wp).Sub(z, big.NewFloat(1))
	e.Mul(e, zm1)
	e.Add(e, big.NewFloat(1))
	z2 := new(big.Float).SetPrec(wp).Mul(z, z)
	return new(big.Float).SetPrec(prec).Quo(e, z2)
}

// derivNode is exprel'(z) as a node. exprel' = ∫0^1 t e^(zt) dt is
// positive with (ln exprel')' in (0, 1), as for exprel, so z's rounding
// (cancel: z is a sum) is carried the same way (see exprelNode), with the
// backward's 64ε; the kernel's own 4 ulp in the subnormal range are 8η.
func derivNode(z node, f Format) node {
	e := ExprelDeriv(z.x, Prec)
	t := nf().Mul(z.s, nf().SetFloat64(BackTol*f.Eps))
	if t.Cmp(big.NewFloat(expCap)) > 0 {
		t.SetFloat64(expCap)
	}
	grow := Exp(t, 64)
	sx := nf().Mul(z.s, grow)
	sx.Add(sx, nf().SetInt64(1))
	sx.Mul(sx, e)
	a := nf().Mul(e, grow)
	a.Mul(a, z.a)
	a.Add(a, nf().SetInt64(8))
	r := nf().Mul(e, grow)
	r.Mul(r, nf().SetFloat64(1+BackTol*f.Eps))
	return node{e, nf().Set(e), sx, a, r}
}

// abs is |n|: the same bounds.
func (n node) abs() node { return node{nf().Abs(n.x), n.s, n.sx, n.a, n.r} }

// sigma is max(0, alpha*(width - |x|)). Its magnitude sum is that of
// alpha*(width + |x|) whichever side of the kink the exact value lies:
// max(0, .) moves no value by more than its argument moves, so a kernel
// that decides the kink differently within the argument's tolerance is
// within the same tolerance.
func sigma(x node, s Surrogate) node {
	y := prod(leaf(s.Alpha), sum(leaf(s.Width), x.abs().neg()))
	if y.x.Sign() < 0 {
		y.x = nf()
	}
	return y
}

// forward is the forward step of a BackInput as nodes: what the backward
// formulas read, and V', w' of both branches.
type forward struct {
	V, invD, x0      node
	v, u, d1, d2     node
	dt, invTau, R    node
	J, fv, phi, dphi node
	vc, wc, K        node
}

// forwardOf is Compute's step: f = (c(v - V_rest)(v - V_c) - R*u +
// R*(I - G*v))/tau and J = (c((v - V_rest) + (v - V_c)) - R*G)/tau.
func forwardOf(f Format, in *BackInput) *forward {
	p := &in.P
	fw := &forward{V: leaf(in.V)}
	V := fw.V
	fw.invD = exactLeaf(nf().Quo(nf().SetInt64(1), nf().Sub(nf().SetFloat64(p.VTh), nf().SetFloat64(p.VReset))))
	fw.x0 = prod(sum(V, leaf(p.VTh).neg()), fw.invD)
	fw.v, fw.u = V, leaf(in.W)
	if in.V >= p.VTh {
		if in.Hard {
			fw.v = sum(V, V.neg(), leaf(p.VReset))
		} else {
			fw.v = sum(V, leaf(p.VTh).neg(), leaf(p.VReset))
		}
		fw.u = sum(fw.u, leaf(p.B))
	}
	v, u := fw.v, fw.u
	fw.dt = leaf(in.DT)
	fw.invTau = exactLeaf(nf().Quo(nf().SetInt64(1), nf().SetFloat64(p.Tau)))
	invTauW := exactLeaf(nf().Quo(nf().SetInt64(1), nf().SetFloat64(p.TauW)))
	c, G := leaf(p.C), leaf(in.G)
	fw.R = leaf(p.R)
	fw.d1 = sum(v, leaf(p.VRest).neg())
	fw.d2 = sum(v, leaf(p.VC).neg())
	fw.J = sum(prod(c, sum(fw.d1, fw.d2), fw.invTau), prod(fw.R, G, fw.invTau).neg())
	fw.fv = sum(prod(c, fw.d1, fw.d2, fw.invTau), prod(fw.R, u, fw.invTau).neg(), prod(fw.R, leaf(in.I), fw.invTau), prod(fw.R, G, v, fw.invTau).neg())
	z := prod(fw.dt, fw.J)
	fw.phi = exprelNode(z, f, true)
	fw.dphi = derivNode(z, f)
	fw.vc = sum(v, prod(fw.dt, fw.phi, fw.fv), leaf(in.Delta))
	fw.K = prod(fw.dt, exprelNode(prod(fw.dt, invTauW).neg(), f, false), invTauW)
	// Wc = u + K*(a*(Vc - V_rest) - u)
	fw.wc = sum(u, prod(fw.K, leaf(p.A), sum(fw.vc, leaf(p.VRest).neg())), prod(fw.K, u).neg())
	return fw
}

// ComputeBackward evaluates the contract's backward step exactly, literally as
// the contract writes it, on the same inputs as Compute. The inputs must be
// finite and the parameters valid.
func ComputeBackward(f Format, in *BackInput) *BackExact {
	p := &in.P
	fw := forwardOf(f, in)
	ex := &BackExact{}
	one := leaf(1)
	V, invD, v, dt, R, invTau, phi := fw.V, fw.invD, fw.v, fw.dt, fw.R, fw.invTau, fw.phi
	s0 := sigma(fw.x0, in.Surrogate)
	gV, gW, gS := leaf(in.GV), leaf(in.GW), leaf(in.GS)

	// back carries (hv, hu) through the reset to (dV, dw).
	back := func(hv, hu, gI, gG, gD node) Grads {
		var dV node
		jump := prod(hu, leaf(p.B), s0, invD)
		if in.Hard {
			dV = sum(prod(hv, sum(one, prod(sum(V, leaf(p.VReset).neg()), s0, invD).neg())), jump)
		} else {
			dV = sum(prod(hv, sum(one, s0.neg())), jump)
		}
		return Grads{dV.quantity(), hu.quantity(), gI.quantity(), gG.quantity(), gD.quantity()}
	}
	// hV = gV + gS*sigma(x1)/d, x1 = (V' - V_th)/d
	hVof := func(Vout node) node {
		x1 := prod(sum(Vout, leaf(p.VTh).neg()), invD)
		return sum(gV, prod(gS, sigma(x1, in.Surrogate), invD))
	}

	ex.Held = back(hVof(v), gW, zero(), zero(), zero())

	hVc := sum(hVof(fw.vc), prod(gW, fw.K, leaf(p.A)))
	hu := sum(prod(gW, sum(one, fw.K.neg())), prod(hVc, dt, phi, R, invTau).neg())
	hv := prod(hVc, sum(one, prod(dt, phi, fw.J), prod(dt, dt, fw.dphi, leaf(2), leaf(p.C), invTau, fw.fv)))
	gI := prod(hVc, dt, phi, R, invTau)
	gG := prod(hVc, dt, R, invTau, sum(prod(phi, v), prod(dt, fw.dphi, fw.fv))).neg()
	ex.Int = back(hv, hu, gI, gG, hVc)

	diff := nf().Sub(nf().SetFloat64(in.T), nf().SetFloat64(in.Last))
	tr := nf().SetFloat64(p.TauRef)
	ex.Refr = diff.Cmp(tr) < 0
	gap := nf().Sub(diff, tr)
	room := nf().Mul(nf().Abs(diff), nf().SetFloat64(f.Eps))
	ex.RefrNear = gap.Abs(gap).Cmp(room) <= 0
	return ex
}

// BackOutput is a kernel's backward result for one neuron: dL/dV, dL/dw
// before the step and dL/dI, dL/dG, dL/dDelta (each ignored unless its Has
// flag is set).
type BackOutput struct {
	V, W, I, G, Delta    float64
	HasI, HasG, HasDelta bool
}

// BackTolOf is the backward contract's tolerance for q: 64·(ε·SX + η·A).
func BackTolOf(f Format, q *Quantity) *big.Float {
	t := Tol(f, q)
	return t.Mul(t, nf().SetInt64(BackTol/16))
}

func checkBack(f Format, name string, got float64, q *Quantity) error {
	if math.IsNaN(got) || math.IsInf(got, 0) {
		if overflowRisk(f, q) {
			return nil
		}
		return fmt.Errorf("%s = %v, exact %s, and no intermediate can overflow (R = %.4g)", name, got, q.X.Text('g', 20), bf(q.R))
	}
	diff := nf().Sub(nf().SetFloat64(got), q.X)
	diff.Abs(diff)
	if tol := BackTolOf(f, q); diff.Cmp(tol) > 0 {
		return fmt.Errorf("%s = %v, exact %s: error %.4g > tolerance %.4g (%.3g ε·SX; SX = %.4g, A = %.4g)",
			name, got, q.X.Text('g', 20), bf(diff), bf(tol), Units(f, got, q, true), bf(q.SX), bf(q.A))
	}
	return nil
}

// check holds out to one side of the refractory test.
func (g *Grads) check(f Format, out *BackOutput) error {
	if err := checkBack(f, "dV", out.V, &g.V); err != nil {
		return err
	}
	if err := checkBack(f, "dw", out.W, &g.W); err != nil {
		return err
	}
	for _, c := range [...]struct {
		name string
		has  bool
		got  float64
		q    *Quantity
	}{{"dI", out.HasI, out.I, &g.I}, {"dG", out.HasG, out.G, &g.G}, {"dDelta", out.HasDelta, out.Delta, &g.Delta}} {
		if !c.has {
			continue
		}
		if err := checkBack(f, c.name, c.got, c.q); err != nil {
			return err
		}
	}
	return nil
}

// Check applies the backward contract to a kernel's result: every
// gradient within 64·(ε·SX + η·A) of the exact value of the refractory
// branch taken (either, where t - last is within rounding of tau_ref), and
// non-finite only where an intermediate may overflow.
func (ex *BackExact) Check(f Format, in *BackInput, out *BackOutput) error {
	branch := map[bool]*Grads{true: &ex.Held, false: &ex.Int}
	err := branch[ex.Refr].check(f, out)
	if err != nil && ex.RefrNear && branch[!ex.Refr].check(f, out) == nil {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s %+v: refr %v (near %v): %w", f.Name, *in, ex.Refr, ex.RefrNear, err)
	}
	return nil
}

// Taken is the branch out matches best, as Exact.Taken.
func (ex *BackExact) Taken(f Format, out *BackOutput) *Grads {
	if ex.RefrNear && map[bool]*Grads{true: &ex.Held, false: &ex.Int}[ex.Refr].check(f, out) != nil {
		if ex.Refr {
			return &ex.Int
		}
		return &ex.Held
	}
	if ex.Refr {
		return &ex.Held
	}
	return &ex.Int
}

// CheckBackward is [BackExact.Check] of the exact backward step; nil when
// the input is not finite.
func CheckBackward(f Format, in *BackInput, out *BackOutput) error {
	if !in.Finite() {
		return nil
	}
	return ComputeBackward(f, in).Check(f, in, out)
}
