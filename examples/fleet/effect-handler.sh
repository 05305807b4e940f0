#!/bin/sh
# An example effect handler for `edition fleet dispatch` and `edition fleet
# run` (docs/fleet.md, "Effect handlers").
#
# The effect arrives as one JSON object on standard input (one line), its
# key in EDITION_EFFECT_KEY, its kind in EDITION_EFFECT_KIND and its
# instance in EDITION_EFFECT_INSTANCE. Exit 0 when the effect is carried
# out; any other status is retried with exponential backoff and, after the
# last attempt, kept as a failed effect (edition fleet effects DB --failed).
#
# Delivery is at least once: after a crash the same effect comes again with
# the same key. This handler is idempotent by key: it records each key it
# has carried out and does nothing for a key it has already seen.
set -eu

done_dir=${EDITION_HANDLER_STATE:-/var/lib/edition/done}
mkdir -p "$done_dir"

# A whole line or nothing: a dispatcher that died while writing leaves a
# partial document without its newline, and `read` fails.
IFS= read -r effect || { echo "no whole effect document on standard input" >&2; exit 1; }

# The key names a file, written in hexadecimal: one file per key and one
# key per file (replacing "/" by "__" made A/1/1/0 and A__1/1/0 one file,
# and the second effect was taken for done). A key of at most 127 bytes
# makes a name of at most 254.
marker="$done_dir/$(printf '%s' "$EDITION_EFFECT_KEY" | od -An -v -tx1 | tr -d ' \n')"
if [ -e "$marker" ]; then
    exit 0 # carried out before: a redelivery
fi

case "$EDITION_EFFECT_KIND" in
    notice.*)
        # send the notice to the owner of the instance
        logger -t edition-fleet "notice $EDITION_EFFECT_KEY: $effect" ;;
    instance.suspend | instance.delete | instance.resume)
        # call the control plane, passing the key as its idempotency key
        logger -t edition-fleet "control plane $EDITION_EFFECT_KIND $EDITION_EFFECT_INSTANCE" ;;
    *)
        logger -t edition-fleet "effect $EDITION_EFFECT_KEY: $EDITION_EFFECT_KIND" ;;
esac

# Recorded after the work: a crash in between repeats the work, which the
# systems called above deduplicate by the key.
: >"$marker"
