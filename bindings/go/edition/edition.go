package edition

/*
#include <stdlib.h>
#include <libedition.h>
*/
import "C"

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"
)

// The libedition release this package was written for: that of the header
// it was compiled against (ED_VERSION_MAJOR, ED_VERSION_MINOR). It accepts
// a library of this major version and this or any later minor version
// (docs/abi.md, "The oldest library a binding accepts"); linked against a
// shared library, a program using it does not even start on an older one
// (the dynamic loader names the symbol version it lacks).
const (
	WrittenForMajor = C.ED_VERSION_MAJOR
	WrittenForMinor = C.ED_VERSION_MINOR
)

// Version returns the version of the C library linked in, "MAJOR.MINOR.PATCH".
func Version() string {
	return C.GoString(C.ed_version())
}

// VersionError reports a C library whose version this package does not
// support: another major version, or an older minor one.
type VersionError struct {
	Library string // the library's version, as Version returns it
}

func (e *VersionError) Error() string {
	return fmt.Sprintf("edition: libedition %s linked, but this package needs %d.%d or a later %d.x release",
		e.Library, WrittenForMajor, WrittenForMinor, WrittenForMajor)
}

// checkVersion runs once, at the first use of a constructor or loader.
var checkVersion = sync.OnceValue(func() error {
	return versionSupported(Version())
})

func versionSupported(v string) error {
	parts := strings.Split(v, ".")
	if len(parts) != 3 {
		return &VersionError{Library: v}
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil || major != WrittenForMajor || minor < WrittenForMinor {
		return &VersionError{Library: v}
	}
	return nil
}

// Code is a stable libedition status code. Every code but "ok" is an
// error value: errors.Is(err, ErrExpiryDue) is true for a refusal or load
// error carrying that code.
type Code int

// The stable codes (values as in C, never reused), one sentinel per code.
const (
	ErrInvalidArgument           Code = C.ED_INVALID_ARGUMENT
	ErrInvalidName               Code = C.ED_INVALID_NAME
	ErrInvalidPeriod             Code = C.ED_INVALID_PERIOD
	ErrClockSkew                 Code = C.ED_CLOCK_SKEW
	ErrAlreadyEnterprisePlatinum Code = C.ED_ALREADY_ENTERPRISE_PLATINUM
	ErrNotSubscription           Code = C.ED_NOT_SUBSCRIPTION
	ErrNoDirectDowngrade         Code = C.ED_NO_DIRECT_DOWNGRADE
	ErrExpiryDue                 Code = C.ED_EXPIRY_DUE
	ErrExpired                   Code = C.ED_EXPIRED
	ErrReleased                  Code = C.ED_RELEASED
	ErrMigrationInProgress       Code = C.ED_MIGRATION_IN_PROGRESS
	ErrNoMigration               Code = C.ED_NO_MIGRATION
	ErrExists                    Code = C.ED_EXISTS
	ErrNotFound                  Code = C.ED_NOT_FOUND
	ErrDataLossRefused           Code = C.ED_DATA_LOSS_REFUSED
	ErrParse                     Code = C.ED_PARSE_ERROR
	ErrSchema                    Code = C.ED_SCHEMA_ERROR
	ErrLimitExceeded             Code = C.ED_LIMIT_EXCEEDED
	ErrNoMemory                  Code = C.ED_NO_MEMORY
	ErrIO                        Code = C.ED_IO_ERROR
)

// String returns the code's stable snake_case name ("expiry_due").
func (c Code) String() string { return codes.String(c) }

// Error makes each code an error value: "libedition: expiry_due".
func (c Code) Error() string { return "libedition: " + c.String() }

// ParseCode parses a stable status name ("data_loss_refused").
func ParseCode(name string) (Code, error) { return codes.parse(name) }

// RefusedError is a command the library refused. A refusal changes
// nothing: the input snapshot is still the current one. Code is one of the
// lifecycle's refusals (ErrInvalidArgument to ErrDataLossRefused), or
// ErrNoMemory when the library ran out of memory.
type RefusedError struct {
	Code    Code   // the stable refusal code
	Message string // names the instance, the rule broken and what to do instead
	// WouldHave lists, for ErrDataLossRefused, the effects the refused
	// command would have produced, for display. Empty otherwise.
	WouldHave []Effect
}

func (e *RefusedError) Error() string {
	if e.Message == "" {
		return "edition: refused: " + e.Code.String()
	}
	return "edition: refused (" + e.Code.String() + "): " + e.Message
}

// Unwrap returns the Code, so errors.Is(err, ErrDataLossRefused) matches.
func (e *RefusedError) Unwrap() error { return e.Code }

// LoadError is a state or scenario file the loader rejected.
type LoadError struct {
	Code    Code   // ErrParse, ErrSchema, ErrLimitExceeded, ErrNoMemory, ...
	Message string // names the field ("instance.subscription.expires_at: ...")
	Line    int    // 1-based line of the offending input; 0 when not known
	Column  int    // 1-based column; 0 when not known
}

func (e *LoadError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("edition: line %d, column %d: %s", e.Line, e.Column, e.Message)
	}
	return "edition: " + e.Message
}

