package step

import (
	"fmt"
	"unicode"
)

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
func (p *Program) FuncName(isa string) string { return lowerFirst(p.Func) + isa + p.Tag }

func lowerFirst(s string) string {
	r := []rune(s)
	r[0] = unicode.ToLower(r[0])
	return string(r)
}

// A Family is the programs of one Func and DType: the variants of a step
// (indexed by Variant.Index), or a helper's one program. Dispatch picks a
// program of a family at run time.
type Family struct {
	Func     string
	DType    DType
	Programs []*Program // Programs[v.Index()] for a step; one program for a helper
}

// Name is the kernel's name of the family's dispatch, the function that
// runs it on a path: stepPath32, exprelPath64.
func (f *Family) Name() string { return fmt.Sprintf("%sPath%d", lowerFirst(f.Func), f.DType.Size()*8) }

// Variants reports whether the family's programs are chosen by a variant
// index.
func (f *Family) Variants() bool { return len(f.Programs) > 1 }

// Families groups programs (in All's order) by Func and DType, in order of
// first appearance. A family of several programs must hold one per variant
// index.
func Families(ps []*Program) []*Family {
	var fams []*Family
	index := map[[2]string]*Family{}
	for _, p := range ps {
		key := [2]string{p.Func, p.DType.String()}
		f := index[key]
		if f == nil {
			f = &Family{Func: p.Func, DType: p.DType}
			index[key] = f
			fams = append(fams, f)
		}
		f.Programs = append(f.Programs, p)
	}
	for _, f := range fams {
		if !f.Variants() {
			continue
		}
		for i, p := range f.Programs {
			if p.Variant().Index() != i {
				panic(fmt.Sprintf("step: %s is at %d in its family, not at its variant index %d", p.Name, i, p.Variant().Index()))
			}
		}
	}
	return fams
}
