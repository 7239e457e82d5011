package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/adquaif/adquaif/asm/step"
)

// TestHeadroomRuns runs the NEON kernels of the headroom programs (more
// streams and rows than registers: the per-neuron ones address four
// pointers through the stack table) under qemu-aarch64, in a copy of the
// library, against the step kernels: with the extra inputs given and
// weighted by K1 = K2 = 0, and the extra output given, every output the
// step has must be the step's, bit for bit, for every variant, both
// sections, with and without the optional buffers.
func TestHeadroomRuns(t *testing.T) {
	var asm, decl strings.Builder
	asm.WriteString("//go:build !purego\n\n#include \"textflag.h\"\n")
	decl.WriteString("//go:build !purego\n\npackage kernel\n\nimport \"github.com/adquaif/adquaif/generic\"\n\n")
	for _, d := range []step.DType{step.F32, step.F64} {
		decl.WriteString(goFrame(step.HeadroomFrame, headroomType(d), d))
	}
	var pairs [2][]string
	for _, v := range step.Variants() {
		p := step.Headroom(v)
		k, err := lowerProgram(p)
		if err != nil {
			t.Fatal(err)
		}
		asm.WriteString(k.text)
		fmt.Fprintf(&decl, "//go:noescape\nfunc %s(f *%s)\n\n", k.name, headroomType(v.DType))
		pairs[v.DType] = append(pairs[v.DType], fmt.Sprintf("{%q, %v, %s, %s},", v.Name(), v.PerNeur, step.Step(v).FuncName("NEON"), k.name))
	}
	// The pairs reference generic, so the declarations compile whatever
	// the test uses.
	decl.WriteString("var _ generic.Frame32\n")

	var test strings.Builder
	test.WriteString(headroomTestHead)
	for _, d := range []step.DType{step.F32, step.F64} {
		bits := fmt.Sprint(d.Size() * 8)
		body := strings.NewReplacer("FLOAT", "float"+bits, "FRAME", "Frame"+bits, "ROOM", headroomType(d), "NN", bits).Replace(headroomTestBody)
		test.WriteString(strings.Replace(body, "PAIRS", strings.Join(pairs[d], "\n\t\t"), 1))
	}
	runKernelTests(t, map[string][]byte{
		"headroom_arm64.s":       []byte(asm.String()),
		"headroom_arm64.go":      []byte(decl.String()),
		"headroom_arm64_test.go": []byte(test.String()),
	}, "TestHeadroomMatchesStep")
}

func headroomType(d step.DType) string { return fmt.Sprintf("headroomFrame%d", d.Size()*8) }

// goFrame is the Go struct of frame fr for programs of type d: a slice per
// stream of the stream table, then the fields that Layout places after them.
func goFrame(fr *step.Frame, name string, d step.DType) string {
	ft := fmt.Sprintf("float%d", d.Size()*8)
	var b strings.Builder
	fmt.Fprintf(&b, "type %s struct {\n", name)
	for _, s := range fr.Streams {
		elem := map[step.Elem]string{step.ElemFloat: "[]" + ft, step.ElemBool: "[]bool", step.ElemBits: "[]uint64"}[s.Elem]
		fmt.Fprintf(&b, "\t%s %s\n", s.Name, elem)
	}
	fmt.Fprintf(&b, "\tC []%s\n\tStride, N, Steps int\n\tRows [%d]int\n\tT []%s\n}\n\n", ft, len(fr.Streams), ft)
	return b.String()
}

const headroomTestHead = `//go:build !purego

package kernel

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/adquaif/adquaif/generic"
)

func TestHeadroomMatchesStep(t *testing.T) {
	headroomMatches32(t)
	headroomMatches64(t)
}
`