// Unwrap returns the Code, so errors.Is(err, ErrSchema) matches.
func (e *LoadError) Unwrap() error { return e.Code }

// ErrTimeRange is matched (errors.Is) by the error given for a time before
// year 0000 or after year 9999, which libedition cannot represent.
var ErrTimeRange = errors.New("edition: time outside years 0000..9999")

// ErrClosed is returned by a command on a snapshot already closed.
var ErrClosed = errors.New("edition: instance closed")

// The valid range of libedition times (ED_TIME_MIN, ED_TIME_MAX).
var (
	minTime = time.Unix(int64(C.ED_TIME_MIN), 0).UTC()
	maxTime = time.Unix(int64(C.ED_TIME_MAX), 0).UTC()
)

// cTime converts t to libedition's whole seconds. A time with a fraction
// of a second is refused, as `edition --now` refuses it: a *RefusedError
// with ErrInvalidArgument, before the library checks anything (see
// docs/semantics.md, "Bindings' arguments"); the binding does not round a
// time it was given.
func cTime(t time.Time) (C.ed_time, error) {
	s := t.Unix()
	if s < int64(C.ED_TIME_MIN) || s > int64(C.ED_TIME_MAX) {
		return 0, fmt.Errorf("edition: %s is outside %s..%s: %w", t.Format(time.RFC3339),
			minTime.Format(time.RFC3339), maxTime.Format(time.RFC3339), ErrTimeRange)
	}
	if t.Nanosecond() != 0 {
		return 0, &RefusedError{Code: ErrInvalidArgument, Message: fmt.Sprintf(
			"now: '%s': fractional seconds are not supported (pass whole seconds, such as "+
				"now.Truncate(time.Second))", t.Format(time.RFC3339Nano))}
	}
	return C.ed_time(s), nil
}

// How libedition's data_loss_refused message names the option (rules.md's
// name, which the CLI spells --allow-data-loss), and how Go spells it: the
// refund's parameter allowDataLoss, Command.AllowDataLoss (see
// docs/semantics.md, "Bindings' arguments").
const (
	libraryAllowDataLoss = "pass allow-data-loss"
	goAllowDataLoss      = "pass allowDataLoss=true"
)

// Option is a setting for a constructor or loader; see WithRegion,
// WithReleaseDelayDays and WithMaxDocumentSize.
type Option struct {
	key    C.ed_option
	str    bool
	intVal int64
	strVal string
}

// WithRegion records an informational region on a new instance.
func WithRegion(region string) Option {
	return Option{key: C.ED_OPT_REGION, str: true, strVal: region}
}

// WithReleaseDelayDays sets the days between expiry and release of a new
// instance, 0..30 (default 7).
func WithReleaseDelayDays(days int) Option {
	return Option{key: C.ED_OPT_RELEASE_DELAY_DAYS, intVal: int64(days)}
}

// WithMaxDocumentSize sets the largest document the loaders accept, in
// bytes, 1..2^40 (default 64 MiB).
func WithMaxDocumentSize(bytes int64) Option {
	return Option{key: C.ED_OPT_MAX_DOCUMENT_SIZE, intVal: bytes}
}

// newOptions builds a C options bag; the caller frees it with
// C.ed_options_free (NULL when opts is empty).
func newOptions(opts []Option) (*C.ed_options, error) {
	if len(opts) == 0 {
		return nil, nil
	}
	o := C.ed_options_new()
	if o == nil {
		return nil, ErrNoMemory
	}
	for _, opt := range opts {
		var st C.ed_status
		if opt.str {
			if strings.IndexByte(opt.strVal, 0) >= 0 {
				C.ed_options_free(o)
				return nil, fmt.Errorf("edition: option value %q holds a NUL byte: %w", opt.strVal, ErrInvalidName)
			}
			p := C.CString(opt.strVal)
			st = C.ed_options_set_string(o, opt.key, p)
			C.free(unsafe.Pointer(p))
		} else {
			st = C.ed_options_set_int(o, opt.key, C.int64_t(opt.intVal))
		}
		if st != C.ED_OK {
			C.ed_options_free(o)
			return nil, fmt.Errorf("edition: option %d rejected: %w", int(opt.key), Code(st))
		}
	}
	return o, nil
}

// cString copies s into C memory (free with C.free); false when s holds a
// NUL byte, which C would silently cut the string at.
func cString(s string) (*C.char, bool) {
	if strings.IndexByte(s, 0) >= 0 {
		return nil, false
	}
	return C.CString(s), true
}

// goString copies a borrowed C string into Go memory ("" for NULL).
func goString(p *C.char) string {
	if p == nil {
		return ""
	}
	return C.GoString(p)
}
