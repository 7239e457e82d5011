package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/adquaif/adquaif/asm/step"
)

// kernelDir is package kernel of the library, whose generated files this
// command writes.
const kernelDir = "../../kernel"

// TestGeneratedUpToDate regenerates the kernels in memory and fails on a
// stale committed file, so that a plain go test catches drift.
func TestGeneratedUpToDate(t *testing.T) {
	s, decl, stats, err := generate()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		name string
		src  []byte
	}{{"step_arm64.s", s}, {"step_arm64.go", decl}} {
		old, err := os.ReadFile(filepath.Join(kernelDir, f.name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(old, f.src) {
			t.Errorf("kernel/%s is stale: run go generate -tags generate . in the repository root", f.name)
		}
	}
	for _, st := range stats {
		t.Log(st)
	}
}

// TestDeterministic generates twice: map order must not reach the output.
func TestDeterministic(t *testing.T) {
	a, _, _, err := generate()
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		b, _, _, err := generate()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Fatal("two runs of the generator differ")
		}
	}
}

// TestEveryOpLowered checks the lowering table against asm/step's op
// table: every op that is not a block has code, and no block has.
func TestEveryOpLowered(t *testing.T) {
	for k := step.Kind(0); k < step.NumKinds; k++ {
		if has, block := lowerings[k] != nil, k.Info().Block; has == block {
			t.Errorf("%s: block %v, lowering %v", k, block, has)
		}
	}
}
