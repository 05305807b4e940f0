#!/usr/bin/env python3
"""An example streaming handler for `edition fleet dispatch --exec-stream`
and `edition fleet run --exec-stream` (docs/fleet.md, "Streaming handlers").

It runs as long as its dispatcher worker does: each effect arrives as one
JSON object on one line of standard input, and the handler answers each
with one line on standard output, flushed at once:

    {"key": "<the effect's key>", "ok": true}
    {"key": "<the effect's key>", "ok": false, "error": "<why>"}

Delivery is at least once: after a crash the same effect comes again with
the same key, which the systems called take as an idempotency key. What the
handler writes to standard error is kept with the attempt; a handler that
exits or answers anything else is restarted, and the effect it held is
tried again.
"""
import json
import sys


def carry_out(effect):
    """Does what the effect says; raises to fail the attempt."""
    kind = effect["kind"]
    if not isinstance(kind, str):
        raise ValueError(f"kind is not a string: {kind!r}")
    # Call the control plane, send the notice, schedule the timer here,
    # passing effect["key"] on as the idempotency key.


def main():
    for line in sys.stdin:
        effect = json.loads(line)  # not a document: exit, and be restarted
        try:
            carry_out(effect)
            reply = {"key": effect["key"], "ok": True}
        except Exception as e:  # noqa: BLE001 - the attempt fails with the reason
            reply = {"key": effect["key"], "ok": False, "error": str(e)}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
