module github.com/libedition/libedition/bindings/go

go 1.24
