// An example streaming handler for `edition fleet dispatch --exec-stream`
// and `edition fleet run --exec-stream` (docs/fleet.md, "Streaming
// handlers"), with the standard library only.
//
// It runs as long as its dispatcher worker does: each effect arrives as one
// JSON object on one line of standard input, and the handler answers each
// with one line on standard output, flushed at once:
//
//	{"key":"<the effect's key>","ok":true}
//	{"key":"<the effect's key>","ok":false,"error":"<why>"}
//
// Delivery is at least once: after a crash the same effect comes again with
// the same key, which the systems called take as an idempotency key. What
// the handler writes to standard error is kept with the attempt; a handler
// that exits or answers anything else is restarted, and the effect it held
// is tried again.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
)

// An effect document: the fields this handler reads.
type effect struct {
	Key  string `json:"key"`
	Kind string `json:"kind"`
}

type reply struct {
	Key   string `json:"key"`
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

// carryOut does what the effect says, passing its key on as the
// idempotency key of the systems it calls; an error fails the attempt.
func carryOut(e effect) error {
	if e.Kind == "" {
		return fmt.Errorf("effect %s has no kind", e.Key)
	}
	return nil
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 64*1024), 1024*1024)
	out := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(out) // one line per reply
	for in.Scan() {
		var e effect
		if err := json.Unmarshal(in.Bytes(), &e); err != nil {
			fmt.Fprintf(os.Stderr, "not an effect document: %v\n", err)
			os.Exit(1) // the dispatcher fails the attempt and starts us again
		}
		r := reply{Key: e.Key, OK: true}
		if err := carryOut(e); err != nil {
			r = reply{Key: e.Key, OK: false, Error: err.Error()}
		}
		if err := enc.Encode(r); err != nil {
			os.Exit(1)
		}
		if err := out.Flush(); err != nil {
			os.Exit(1)
		}
	}
	if err := in.Err(); err != nil {
		fmt.Fprintf(os.Stderr, "reading effects: %v\n", err)
		os.Exit(1)
	}
}
