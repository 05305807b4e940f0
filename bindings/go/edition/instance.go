package edition

/*
#include <stdlib.h>
#include <libedition.h>
*/
import "C"

import (
	"fmt"
	"runtime"
	"sync"
	"time"
	"unsafe"
)

// Instance is an immutable snapshot of one instance. It is safe for
// concurrent use; Close releases its C memory at once (see the package
// documentation).
type Instance struct {
	mu sync.RWMutex
	h  *handle // holds the snapshot's one reference; nil once closed
}

// handle owns one reference to a C snapshot for an Instance. A finalizer,
// set once when the handle is made, releases the reference when the handle
// becomes unreachable still holding one: when a snapshot nobody closed is
// collected. Close gives the reference back at once and the empty handle
// to handles, for the next snapshot: a transition then neither adds nor
// removes a finalizer (runtime.SetFinalizer, or runtime.AddCleanup and its
// Stop, took a fifth to a quarter of the binding's Go time per transition,
// their locks and allocations included). A handle points to no Go memory,
// so it is never part of a cycle that would keep its finalizer from
// running; one that sync.Pool drops is collected with nothing to release.
type handle struct {
	ptr *C.ed_instance
}

var handles = sync.Pool{New: func() any {
	h := new(handle)
	runtime.SetFinalizer(h, (*handle).finalize)
	return h
}}

// finalize releases the reference of a handle that became unreachable.
func (h *handle) finalize() {
	if h.ptr != nil {
		C.ed_instance_free(h.ptr)
	}
}

// wrap takes ownership of one reference to p.
func wrap(p *C.ed_instance) *Instance {
	h := handles.Get().(*handle)
	h.ptr = p
	return &Instance{h: h}
}

// Close releases the snapshot's C memory. It is idempotent, and waits for
// calls in progress on other goroutines to finish. Results and effects
// already returned stay valid: they are Go copies.
func (in *Instance) Close() error {
	if in == nil {
		return nil
	}
	in.mu.Lock()
	if h := in.h; h != nil {
		p := h.ptr
		in.h, h.ptr = nil, nil
		handles.Put(h)
		C.ed_instance_free(p)
	}
	in.mu.Unlock()
	return nil
}

// read runs f with the C snapshot while holding the read lock; false when
// the snapshot is closed.
func (in *Instance) read(f func(p *C.ed_instance)) bool {
	if in == nil {
		return false
	}
	in.mu.RLock()
	defer in.mu.RUnlock()
	if in.h == nil {
		return false
	}
	f(in.h.ptr)
	runtime.KeepAlive(in)
	return true
}

// ref returns a new reference to the C snapshot (nil when closed); the
// caller frees it with C.ed_instance_free.
func (in *Instance) ref() *C.ed_instance {
	var r *C.ed_instance
	in.read(func(p *C.ed_instance) { r = C.ed_instance_ref(p) })
	return r
}

// clone returns a new *Instance holding a reference of its own to the same
// C snapshot, closed independently of in; nil when in is closed.
func (in *Instance) clone() *Instance {
	p := in.ref()
	if p == nil {
		return nil
	}
	return wrap(p)
}

// Closed reports whether Close has been called.
func (in *Instance) Closed() bool {
	return !in.read(func(*C.ed_instance) {})
}

// ID returns the instance ID, which never changes (rule S3).
func (in *Instance) ID() (s string) {
	in.read(func(p *C.ed_instance) { s = goString(C.ed_instance_id(p)) })
	return s
}

// Endpoint returns the endpoint, which never changes (rule S3).
func (in *Instance) Endpoint() (s string) {
	in.read(func(p *C.ed_instance) { s = goString(C.ed_instance_endpoint(p)) })
	return s
}

// Region returns the informational region, "" when none is recorded.
func (in *Instance) Region() (s string) {
	in.read(func(p *C.ed_instance) { s = goString(C.ed_instance_region(p)) })
	return s
}

// Edition returns Standard or EnterprisePlatinum.
func (in *Instance) Edition() (v Edition) {
	in.read(func(p *C.ed_instance) { v = Edition(C.ed_instance_edition(p)) })
	return v
}

// Billing returns the billing method, derived from the edition (S1).
func (in *Instance) Billing() (v Billing) {
	in.read(func(p *C.ed_instance) { v = Billing(C.ed_instance_billing(p)) })
	return v
}

// Cluster returns the cluster, derived from the edition (S2).
func (in *Instance) Cluster() (v Cluster) {
	in.read(func(p *C.ed_instance) { v = Cluster(C.ed_instance_cluster(p)) })
	return v
}

// Lifecycle returns Active, Expired or Released.
func (in *Instance) Lifecycle() (v Lifecycle) {
	in.read(func(p *C.ed_instance) { v = Lifecycle(C.ed_instance_lifecycle(p)) })
	return v
}

