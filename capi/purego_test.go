//go:build cgo && purego

package main

// libTags are the build tags of this test binary, which the library the
// tests build takes too, so that both run the same path: paths may differ
// in NaN payloads.
const libTags = "purego"
