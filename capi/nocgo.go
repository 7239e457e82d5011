//go:build !cgo

// Command capi is adquaif's C API; it needs cgo (see capi.go).
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "capi: built without cgo; build the C library with CGO_ENABLED=1 and gcc: go build -buildmode=c-shared -o libadquaif.so ./capi")
	os.Exit(2)
}