// Revision moves by one for every accepted transition that changes the
// snapshot; compare-and-set on it when committing.
func (in *Instance) Revision() (v uint64) {
	in.read(func(p *C.ed_instance) { v = uint64(C.ed_instance_revision(p)) })
	return v
}

// CreatedAt returns when the instance was created (UTC).
func (in *Instance) CreatedAt() (t time.Time) {
	in.read(func(p *C.ed_instance) { t = goTime(C.ed_instance_created_at(p)) })
	return t
}

// UpdatedAt returns when the last transition that changed the snapshot
// happened (UTC). Commands refuse an earlier now (ErrClockSkew).
func (in *Instance) UpdatedAt() (t time.Time) {
	in.read(func(p *C.ed_instance) { t = goTime(C.ed_instance_updated_at(p)) })
	return t
}

// ReleaseDelayDays returns the days between expiry and release, 0..30.
func (in *Instance) ReleaseDelayDays() (v int) {
	in.read(func(p *C.ed_instance) { v = int(C.ed_instance_release_delay_days(p)) })
	return v
}

// SubscriptionInfo is the subscription of an Enterprise Platinum snapshot.
type SubscriptionInfo struct {
	StartedAt            time.Time
	ExpiresAt            time.Time
	PeriodMonths         int
	PostExpirationAction Action
}

// Subscription returns the subscription; false on Standard Edition.
func (in *Instance) Subscription() (s SubscriptionInfo, ok bool) {
	in.read(func(p *C.ed_instance) {
		var started, expires C.ed_time
		var months C.int
		var action C.ed_action
		if C.ed_instance_subscription(p, &started, &expires, &months, &action) {
			s = SubscriptionInfo{goTime(started), goTime(expires), int(months), actions.goValue(int64(action))}
			ok = true
		}
	})
	return s, ok
}

// ExpiresAt returns when the subscription expires; false on Standard Edition.
func (in *Instance) ExpiresAt() (time.Time, bool) {
	s, ok := in.Subscription()
	return s.ExpiresAt, ok
}

// ReleaseAt returns the release time; false unless the lifecycle is Expired.
func (in *Instance) ReleaseAt() (t time.Time, ok bool) {
	in.read(func(p *C.ed_instance) {
		var at C.ed_time
		if C.ed_instance_release_at(p, &at) {
			t, ok = goTime(at), true
		}
	})
	return t, ok
}

// MigrationInfo is a migration of topics between clusters in flight.
type MigrationInfo struct {
	From, To  Cluster
	StartedAt time.Time
}

// Migration returns the migration in flight; false when none.
func (in *Instance) Migration() (m MigrationInfo, ok bool) {
	in.read(func(p *C.ed_instance) {
		var from, to C.ed_cluster
		var started C.ed_time
		if C.ed_instance_migration(p, &from, &to, &started) {
			m, ok = MigrationInfo{Cluster(from), Cluster(to), goTime(started)}, true
		}
	})
	return m, ok
}

// Topics returns the topic names in insertion order (a new slice each call).
func (in *Instance) Topics() (names []string) {
	in.read(func(p *C.ed_instance) {
		n := C.ed_instance_topic_count(p)
		names = make([]string, 0, int(n))
		for i := C.size_t(0); i < n; i++ {
			names = append(names, goString(C.ed_instance_topic(p, i)))
		}
	})
	return names
}

// Groups returns the consumer group IDs in insertion order.
func (in *Instance) Groups() (names []string) {
	in.read(func(p *C.ed_instance) {
		n := C.ed_instance_group_count(p)
		names = make([]string, 0, int(n))
		for i := C.size_t(0); i < n; i++ {
			names = append(names, goString(C.ed_instance_group(p, i)))
		}
	})
	return names
}

// HasTopic reports whether a topic of that name exists (constant time).
func (in *Instance) HasTopic(name string) (ok bool) {
	cs, valid := cString(name)
	if !valid {
		return false
	}
	defer C.free(unsafe.Pointer(cs))
	in.read(func(p *C.ed_instance) { ok = bool(C.ed_instance_has_topic(p, cs)) })
	return ok
}

// HasGroup reports whether a group of that ID exists (constant time).
func (in *Instance) HasGroup(name string) (ok bool) {
	cs, valid := cString(name)
	if !valid {
		return false
	}
	defer C.free(unsafe.Pointer(cs))
	in.read(func(p *C.ed_instance) { ok = bool(C.ed_instance_has_group(p, cs)) })
	return ok
}

// NextDeadline returns when Tick next has something to do: the expiry of
// an active subscription, the release of an expired one; false otherwise.
// The time may have passed already: Tick is then due now.
func (in *Instance) NextDeadline() (t time.Time, ok bool) {
	in.read(func(p *C.ed_instance) {
		var at C.ed_time
		if C.ed_instance_next_deadline(p, &at) {
			t, ok = goTime(at), true
		}
	})
	return t, ok
}

