//go:build cgo && libedition_static

package edition

// Static linking, chosen with the build tag libedition_static: the flags of
// `pkg-config --static --cflags --libs libedition`, which add the
// libraries libedition depends on (libyaml), and the linker told to take
// the static archives libedition.a and libyaml.a rather than the shared
// objects beside them.

// #cgo pkg-config: --static libedition
// #cgo LDFLAGS: -Wl,-Bstatic -ledition -lyaml -Wl,-Bdynamic
import "C"
