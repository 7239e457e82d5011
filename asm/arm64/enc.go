package main

import "fmt"

// The NEON instructions that Go's arm64 assembler does not know are emitted
// as WORD directives. Each comes from one row of a small table of instruction
// formats: a base encoding (Q=1, lowest element size) plus the fields that the
// format fills in. The comment on each WORD is the instruction in the syntax
// of aarch64-linux-gnu-objdump, so the objdump test can check every word
// against the disassembler.

// form is an instruction format: which fields the operands fill.
type form int

const (
	vec3    form = iota // <op> Vd.T, Vn.T, Vm.T with T 4s or 2d: sz at bit 22
	vec2                // <op> Vd.T, Vn.T with T 4s or 2d: sz at bit 22
	narrow              // xtn Vd.Tb, Vn.Ta (lower half, Q=0): size of the result at bits 22-23
	narrow2             // xtn2 Vd.Tb, Vn.Ta (upper half, Q=1, the lower half kept): as narrow
	across              // <op> Sd, Vn.4s: a reduction of a whole register to lane 0
)

type insnFormat struct {
	form form
	base uint32
}

// formats is every instruction the generator encodes itself.
var formats = map[string]insnFormat{
	"fadd":  {vec3, 0x4e20d400},
	"fsub":  {vec3, 0x4ea0d400},
	"fmul":  {vec3, 0x6e20dc00},
	"fdiv":  {vec3, 0x6e20fc00},
	"fcmge": {vec3, 0x6e20e400},
	"fcmgt": {vec3, 0x6ea0e400},
	"fabs":  {vec2, 0x4ea0f800},
	"xtn":   {narrow, 0x0e212800},
	"xtn2":  {narrow2, 0x4e212800},
	"umaxv": {across, 0x6eb0a800},
}

// word is one encoded instruction and its disassembly.
type word struct {
	bits uint32
	text string
}

func (w word) String() string { return fmt.Sprintf("WORD $0x%08x // %s", w.bits, w.text) }

// floatArr gives the sz bit of an arrangement of floats.
var floatArr = map[string]uint32{"4s": 0, "2d": 1}

// narrowArr gives, for the source arrangement of xtn, the size field and the
// arrangement of the result.
var narrowArr = map[string]struct {
	size uint32
	dst  string
}{"8h": {0, "8b"}, "4s": {1, "4h"}, "2d": {2, "2s"}}

// narrow2Dst gives, for the source arrangement of xtn2, the arrangement of
// the whole result register.
var narrow2Dst = map[string]string{"8h": "16b", "4s": "8h", "2d": "4s"}

func reg(r int) uint32 {
	if r < 0 || r > 31 {
		panic(fmt.Sprintf("arm64: no register V%d", r))
	}
	return uint32(r)
}

// encode returns the word for instruction name with arrangement arr (of the
// sources) and registers d, n and m (m only for vec3).
func encode(name, arr string, d, n, m int) word {
	f, ok := formats[name]
	if !ok {
		panic("arm64: no format for " + name)
	}
	bits := f.base | reg(n)<<5 | reg(d)
	switch f.form {
	case vec3, vec2:
		sz, ok := floatArr[arr]
		if !ok {
			panic(fmt.Sprintf("arm64: %s has no arrangement %s", name, arr))
		}
		bits |= sz << 22
		if f.form == vec3 {
			bits |= reg(m) << 16
			return word{bits, fmt.Sprintf("%s v%d.%s, v%d.%s, v%d.%s", name, d, arr, n, arr, m, arr)}
		}
		return word{bits, fmt.Sprintf("%s v%d.%s, v%d.%s", name, d, arr, n, arr)}
	case narrow, narrow2:
		a, ok := narrowArr[arr]
		if !ok {
			panic(fmt.Sprintf("arm64: %s has no arrangement %s", name, arr))
		}
		bits |= a.size << 22
		dst := a.dst
		if f.form == narrow2 {
			dst = narrow2Dst[arr]
		}
		return word{bits, fmt.Sprintf("%s v%d.%s, v%d.%s", name, d, dst, n, arr)}
	case across:
		if arr != "4s" {
			panic(fmt.Sprintf("arm64: %s has no arrangement %s", name, arr))
		}
		return word{bits, fmt.Sprintf("%s s%d, v%d.%s", name, d, n, arr)}
	}
	panic("arm64: unknown form")
}
