module libedition.invalid/bench/gofsm

go 1.24

require (
	github.com/libedition/libedition/bindings/go v0.0.0
	github.com/looplab/fsm v1.0.3
)

replace github.com/libedition/libedition/bindings/go => ../../bindings/go
