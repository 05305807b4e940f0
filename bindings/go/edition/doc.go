// Package edition embeds libedition, the C library that models the
// lifecycle of an ApsaraMQ for RocketMQ instance moving between Standard
// Edition and Enterprise Platinum Edition.
//
// Every lifecycle command is a pure transition: an immutable [Instance]
// snapshot, an explicit time and the command's arguments go in; a [Result]
// holding the new snapshot and the ordered [Effect] list the host must carry
// out comes back, or an error. The library reads no clock and does no I/O:
// the host passes now, stores snapshots and performs the effects.
//
// # Snapshots
//
// [CreateStandard], [CreateEnterprisePlatinum] and [Load] make snapshots;
// the getters ([Instance.ID], [Instance.Edition], [Instance.ExpiresAt],
// [Instance.Topics], [Instance.NextDeadline], ...) copy every value into Go
// memory, so nothing returned by this package points into C memory. A
// snapshot holds one reference to a C object: [Instance.Close] releases it at
// once, and a finalizer (runtime.SetFinalizer) releases it when an unclosed
// snapshot becomes unreachable. Every *Instance the package returns holds
// a reference of its own, so closing one never closes another (the
// snapshots of [Scenario.Simulate]'s records included). Close is
// idempotent and safe to call while other goroutines use the snapshot
// (they then see a closed snapshot: getters return zero values and
// commands return [ErrClosed]). Snapshots are safe for concurrent use.
//
// # Commands and effects
//
// Each command is a method taking now first ([Instance.Upgrade],
// [Instance.Tick], [Instance.Refund], ...); [Instance.Apply] runs a
// [Command] value. A refusal is a [*RefusedError] carrying the stable
// [Code] and a message; match it with errors.Is against the sentinel codes
// ([ErrDataLossRefused], [ErrExpiryDue], [ErrReleased], ...). A command
// that succeeds returns a new snapshot even when nothing changed: close it
// (or leave it to the finalizer) independently of the input.
//
// Effects are carried out in order, each exactly once, recognised by
// [Effect.Key]. Keys are unique within one committed history: commit a new
// snapshot with a compare-and-set on its [Instance.Revision] and keep keys
// unique in your store (see the README's tutorial).
//
// The enumerations print (String) and marshal as text (MarshalText,
// UnmarshalText) as their stable names: "enterprise_platinum",
// "topic.migrate", "irreversible|billing".
//
// # Times
//
// libedition's time is whole seconds since the Unix epoch, UTC, in years
// 0000 to 9999. Times passed in are truncated to the second; a time outside
// that range gives an error matching [ErrTimeRange]. Times returned are in
// UTC.
//
// # Building
//
// The package needs cgo and the C library, found with pkg-config under the
// name libedition. Build with the tag libedition_static to link it
// statically (pkg-config --static). A build with CGO_ENABLED=0 fails at
// compile time, naming what is missing. On first use the package checks that
// the library's release major version is the one it was written for and its
// minor version is at least the one it was written for ([VersionError]).
package edition
