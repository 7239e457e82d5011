// Package reference is the exact real-number value of one step of the
// AdQuaIFRef of docs/CONTRACT.md, for tests: it evaluates its formulas literally on the same
// floating-point inputs in math/big, with the running-error bounds that the
// accuracy contract is stated in, and [Check] applies the contract to a
// kernel's result.
//
// It is written from docs/CONTRACT.md alone. It shares no code with the step program
// (asm/step), the generated Go (package generic) or package kernel: no
// precomputed constants, no exprel polynomial, no float arithmetic in the
// values it returns.
//
// # Exactness
//
// Values are computed at [Prec] bits. Sums and products of the float inputs
// are exact or rounded at 2^-Prec relative to the running-error sum S of the
// same formula, and exprel is correct to about Prec-10 bits (see [Exprel]);
// the "exact" value therefore differs from the true real number by less than
// 2^-200·S, far below the 2^-53·S that the contract resolves.
//
// # The bound
//
// The contract's bound is |V' - exact| <= 16·ε·S_V, where S_V is the formula
// evaluated exactly with every value replaced by its magnitude and every
// subtraction by an addition (likewise S_W for w'). That is the classic
// running-error bound of an evaluation in which every operation has a
// relative error of at most a few ε. Two facts of floating point lie outside
// that model, and [Check] accounts for them explicitly:
//
//  1. exprel's argument z = dt·J is itself rounded, with an absolute error up
//     to a few ε·z_S (z_S its own magnitude sum: J is a sum, so cancellation
//     may make |z| much smaller than z_S). exprel amplifies it: because
//     0 < (ln exprel)'(z) < 1 for every z, |exprel(z+δ) - exprel(z)| <=
//     |δ|·exprel(z)·e^|δ|. So even a correctly rounded exprel of the computed
//     z is off by up to ε·z_S relative, which exceeds any fixed multiple of
//     ε once z_S is large (|dt·J| of tens in float32). No float code that
//     rounds z can meet the literal bound there. The extended bound SX
//     replaces exprel(z) in the magnitude sum by exprel(z)·(1 + z_S·e^(16ε·z_S)),
//     the standard way to carry an argument's rounding through a function
//     (its derivative bound). For w, the argument -dt/tau_w is a pure
//     quotient (relative error ε, no cancellation) and 0 < z·(ln exprel)' < 1
//     for z < 0, so there the literal term stands.
//  2. Gradual underflow: a product or quotient that rounds into the
//     subnormal range has an absolute error of up to η (half the smallest
//     subnormal), not a relative one. Every quantity carries A, a bound on
//     how far such an η can be amplified, taken over every association of
//     the products (the kernel precomputes dt·c/tau, for instance), and the
//     tolerance is 16·(ε·SX + η·A). A is negligible unless some factor is
//     subnormal-sized while another is huge.
//
// Overflow: the error analysis assumes that no intermediate overflows. Each
// quantity carries R, a bound on the magnitude of every intermediate in any
// association. Where R exceeds half the largest float, an intermediate may
// overflow (v - V_rest itself may not be representable, so every float
// evaluation of the contract's formula is exposed), and [Check] accepts a non-finite
// result; in particular exprel overflows the float range there, so Inf·0 =
// NaN is possible (exprel(z) = +Inf with f(v) = 0 exactly gives V' = NaN,
// while the exact V' is v). R is taken over every association because the
// kernel does not evaluate the contract's products in its order: it multiplies
// the precomputed dt·c/tau by (v - V_rest)·(v - V_c), which overflows (in
// float32 once that product passes 3.4e38, e.g. V_rest = 1e30, V_c = -1e30,
// c = 1e-35) where c·(v - V_rest)·(v - V_c) evaluated left to right would
// not. A finite result is always held to the bound, and an
// exact value beyond the float range with R small cannot occur (R >= S >=
// |exact|). Non-finite state or input (V, w, last, I, G, Delta, t) propagates
// by IEEE rules and is not compared with an exact value.
//
// The conductance G enters as the contract writes it: the current R*(I - G*v) in f,
// so S_V gains dt·exprel·|R|·|G|·|v|/tau, and the Jacobian's -R*G/tau in z,
// so z_S (and with it exprel's argument term) gains dt·|R|·|G|/tau.
package reference

