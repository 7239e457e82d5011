package main

import (
	"bytes"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"testing"

	"github.com/adquaif/adquaif/asm/internal/gentest"
	"github.com/adquaif/adquaif/asm/step"
)

func TestGenerated(t *testing.T) {
	files, err := generate()
	if err != nil {
		t.Fatal(err)
	}
	gentest.Compare(t, "../../generic", files)
}

// The Go lowering takes a program over another frame without edits: the
// headroom programs (more streams and constants than the step's), next to
// the library's, give a package that type-checks.
func TestHeadroomTypeChecks(t *testing.T) {
	ps := step.All()
	for _, v := range step.Variants() {
		ps = append(ps, step.Headroom(v))
	}
	files, err := generateFor(ps)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "step_gen.go", files["step_gen.go"], 0)
	if err != nil {
		t.Fatal(err)
	}
	// fma32 and fma32Try, which the generated code calls.
	fma, err := parser.ParseFile(fset, "../../generic/fma.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	conf := types.Config{Importer: importer.ForCompiler(fset, "source", nil)}
	if _, err := conf.Check("generic", fset, []*ast.File{f, fma}, nil); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"HeadroomF32SoftPN(f *Headroom32)", "HeadroomC" + "K2", "HeadroomStreamY"} {
		if !bytes.Contains(files["step_gen.go"], []byte(name)) {
			t.Errorf("the generated package has no %s", name)
		}
	}
}

// Every op kind has its Go, but Loop, which perStep turns into the steps
// of the function that calls the one-step function.
func TestEveryOpLowered(t *testing.T) {
	for k := step.Kind(0); k < step.NumKinds; k++ {
		if (lowerings[k] == nil) != (k == step.OpLoop) {
			t.Errorf("%s: lowered %v", k, lowerings[k] != nil)
		}
	}
}
