package main

import (
	"bytes"
	"maps"
	"testing"

	"github.com/adquaif/adquaif/asm/internal/gentest"
	"github.com/adquaif/adquaif/asm/step"
)

// kernelDir is package kernel of the library, whose generated files this
// command writes.
const kernelDir = "../../kernel"

// TestGeneratedUpToDate regenerates the kernels in memory and fails on a
// stale committed file, so that a plain go test catches drift.
func TestGeneratedUpToDate(t *testing.T) {
	files, stats, err := generate()
	if err != nil {
		t.Fatal(err)
	}
	gentest.Compare(t, kernelDir, files)
	for _, st := range stats {
		t.Log(st)
	}
}

// TestDeterministic generates twice: map order must not reach the output.
func TestDeterministic(t *testing.T) {
	a, _, err := generate()
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		b, _, err := generate()
		if err != nil {
			t.Fatal(err)
		}
		if !maps.EqualFunc(a, b, bytes.Equal) {
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
