package step

import "unicode"

// Reset is the reset rule after a spike.
type Reset int

const (
	Soft Reset = iota
	Hard
	NumResets
)

func (r Reset) String() string { return [...]string{"Soft", "Hard"}[r] }

// Variant selects one compiled form of a step. The optional buffers are
// not part of the variant: they are If blocks decided at run time, once per
// vector of lanes, which keeps the variants at 2 × 2 × 2.
type Variant struct {
	DType   DType
	Reset   Reset
	PerNeur bool
}

// Name is the variant's tag in generated function names, e.g. F32SoftPN.
func (v Variant) Name() string {
	s := v.DType.String() + v.Reset.String()
	if v.PerNeur {
		s += "PN"
	}
	return s
}

// Index numbers the variants of one DType from 0: 2*Reset + PerNeur, the
// order of Variants and of the generated dispatch.
func (v Variant) Index() int {
	i := 2 * int(v.Reset)
	if v.PerNeur {
		i++
	}
	return i
}

// VariantsPerDType is how many variants Index numbers.
const VariantsPerDType = 2 * int(NumResets)

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

// FuncName is the name of p's function on the path isa ("AVX512", "NEON"):
// the stem, the path and the tag, e.g. stepAVX512F32SoftPN or
// exprelNEONF64; with isa "", the generic path's unexported helpers' stem
// (stepF32SoftPN). The generic path's exported function is p.Name. Names
// are only ever built here, never parsed.
func (p *Program) FuncName(isa string) string {
	stem := []rune(p.Func)
	stem[0] = unicode.ToLower(stem[0])
	return string(stem) + isa + p.Tag
}
