//go:build cgo

// Like every file of the package but nocgo.go, this one needs cgo (the
// types it uses are defined with it), so that a build without cgo fails
// with nocgo.go's message alone.

package edition

import "time"

// Effect is one thing the host must carry out, copied into Go memory.
// Effects come in the order they must be carried out; each is recognised by
// its Key, for exactly-once execution.
type Effect struct {
	Key         string // "<instance id>/<revision>/<index>"
	Kind        EffectKind
	Revision    uint64 // the revision the effect's transition produced
	Index       int    // the effect's index within its revision, from 0
	Flags       Flags
	SubjectKind SubjectKind
	Subject     string // the instance ID, topic name or group ID
	Text        string // one line for people

	// The fields the effect carries; Has tells which are present.
	From         string    // billing or cluster or action it changes from
	To           string    // and to
	At           time.Time // when the change takes effect
	PeriodMonths int
	ExpiresAt    time.Time
	Refund       string    // "partial"
	UnusedFrom   time.Time // start of the refunded period
	UnusedUntil  time.Time // end of the refunded period
	Timer        string    // "expiry" or "release"
	Online       bool

	present uint32 // bit f set when field f is present
}

// Has reports whether the effect carries field f.
func (e *Effect) Has(f Field) bool {
	return f >= 0 && f < 32 && e.present&(1<<uint(f)) != 0
}

// Value returns field f as its typed value (string, time.Time, int or
// bool), or nil when the effect does not carry it.
func (e *Effect) Value(f Field) any {
	if !e.Has(f) {
		return nil
	}
	switch f {
	case FieldFrom:
		return e.From
	case FieldTo:
		return e.To
	case FieldAt:
		return e.At
	case FieldPeriodMonths:
		return e.PeriodMonths
	case FieldExpiresAt:
		return e.ExpiresAt
	case FieldRefund:
		return e.Refund
	case FieldUnusedFrom:
		return e.UnusedFrom
	case FieldUnusedUntil:
		return e.UnusedUntil
	case FieldTimer:
		return e.Timer
	case FieldOnline:
		return e.Online
	}
	return nil
}
