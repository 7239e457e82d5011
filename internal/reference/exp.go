package reference

import (
	"math/big"
	"sync"
)

// This file evaluates exp and exprel on big.Float to any precision, written
// from the definitions only (no float64 math), so that it can serve as the
// exact value the kernels are measured against.

var (
	ln2Once sync.Once
	ln2Big  *big.Float
)

// ln2Prec is the precision of the cached ln 2. Argument reduction multiplies
// it by k with |k| < 2^22 (see expCap), so exp at precision p needs ln 2 to
// about p + 52 + 22 bits (the work precision of Exp); ln2Prec covers every p up to MaxPrec.
const ln2Prec = MaxPrec + 128

// MaxPrec is the largest precision Exp and Exprel accept.
const MaxPrec = 1024

// ln2 returns ln 2 to ln2Prec bits, computed once from
// ln 2 = 2 atanh(1/3) = 2 sum_{k>=0} 3^-(2k+1)/(2k+1), which gains more than
// three bits per term.
func ln2() *big.Float {
	ln2Once.Do(func() {
		p := uint(ln2Prec + 32)
		sum := new(big.Float).SetPrec(p)
		pow := new(big.Float).SetPrec(p).Quo(big.NewFloat(1), big.NewFloat(3)) // 3^-(2k+1)
		ninth := new(big.Float).SetPrec(p).Quo(big.NewFloat(1), big.NewFloat(9))
		term := new(big.Float).SetPrec(p)
		for k := int64(0); ; k++ {
			term.Quo(pow, new(big.Float).SetInt64(2*k+1))
			if term.Sign() == 0 || term.MantExp(nil) < -int(p)-8 {
				break
			}
			sum.Add(sum, term)
			pow.Mul(pow, ninth)
		}
		ln2Big = new(big.Float).SetPrec(ln2Prec).Mul(sum, big.NewFloat(2))
	})
	return ln2Big
}

// expCap bounds the arguments of Exp: exp(2^21) ~ 2^(3.0e6) is far beyond
// any float64 yet well inside big.Float's exponent range.
const expCap = 1 << 21

// Exp returns e^x rounded to prec bits (relative error below 2^(8-prec)).
// It panics for |x| > 2^21, whose result no float format can hold.
func Exp(x *big.Float, prec uint) *big.Float {
	if prec > MaxPrec {
		panic("reference: precision too large")
	}
	if x.IsInf() || new(big.Float).Abs(x).Cmp(big.NewFloat(expCap)) > 0 {
		panic("reference: Exp argument out of range")
	}
	if x.Sign() == 0 {
		return new(big.Float).SetPrec(prec).SetInt64(1)
	}
	// x = k ln2 + r with |r| <= ln2/2 (up to the rounding of k), then
	// r = s * 2^h with |s| < 2^-10, e^r = (e^s)^(2^h) by h squarings.
	// Each squaring doubles the relative error, so the work precision
	// carries h + 32 guard bits.
	const h = 12
	wp := prec + h + 40
	k := new(big.Float).SetPrec(wp).Quo(x, ln2())
	ki, _ := k.Int(nil)
	if k.Sign() < 0 {
		ki.Sub(ki, big.NewInt(1)) // floor, so r >= 0 and small
	}
	kf := new(big.Float).SetPrec(ln2Prec).SetInt(ki)
	r := new(big.Float).SetPrec(wp+64).Mul(kf, ln2())
	r.Sub(new(big.Float).SetPrec(wp+64).Set(x), r)
	r.SetPrec(wp)
	s := new(big.Float).SetPrec(wp).SetMantExp(r, -h)
	// Taylor series of e^s, |s| < 2^-11: terms fall by 11 bits or more.
	sum := new(big.Float).SetPrec(wp).SetInt64(1)
	term := new(big.Float).SetPrec(wp).SetInt64(1)
	for n := int64(1); ; n++ {
		term.Mul(term, s)
		term.Quo(term, new(big.Float).SetInt64(n))
		if term.Sign() == 0 || term.MantExp(nil) < -int(wp)-4 {
			break
		}
		sum.Add(sum, term)
	}
	for i := 0; i < h; i++ {
		sum.Mul(sum, sum)
	}
	exp := ki.Int64()
	out := new(big.Float).SetPrec(prec)
	return out.SetMantExp(sum, int(exp))
}

// Exprel returns (e^z - 1)/z (1 at z = 0) rounded to prec bits, for any
// finite z: relative error below 2^(10-prec).
//
// Near zero it sums the series sum_n z^n/(n+1)!, which has no cancellation.
// Elsewhere e^z - 1 loses at most 5 bits to cancellation (|z| >= 2^-5), which
// the work precision covers. Beyond 2^21 in magnitude, e^z is either far
// outside every float format (z > 0: the value is clamped to exprel(2^21),
// still far beyond float64's range, so every comparison with a float gives
// the same answer) or below 2^-(3e6) relative to 1 (z < 0: exprel = -1/z to
// far more than prec bits).
func Exprel(z *big.Float, prec uint) *big.Float {
	if z.Sign() == 0 {
		return new(big.Float).SetPrec(prec).SetInt64(1)
	}
	wp := prec + 16
	abs := new(big.Float).Abs(z)
	if abs.Cmp(big.NewFloat(expCap)) > 0 {
		if z.Sign() < 0 {
			out := new(big.Float).SetPrec(prec).Quo(big.NewFloat(-1), z)
			return out
		}
		z = big.NewFloat(expCap)
	}
	if abs.MantExp(nil) <= -5 { // |z| < 2^-5
		sum := new(big.Float).SetPrec(wp).SetInt64(1)
		term := new(big.Float).SetPrec(wp).SetInt64(1)
		for n := int64(2); ; n++ {
			term.Mul(term, z)
			term.Quo(term, new(big.Float).SetInt64(n))
			if term.Sign() == 0 || term.MantExp(nil) < -int(wp)-4 {
				break
			}
			sum.Add(sum, term)
		}
		return new(big.Float).SetPrec(prec).Set(sum)
	}
	e := Exp(z, wp)
	e.Sub(e, big.NewFloat(1))
	return new(big.Float).SetPrec(prec).Quo(e, z)
}
