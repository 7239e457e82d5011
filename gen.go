//go:build generate

// The generated files of this module come from the programs in asm/step,
// lowered by the generators in asm/ (a module of its own, so that avo never
// becomes a dependency of the library). Regenerate them all with
//
//	go generate -tags generate .
package adquaif

//go:generate go -C asm run ./golang -out ../generic
//go:generate go -C asm run ./dispatch -out ../kernel
//go:generate go -C asm run ./amd64 -out ../kernel
//go:generate go -C asm run ./arm64 -out ../kernel
