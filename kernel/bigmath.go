package kernel

import "math/big"

// bigMulDiv is a*b/c with an exact product and one rounding, for the
// operands whose float64 product would overflow or underflow.
func bigMulDiv(a, b, c float64) float64 {
	x := new(big.Float).SetPrec(2 * 53).SetFloat64(a)
	x.Mul(x, new(big.Float).SetFloat64(b))
	q := new(big.Float).SetPrec(53).Quo(x, new(big.Float).SetFloat64(c))
	r, _ := q.Float64()
	return r
}
