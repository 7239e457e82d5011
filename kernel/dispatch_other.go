//go:build purego || !(amd64 || arm64)

package kernel

// Without assembly, the generic path is the only one (dispatch_gen_other.go
// calls it).
func available() []isa { return []isa{isaGeneric} }
