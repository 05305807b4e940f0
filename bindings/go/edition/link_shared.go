//go:build cgo && !libedition_static

package edition

// Dynamic linking (the default): the flags of `pkg-config --cflags --libs
// libedition`, so the program needs libedition.so.1 at run time.

// #cgo pkg-config: libedition
import "C"