import (
	"fmt"
	"math"
	"math/big"
)

// Prec is the precision, in bits, of every exact value.
const Prec = 256

// Format is the floating-point type that a kernel computes in.
type Format struct {
	Name   string
	Eps    float64 // unit roundoff: 2^-24 or 2^-53
	EtaExp int     // η = 2^EtaExp, half the smallest subnormal
	Max    float64 // largest finite value
}

var (
	Float32 = Format{Name: "float32", Eps: 0x1p-24, EtaExp: -150, Max: math.MaxFloat32}
	Float64 = Format{Name: "float64", Eps: 0x1p-53, EtaExp: -1075, Max: math.MaxFloat64}
)

// Params are the contract's 11 parameters, as float64 (float32 values convert
// exactly).
type Params struct {
	R, Tau, TauW, TauRef, VTh, VReset, VRest, VC, C, A, B float64
}

// Input is one neuron's step: state, inputs, time, step and parameters.
// I, G and Delta are 0 when the buffer is absent (the contract: I and G are zero
// when absent, and adding no delta is adding 0 exactly). G is the input
// conductance: the input current is I - G*v.
type Input struct {
	V, W, Last, I, G, Delta, T, DT float64
	Hard                           bool
	P                              Params
}

// Quantity is an exact value with its bounds.
type Quantity struct {
	X  *big.Float // the exact value
	S  *big.Float // the contract's magnitude sum (the literal bound's S)
	SX *big.Float // S with exprel's argument rounding carried (see package doc)
	A  *big.Float // amplification of an underflow η
	R  *big.Float // bound on every intermediate's magnitude
}

// Branch is V' and w' of one side of the refractory test.
type Branch struct{ V, W Quantity }

// Exact is the exact step of one neuron.
type Exact struct {
	Spk      bool   // the reset decision from the incoming V
	Refr     bool   // (t - last) < tau_ref, exactly
	RefrNear bool   // t - last within its own rounding of tau_ref: either branch is correct
	Held     Branch // refractory: (v, u)
	Int      Branch // integrated: (Vc, Wc)
}

// node is a quantity under construction.
type node struct{ x, s, sx, a, r *big.Float }

func nf() *big.Float { return new(big.Float).SetPrec(Prec) }

func leaf(x float64) node {
	v := nf().SetFloat64(x)
	m := nf().Abs(v)
	return node{v, m, m, nf(), m}
}

// exactLeaf is a leaf whose value is an exact real (a reciprocal here).
func exactLeaf(v *big.Float) node {
	m := nf().Abs(v)
	return node{v, m, m, nf(), m}
}

// neg is -n; magnitudes are unchanged.
func (n node) neg() node { return node{nf().Neg(n.x), n.s, n.sx, n.a, n.r} }

// sum adds nodes: S, SX and A add; every partial sum of computed values is
// bounded by the sum of their bounds R.
func sum(ns ...node) node {
	out := node{nf(), nf(), nf(), nf(), nf()}
	for _, n := range ns {
		out.x.Add(out.x, n.x)
		out.s.Add(out.s, n.s)
		out.sx.Add(out.sx, n.sx)
		out.a.Add(out.a, n.a)
		out.r.Add(out.r, n.r)
	}
	return out
}

// prod multiplies nodes. S and SX multiply. Whatever the association, each
// rounding of a partial product (an η if it underflows) is multiplied by a
// subset of the other factors, and each factor's own η-error by all of them,
// so A = prod(1 + R_i + A_i) bounds the sum; every partial product is below
// prod max(1, R_i).
func prod(ns ...node) node {
	one := nf().SetInt64(1)
	out := node{nf().SetInt64(1), nf().SetInt64(1), nf().SetInt64(1), nf().SetInt64(1), nf().SetInt64(1)}
	for _, n := range ns {
		out.x.Mul(out.x, n.x)
		out.s.Mul(out.s, n.s)
		out.sx.Mul(out.sx, n.sx)
		t := nf().Add(one, n.r)
		out.a.Mul(out.a, t.Add(t, n.a))
		if n.r.Cmp(one) > 0 {
			out.r.Mul(out.r, n.r)
		}
	}
	return out
}

