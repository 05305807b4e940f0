#!/usr/bin/env python3
"""Peak memory of `edition plan STATE upgrade --period-months 1` on the
largest legal state (1,000,000 topics and 1,000,000 groups), divided by
the size of the state file.

Usage: plan_memory.py EDITION WORKDIR

The state is generated into WORKDIR (once; reused when present). The
plan's output goes to /dev/null; the peak resident set size of the child
is read from getrusage(RUSAGE_CHILDREN). Prints one RATIO line."""
import os
import resource
import subprocess
import sys
import time

edition, workdir = sys.argv[1], sys.argv[2]
state = os.path.join(workdir, "state-1m.yaml")
if not os.path.exists(state):
    os.makedirs(workdir, exist_ok=True)
    tmp = state + ".tmp"
    with open(tmp, "w") as f:
        f.write("libedition: 1\ninstance:\n  id: MQ_INST_1380156306793859_BXq3ZzKs\n"
                "  endpoint: http://MQ_INST_1380156306793859_BXq3ZzKs.cn-hangzhou.mq-internal"
                ".aliyuncs.com:8080\n  region: cn-hangzhou\n  edition: standard\n"
                "  billing: pay_as_you_go\n  cluster: shared\n  lifecycle: active\n"
                "  revision: 3\n  created_at: 2026-01-05T00:00:00Z\n"
                "  updated_at: 2026-02-01T00:00:00Z\n  release_delay_days: 7\n")
        f.write("  topics: [" + ", ".join("topic-%07d" % i for i in range(1000000)) + "]\n")
        f.write("  groups: [" + ", ".join("GID_%07d" % i for i in range(1000000)) + "]\n")
    os.replace(tmp, state)
size = os.path.getsize(state)
t0 = time.monotonic()
with open(os.devnull, "wb") as out:
    rc = subprocess.run([edition, "plan", state, "upgrade", "--period-months", "1",
                         "--now", "2026-02-10T00:00:00Z"], stdout=out).returncode
elapsed = time.monotonic() - t0
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
if rc != 0:
    print("plan_memory: edition plan exited %d" % rc, file=sys.stderr)
    sys.exit(2)
print("plan upgrade of 1,000,000 topics + 1,000,000 groups: %.2f s, peak RSS %d bytes, "
      "state file %d bytes" % (elapsed, peak, size))
print("RATIO max_state_upgrade_memory %.2f 8 <=" % (peak / size))