// Equal reports whether both snapshots hold the same values in every
// field. A closed snapshot equals only another closed (or nil) one.
func (in *Instance) Equal(other *Instance) bool {
	a, b := in.ref(), other.ref()
	defer C.ed_instance_free(a)
	defer C.ed_instance_free(b)
	return bool(C.ed_instance_equal(a, b))
}

// String returns "<id>@<revision>" for logs, "<closed>" once closed.
func (in *Instance) String() string {
	s := "<closed>"
	in.read(func(p *C.ed_instance) {
		s = fmt.Sprintf("%s@%d", goString(C.ed_instance_id(p)), uint64(C.ed_instance_revision(p)))
	})
	return s
}

// Dump returns the snapshot's state file (docs/formats.md, full form).
func (in *Instance) Dump() ([]byte, error) {
	return in.dump(false)
}

// DumpJSON returns the same state file as one line of JSON (same fields,
// same order); Load reads it back to an equal snapshot.
func (in *Instance) DumpJSON() ([]byte, error) {
	return in.dump(true)
}

// MarshalJSON implements json.Marshaler with the JSON state file, so that a
// snapshot embeds in a larger JSON document.
func (in *Instance) MarshalJSON() ([]byte, error) {
	return in.dump(true)
}

func (in *Instance) dump(json bool) ([]byte, error) {
	buf := C.ed_buffer_new()
	if buf == nil {
		return nil, ErrNoMemory
	}
	defer C.ed_buffer_free(buf)
	st := C.ed_status(C.ED_OK)
	ok := in.read(func(p *C.ed_instance) {
		if json {
			st = C.ed_instance_dump_json(p, buf)
		} else {
			st = C.ed_instance_dump_yaml(p, buf)
		}
	})
	if !ok {
		return nil, ErrClosed
	}
	if st != C.ED_OK {
		return nil, Code(st)
	}
	return C.GoBytes(unsafe.Pointer(C.ed_buffer_data(buf)), C.int(C.ed_buffer_len(buf))), nil
}

// MarshalYAML returns the same state document as Dump. (It returns bytes,
// not a value tree: to embed a snapshot in a larger YAML document, decode
// Dump's output with your YAML library.)
func (in *Instance) MarshalYAML() ([]byte, error) { return in.Dump() }

// Load reads a state file (docs/formats.md). A rejected document gives a
// *LoadError with its line and column.
func Load(data []byte, opts ...Option) (*Instance, error) {
	var out *C.ed_instance
	err := load(data, opts, func(p *C.char, n C.size_t, o *C.ed_options, e **C.ed_error) C.ed_status {
		return C.ed_instance_load_yaml(&out, p, n, o, e)
	})
	if err != nil {
		return nil, err
	}
	return wrap(out), nil
}

// load runs one of the library's loaders on data with the options opts,
// after the version check; a rejected document gives a *LoadError.
func load(data []byte, opts []Option,
	loader func(*C.char, C.size_t, *C.ed_options, **C.ed_error) C.ed_status) error {
	if err := checkVersion(); err != nil {
		return err
	}
	o, err := newOptions(opts)
	if err != nil {
		return err
	}
	defer C.ed_options_free(o)
	var cerr *C.ed_error
	st := loader(bytesPtr(data), C.size_t(len(data)), o, &cerr)
	runtime.KeepAlive(data)
	if st != C.ED_OK {
		return loadError(st, cerr)
	}
	return nil
}

// LoadEffects reads an effects document (YAML or JSON: what `edition apply
// --effects-out` writes, or what a host stored) back into Effects, as
// strictly as a state file. A rejected document gives a *LoadError with its
// line and column.
func LoadEffects(data []byte, opts ...Option) ([]Effect, error) {
	var list *C.ed_effect_list
	err := load(data, opts, func(p *C.char, n C.size_t, o *C.ed_options, e **C.ed_error) C.ed_status {
		return C.ed_effects_load_yaml(&list, p, n, o, e)
	})
	if err != nil {
		return nil, err
	}
	defer C.ed_effects_free(list)
	out, err := listEffects(list, C.ed_effect_list_count(list))
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = []Effect{}
	}
	return out, nil
}

// bytesPtr points C at a Go byte slice for the duration of one call (the
// bytes hold no Go pointers, so cgo allows it); never NULL.
func bytesPtr(data []byte) *C.char {
	if len(data) == 0 {
		return (*C.char)(unsafe.Pointer(&zeroByte))
	}
	return (*C.char)(unsafe.Pointer(unsafe.SliceData(data)))
}

var zeroByte byte

// loadError converts and frees a C load error.
func loadError(st C.ed_status, e *C.ed_error) error {
	defer C.ed_error_free(e)
	if e == nil {
		return &LoadError{Code: Code(st), Message: Code(st).String()}
	}
	return &LoadError{
		Code:    Code(C.ed_error_status(e)),
		Message: goString(C.ed_error_message(e)),
		Line:    int(C.ed_error_line(e)),
		Column:  int(C.ed_error_column(e)),
	}
}