// exprelNode is exprel of z. Its S is the exact value (exprel > 0). When z
// is a sum (cancel), SX carries z's rounding, up to 16ε·z_S absolute, through
// exprel: (ln exprel)' lies in (0, 1), so the change is at most
// 16ε·z_S·exprel(z)·e^(16ε·z_S); SX = exprel·(1 + z_S·e^(16ε·z_S)). The η-part
// of z's error moves exprel by at most η·A_z·exprel·e^(...), and exprel's own
// 2 ulp in the subnormal range are 4η. R allows for the same factor.
func exprelNode(z node, f Format, cancel bool) node {
	e := Exprel(z.x, Prec)
	grow := nf().SetInt64(1)
	if cancel {
		t := nf().Mul(z.s, nf().SetFloat64(16*f.Eps))
		if t.Cmp(big.NewFloat(expCap)) > 0 {
			t.SetFloat64(expCap)
		}
		grow = Exp(t, 64)
	}
	sx := nf().Mul(z.s, grow)
	sx.Add(sx, nf().SetInt64(1))
	if !cancel {
		sx.SetInt64(1)
	}
	sx.Mul(sx, e)
	a := nf().Mul(e, grow)
	a.Mul(a, z.a)
	a.Add(a, nf().SetInt64(4))
	r := nf().Mul(e, grow)
	r.Mul(r, nf().SetFloat64(1+16*f.Eps))
	return node{e, nf().Set(e), sx, a, r}
}

func (n node) quantity() Quantity { return Quantity{n.x, n.s, n.sx, n.a, n.r} }