// headroomTestBody is the test for one float type: FLOAT, FRAME, ROOM and
// NN stand for it, PAIRS for its step and headroom kernels.
const headroomTestBody = `
func headroomMatchesNN(t *testing.T) {
	pairs := []struct {
		tag  string
		pn   bool
		step func(*generic.FRAME)
		room func(*ROOM)
	}{
		PAIRS
	}
	const dt = 0.1
	par := Defaults[float64]()
	// The step's constants, the first of the table (the backward step's follow).
	consts, perr := constants[FLOAT](dt, 0.3, 1, par.list())
	if perr != nil {
		t.Fatal(perr)
	}
	for _, pr := range pairs {
		r := rand.New(rand.NewPCG(1, uint64(len(pr.tag))))
		g := &gen[FLOAT]{r: r, sp: specials[FLOAT](), par: Defaults[FLOAT](), t: 10}
		for _, n := range []int{1, 3, 8, 37} {
			for _, steps := range []int{1, 3} {
				for _, given := range []bool{false, true} {
					words := (n + 63) / 64
					f := generic.FRAME{N: n, Steps: steps, Stride: n}
					f.V, f.W, f.Last = make([]FLOAT, n), make([]FLOAT, n), make([]FLOAT, n)
					for j := range n {
						f.V[j], f.W[j], f.Last[j] = g.v(), g.other(5), g.last(g.par.TauRef)
					}
					for s := range steps {
						f.T = append(f.T, g.t+FLOAT(s)*dt)
					}
					if pr.pn {
						for _, c := range consts[:generic.NumConsts] {
							for range n {
								f.C = append(f.C, c)
							}
						}
					} else {
						f.C = consts[:generic.NumConsts]
					}
					var x1, x2, y []FLOAT
					if given {
						f.I, f.Delta, f.Spike = make([]FLOAT, steps*n), make([]FLOAT, steps*n), make([]FLOAT, steps*n)
						f.Ref, f.Bits = make([]bool, steps*n), make([]uint64, steps*words)
						x1, x2, y = make([]FLOAT, steps*n), make([]FLOAT, steps*n), make([]FLOAT, steps*n)
						for j := range steps * n {
							// I is never -0, so that in + 0*X is in.
							f.I[j], f.Delta[j] = g.uniform(-50, 50), g.uniform(-1, 1)
							x1[j], x2[j] = g.uniform(1, 2), g.uniform(-2, -1)
						}
						for j := range f.Bits {
							f.Bits[j] = r.Uint64()
						}
						f.Rows = [len(f.Rows)]int{generic.StreamI: n, generic.StreamDelta: n, generic.StreamSpike: n, generic.StreamRef: n, generic.StreamBits: words}
					}
					h := ROOM{N: n, Steps: steps, Stride: n, T: f.T, I: f.I, Delta: f.Delta, X1: x1, X2: x2, Y: y}
					h.V, h.W, h.Last = slices.Clone(f.V), slices.Clone(f.W), slices.Clone(f.Last)
					copy(h.Rows[:], f.Rows[:])
					h.Rows[len(f.Rows)], h.Rows[len(f.Rows)+1], h.Rows[len(f.Rows)+2] = n, n, n
					h.C = slices.Clone(f.C)
					if pr.pn {
						h.C = append(h.C, make([]FLOAT, 2*n)...) // K1 and K2: 0
					} else {
						h.C = append(h.C, 0, 0)
					}
					if given {
						h.Spike, h.Ref, h.Bits = make([]FLOAT, steps*n), make([]bool, steps*n), slices.Clone(f.Bits)
					}
					pr.step(&f)
					pr.room(&h)
					same := func(what string, a, b []FLOAT) {
						for j := range a {
							if !sameBits(a[j], b[j]) {
								t.Fatalf("%s n=%d steps=%d given=%v: %s[%d] = %v, the step's %v", pr.tag, n, steps, given, what, j, b[j], a[j])
							}
						}
					}
					same("V", f.V, h.V)
					same("W", f.W, h.W)
					same("Last", f.Last, h.Last)
					same("Spike", f.Spike, h.Spike)
					if !slices.Equal(f.Ref, h.Ref) || !slices.Equal(f.Bits, h.Bits) {
						t.Fatalf("%s n=%d steps=%d given=%v: Ref or Bits differ", pr.tag, n, steps, given)
					}
				}
			}
		}
	}
}
`
