package main

import (
	"testing"

	"github.com/adquaif/adquaif/asm/internal/gentest"
)

func TestGenerated(t *testing.T) {
	files, err := generate()
	if err != nil {
		t.Fatal(err)
	}
	gentest.Compare(t, "../../kernel", files)
}
