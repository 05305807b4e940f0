//go:build !cgo

package edition

// This package wraps the C library libedition through cgo. With cgo
// disabled (CGO_ENABLED=0) the name below is undefined on purpose, so that
// the build fails here, naming what it needs: build with CGO_ENABLED=1, a
// C compiler, pkg-config and libedition installed (or PKG_CONFIG_PATH set to
// a build tree's meson-uninstalled directory).
var _ = libedition_go_binding_requires_cgo__build_with_CGO_ENABLED_1_and_libedition_installed