// Finite reports whether the state, inputs and time are finite; only then
// does Compute apply (parameters and dt are finite once the kernel accepts
// them).
func (in *Input) Finite() bool {
	for _, x := range [...]float64{in.V, in.W, in.Last, in.I, in.G, in.Delta, in.T} {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

// Compute evaluates the contract's step exactly, literally as the contract writes it. The
// inputs must be finite and the parameters valid (tau, tau_w, dt > 0,
// V_th > V_reset).
func Compute(f Format, in *Input) *Exact {
	p := &in.P
	ex := &Exact{}
	// spk = heaviside((V - V_th)/(V_th - V_reset)): the divisor is > 0, so
	// the sign is that of V - V_th, exactly the float comparison.
	ex.Spk = in.V >= p.VTh
	V := leaf(in.V)
	v, u := V, leaf(in.W)
	if ex.Spk {
		if in.Hard { // v = V - (V - V_reset)
			v = sum(V, V.neg(), leaf(p.VReset))
		} else { // v = V - (V_th - V_reset)
			v = sum(V, leaf(p.VTh).neg(), leaf(p.VReset))
		}
		u = sum(u, leaf(p.B))
	}
	dt := leaf(in.DT)
	invTau := exactLeaf(nf().Quo(nf().SetInt64(1), nf().SetFloat64(p.Tau)))
	invTauW := exactLeaf(nf().Quo(nf().SetInt64(1), nf().SetFloat64(p.TauW)))
	c, R := leaf(p.C), leaf(p.R)
	d1 := sum(v, leaf(p.VRest).neg()) // v - V_rest
	d2 := sum(v, leaf(p.VC).neg())    // v - V_c
	G := leaf(in.G)
	// z = dt*J, J = (c*((v - V_rest) + (v - V_c)) - R*G)/tau
	z := sum(prod(dt, c, sum(d1, d2), invTau), prod(dt, R, G, invTau).neg())
	E := exprelNode(z, f, true)
	// Vc = v + dt*exprel(z)*(c*(v-V_rest)*(v-V_c) - R*u + R*(I - G*v))/tau + D
	vc := sum(v,
		prod(dt, E, c, d1, d2, invTau),
		prod(dt, E, R, u, invTau).neg(),
		prod(dt, E, R, leaf(in.I), invTau),
		prod(dt, E, R, G, v, invTau).neg(),
		leaf(in.Delta))
	// Wc = u + dt*exprel(-dt/tau_w)*(a*(Vc - V_rest) - u)/tau_w
	Ew := exprelNode(prod(dt, invTauW).neg(), f, false)
	wc := sum(u,
		prod(dt, Ew, leaf(p.A), sum(vc, leaf(p.VRest).neg()), invTauW),
		prod(dt, Ew, u, invTauW).neg())
	ex.Int = Branch{vc.quantity(), wc.quantity()}
	ex.Held = Branch{v.quantity(), u.quantity()}

	// refr = (t - last) < tau_ref, exactly; the float difference is off by
	// at most ε|t - last| (exact when subnormal; +Inf beyond the range,
	// which compares as the exact value does).
	diff := nf().Sub(nf().SetFloat64(in.T), nf().SetFloat64(in.Last))
	tr := nf().SetFloat64(p.TauRef)
	ex.Refr = diff.Cmp(tr) < 0
	gap := nf().Sub(diff, tr)
	room := nf().Mul(nf().Abs(diff), nf().SetFloat64(f.Eps))
	ex.RefrNear = gap.Abs(gap).Cmp(room) <= 0
	return ex
}

// Output is a kernel's result for one neuron.
type Output struct {
	V, W, Last float64
	Spike      float64 // 1 or 0; ignored unless HasSpike
	Ref        bool    // ignored unless HasRef
	HasSpike   bool
	HasRef     bool
}

// Tol is the contract's tolerance for q: 16·(ε·SX + η·A).
func Tol(f Format, q *Quantity) *big.Float {
	t := nf().Mul(q.SX, nf().SetFloat64(f.Eps))
	eta := nf().SetMantExp(nf().SetInt64(1), f.EtaExp)
	t.Add(t, eta.Mul(eta, q.A))
	return t.Mul(t, nf().SetInt64(16))
}

// overflowRisk reports whether an intermediate of q may overflow.
func overflowRisk(f Format, q *Quantity) bool {
	return q.R.Cmp(nf().SetFloat64(f.Max/2)) > 0
}

// checkValue applies the contract to one value.
func checkValue(f Format, name string, got float64, q *Quantity) error {
	if math.IsNaN(got) || math.IsInf(got, 0) {
		if overflowRisk(f, q) {
			return nil
		}
		return fmt.Errorf("%s = %v, exact %s, and no intermediate can overflow (R = %.4g)", name, got, q.X.Text('g', 20), bf(q.R))
	}
	diff := nf().Sub(nf().SetFloat64(got), q.X)
	diff.Abs(diff)
	if tol := Tol(f, q); diff.Cmp(tol) > 0 {
		return fmt.Errorf("%s = %v, exact %s: error %.4g > tolerance %.4g (%.3g ε·S, %.3g ε·SX; S = %.4g, SX = %.4g, A = %.4g)",
			name, got, q.X.Text('g', 20), bf(diff), bf(tol), Units(f, got, q, false), Units(f, got, q, true), bf(q.S), bf(q.SX), bf(q.A))
	}
	return nil
}

func bf(x *big.Float) float64 { v, _ := x.Float64(); return v }

// Units is |got - exact| in units of ε·S + η·A (with SX when extended):
// the contract allows 16. It is +Inf for a non-finite got and 0 when got is
// exact.
func Units(f Format, got float64, q *Quantity, extended bool) float64 {
	if math.IsNaN(got) || math.IsInf(got, 0) {
		return math.Inf(1)
	}
	diff := nf().Sub(nf().SetFloat64(got), q.X)
	if diff.Sign() == 0 {
		return 0
	}
	s := q.S
	if extended {
		s = q.SX
	}
	den := nf().Mul(s, nf().SetFloat64(f.Eps))
	eta := nf().SetMantExp(nf().SetInt64(1), f.EtaExp)
	den.Add(den, eta.Mul(eta, q.A))
	if den.Sign() == 0 {
		return math.Inf(1)
	}
	return bf(diff.Quo(diff.Abs(diff), den))
}

// checkBranch checks out against one side of the refractory test.
func checkBranch(f Format, in *Input, b *Branch, refr bool, out *Output) error {
	if err := checkValue(f, "V'", out.V, &b.V); err != nil {
		return err
	}
	if err := checkValue(f, "w'", out.W, &b.W); err != nil {
		return err
	}
	// spike' is V' >= V_th of the returned V'; it may differ from the
	// exact decision only within the tolerance of V_th.
	spike := out.V >= in.P.VTh
	if !math.IsNaN(out.V) && !math.IsInf(out.V, 0) {
		exact := b.V.X.Cmp(nf().SetFloat64(in.P.VTh)) >= 0
		if spike != exact {
			gap := nf().Sub(b.V.X, nf().SetFloat64(in.P.VTh))
			if gap.Abs(gap).Cmp(Tol(f, &b.V)) > 0 {
				return fmt.Errorf("spike decision %v, exact %v, and exact V' = %s is not within tolerance of V_th", spike, exact, b.V.X.Text('g', 20))
			}
		}
	}
	if out.HasSpike && out.Spike != map[bool]float64{false: 0, true: 1}[spike] {
		return fmt.Errorf("spike' = %v for V' = %v, V_th = %v", out.Spike, out.V, in.P.VTh)
	}
	wantLast := in.Last
	if spike {
		wantLast = in.T
	}
	if out.Last != wantLast {
		return fmt.Errorf("last' = %v, want %v (spike %v)", out.Last, wantLast, spike)
	}
	if out.HasRef && out.Ref != (refr || spike) {
		return fmt.Errorf("refractory' = %v, want %v (refr %v, spike %v)", out.Ref, refr || spike, refr, spike)
	}
	return nil
}

// Check applies the accuracy contract to a kernel's result for one
// neuron: V' and w' within 16·(ε·SX + η·A) of the exact values of the
// refractory branch taken (either branch where t - last is within rounding
// of tau_ref), non-finite only where an intermediate may overflow, spike'
// and last' from the returned V' and differing from the exact decision only
// within tolerance of V_th, refractory' = refr OR spike'. It returns nil
// when the input is not finite (that propagates by IEEE rules).
func Check(f Format, in *Input, out *Output) error {
	if !in.Finite() {
		return nil
	}
	ex := Compute(f, in)
	return ex.Check(f, in, out)
}

// Check is [Check] with the exact step already computed.
func (ex *Exact) Check(f Format, in *Input, out *Output) error {
	branch := func(refr bool) *Branch {
		if refr {
			return &ex.Held
		}
		return &ex.Int
	}
	err := checkBranch(f, in, branch(ex.Refr), ex.Refr, out)
	if err != nil && ex.RefrNear {
		if checkBranch(f, in, branch(!ex.Refr), !ex.Refr, out) == nil {
			return nil
		}
	}
	if err != nil {
		return fmt.Errorf("%s %+v: refr %v (near %v), spk %v: %w", f.Name, *in, ex.Refr, ex.RefrNear, ex.Spk, err)
	}
	return nil
}

// Taken is the branch that out matches best: the exact one, or the other
// when t - last is within rounding of tau_ref and only the other passes.
func (ex *Exact) Taken(f Format, in *Input, out *Output) *Branch {
	if ex.RefrNear && checkBranch(f, in, map[bool]*Branch{true: &ex.Held, false: &ex.Int}[ex.Refr], ex.Refr, out) != nil {
		if !ex.Refr {
			return &ex.Held
		}
		return &ex.Int
	}
	if ex.Refr {
		return &ex.Held
	}
	return &ex.Int
}
