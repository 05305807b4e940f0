#!/bin/sh
# An example streaming handler for `edition fleet dispatch --exec-stream`
# and `edition fleet run --exec-stream` (docs/fleet.md, "Streaming
# handlers"), in POSIX sh with no JSON tool.
#
# It runs as long as its dispatcher worker does: each effect arrives as one
# JSON object on one line of standard input, and the handler answers each
# with one line on standard output, in order:
#
#     {"key":"<the effect's key>","ok":true}
#     {"key":"<the effect's key>","ok":false,"error":"<why>"}
#
# The key is the first field of the document, `{"key":"...","kind":...`,
# escaped as JSON: cut out with parameter expansion, it goes back into the
# reply as it came, still escaped (an escaped quote is `\"`, never `",`, so
# the first `","kind":` ends it). Delivery is at least once: after a crash
# the same effect comes again with the same key, which the systems called
# take as an idempotency key. What the handler writes to standard error is
# kept with the attempt; a handler that exits or answers anything else is
# restarted, and the effect it held is tried again.
set -u

while IFS= read -r effect; do
    case $effect in
        '{"key":"'*) ;;
        *) echo "not an effect document: $effect" >&2; exit 1 ;;
    esac
    rest=${effect#'{"key":"'}
    key=${rest%%'","kind":'*}
    kind=${rest#*'","kind":"'}
    kind=${kind%%'"'*}

    # Carry out the effect here, passing "$key" on as the idempotency key.
    case $kind in
        notice.*) : "send the notice to the owner of the instance" ;;
        instance.*) : "call the control plane" ;;
        *) : "schedule the timer, or whatever else the kind says" ;;
    esac

    printf '{"key":"%s","ok":true}\n' "$key"
done
