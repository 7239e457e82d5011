package main

import (
	"bytes"
	"os"
	"testing"
)

// TestGenerated regenerates the assembly and its declarations in memory and
// fails if the files in package kernel differ: a plain go test catches a
// stale generated file (or a change to asm/step that was not regenerated).
func TestGenerated(t *testing.T) {
	asm, decl, _, err := generate()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][]byte{"../../kernel/step_amd64.s": asm, "../../kernel/step_amd64.go": decl} {
		got, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run go generate -tags generate . in the repository root", name)
		}
	}
}
