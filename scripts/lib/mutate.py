"""Mutation testing of libedition's C library: the engine of scripts/mutate.

For each file given (default lib/transitions.c and lib/effects.c)
universalmutator writes every mutant it can make (one line changed, removed
or followed by a break/continue). A seeded sample of them (or all) is
tried, each in a copy of the tree with a build directory of its own per
job (build/mutate/job-N/), never in the checkout:

  0. the sample (--sample N per file) is the N mutants whose description
     hashes lowest with --seed: stable when the file changes elsewhere;
  1. the mutant replaces the file and its object is compiled (-Werror, as
     CI builds); a mutant that does not compile is not counted further;
  2. an object identical to the original's, debug information aside, is an
     equivalent mutant ("same code"): nothing can tell them apart;
  3. otherwise the library and the test programs are rebuilt and the tests
     of the suites (default core, yaml, alloc) run, fastest first, until
     one fails (the mutant is killed) or all pass (it survived). A test
     that runs more than ten times its time on the original (at least
     20 s) counts as failing.

A survivor is an equivalent mutant when tests/mutation/equivalent.txt
lists it, with the reason no test can kill it. The file matches mutants
by file, enclosing function and the text of the line before and after the
mutation, never by line number, so entries survive edits elsewhere. Any
other survivor is printed (its record, ready to add once proven
equivalent, and its diff) and the exit status is 1.
"""

import argparse
import dataclasses
import difflib
import hashlib
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import time

DEFAULT_FILES = ["lib/transitions.c", "lib/effects.c"]
DEFAULT_SUITES = ["core", "yaml", "alloc"]
EQUIVALENT_FILE = "tests/mutation/equivalent.txt"


# ---- mutants ------------------------------------------------------------

@dataclasses.dataclass
class Mutant:
    file: str  # relative to the root, e.g. lib/effects.c
    number: int  # universalmutator's number, for the record only
    text: str  # the whole mutated file
    line: int  # first line changed (1-based)
    before: list  # the original lines replaced (stripped)
    after: list  # the lines put instead (stripped)
    function: str  # the enclosing function, or "" at file level
    key: tuple = ()
    outcome: str = ""  # uncompilable, same-code, killed, survived
    detail: str = ""  # the test that killed it, or why it did not build
    seconds: float = 0.0

    def describe(self):
        return "%s:%d: %s ==> %s" % (self.file, self.line, " / ".join(self.before) or "(nothing)",
                                     " / ".join(self.after) or "(nothing)")


FUNCTION_RE = re.compile(r"^[A-Za-z_][^;=]*?\b([A-Za-z_]\w*)\s*\(")


def enclosing_function(lines, index):
    """The name of the C function the line at index is in: the nearest
    definition above it starting in column 0 (the project's style)."""
    for i in range(index, -1, -1):
        line = lines[i]
        if line.startswith("}") and i != index:
            return ""
        m = FUNCTION_RE.match(line)
        if m and not line.startswith(("typedef", "struct", "#", "static const struct")):
            return m.group(1)
    return ""


def describe_change(original, mutated):
    """First changed line and the stripped original/mutated chunks."""
    a, b = original.splitlines(), mutated.splitlines()
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    end_a, end_b = len(a), len(b)
    while end_a > start and end_b > start and a[end_a - 1] == b[end_b - 1]:
        end_a -= 1
        end_b -= 1
    before = [s.strip() for s in a[start:end_a]]
    after = [s.strip() for s in b[start:end_b]]
    if not before and start > 0:
        # an inserted line: name the line it follows
        start -= 1
        before = [a[start].strip()]
        after = [a[start].strip()] + after
    return start, before, after, enclosing_function(a, min(start, len(a) - 1))


def normalize(text):
    return re.sub(r"\s+", " ", text).strip()


def mutant_key(file, function, before, after, occurrence):
    return (file, function, occurrence, normalize(" / ".join(before)),
            normalize(" / ".join(after)))


def generate(args, file, workdir):
    """Every mutant of one file, in a stable order, keyed."""
    src = os.path.join(args.root, file)
    with open(src) as f:
        original = f.read()
    out = os.path.join(workdir, "mutants", file.replace("/", "_"))
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    base = os.path.basename(file)
    shutil.copyfile(src, os.path.join(out, base))
    log = os.path.join(out, "universalmutator.log")
    with open(log, "w") as f:
        subprocess.run([args.mutator, base, "c", "--noCheck", "--mutantDir", "m"], cwd=out,
                       stdout=f, stderr=subprocess.STDOUT, check=True)
    stem, ext = os.path.splitext(base)
    seen, mutants = set(), []
    for name in os.listdir(os.path.join(out, "m")):
        m = re.fullmatch(re.escape(stem) + r"\.mutant\.(\d+)" + re.escape(ext), name)
        if not m:
            continue
        with open(os.path.join(out, "m", name)) as f:
            text = f.read()
        # universalmutator writes some mutants several times, indented
        # differently: one of them is enough
        flat = re.sub(r"\s+", " ", text)
        if flat == re.sub(r"\s+", " ", original) or flat in seen:
            continue
        seen.add(flat)
        line, before, after, function = describe_change(original, text)
        mutants.append(Mutant(file, int(m.group(1)), text, line + 1, before, after, function))
    mutants.sort(key=lambda x: (x.line, x.before, x.after))
    counts = {}
    for x in mutants:
        k = (x.function, normalize(" / ".join(x.before)), normalize(" / ".join(x.after)))
        counts[k] = counts.get(k, 0) + 1
        x.key = mutant_key(file, x.function, x.before, x.after, counts[k])
    return original, mutants


# ---- the list of equivalent mutants --------------------------------------

def record(m, reason="?"):
    where = m.function or "(file level)"
    occurrence = m.key[2]
    head = "[%s] %s" % (m.file, where) + (" #%d" % occurrence if occurrence > 1 else "")
    lines = [head]
    lines += ["- " + s for s in m.before] or ["- "]
    lines += ["+ " + s for s in m.after] or ["+ "]
    lines.append("= " + reason)
    return "\n".join(lines)


def read_equivalents(path):
    """{key: reason} from the equivalent file (records of record())."""
    found = {}
    if not os.path.exists(path):
        return found
    with open(path) as f:
        blocks = re.split(r"\n\s*\n", "\n".join(
            line for line in f.read().splitlines() if not line.startswith("#")))
    for n, block in enumerate(blocks, 1):
        rows = [r for r in block.strip().splitlines() if r.strip()]
        if not rows:
            continue
        m = re.fullmatch(r"\[(.+?)\] (.+?)(?: #(\d+))?", rows[0].strip())
        reasons = [r[2:] for r in rows if r.startswith("= ")]
        if not m or not reasons or not reasons[0].strip() or reasons[0].strip() == "?":
            sys.exit("mutate: %s: record %d must start with '[FILE] FUNCTION' and end with "
                     "'= REASON': %r" % (path, n, rows[0]))
        function = "" if m.group(2) == "(file level)" else m.group(2)
        before = [r[2:].strip() for r in rows if r.startswith("-")]
        after = [r[2:].strip() for r in rows if r.startswith("+")]
        key = mutant_key(m.group(1), function, [b for b in before if b],
                         [a for a in after if a], int(m.group(3) or 1))
        found[key] = reasons[0].strip()
    return found


# ---- the copies of the tree and their builds ------------------------------

def run(cmd, cwd, timeout=None, env=None):
    return subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=timeout)


def tree_files(root):
    out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                         cwd=root, stdout=subprocess.PIPE, check=True).stdout
    return [p for p in out.decode().split("\0") if p and os.path.isfile(os.path.join(root, p))]


def sync_tree(root, files, dest):
    """dest becomes a copy of the tree; unchanged files keep their times
    so that the build directory inside is reused."""
    for rel in files:
        src, dst = os.path.join(root, rel), os.path.join(dest, rel)
        with open(src, "rb") as f:
            data = f.read()
        try:
            with open(dst, "rb") as f:
                if f.read() == data:
                    continue
        except FileNotFoundError:
            os.makedirs(os.path.dirname(dst), exist_ok=True)
        with open(dst, "wb") as f:
            f.write(data)
        shutil.copymode(src, dst)


class Job:
    def __init__(self, args, n, files):
        self.args = args
        self.tree = os.path.join(args.workdir, "job-%d" % n)
        self.build = os.path.join(self.tree, "build")
        os.makedirs(self.tree, exist_ok=True)
        sync_tree(args.root, files, self.tree)
        self.dirty = None  # the file a mutant replaced last

    def setup(self):
        if not os.path.exists(os.path.join(self.build, "build.ninja")):
            r = run(["meson", "setup", "build", "-Dwerror=true"], self.tree)
        else:
            # a meson.build changed since: regenerate before introspecting
            r = run(["ninja", "build.ninja"], self.build)
        if r.returncode != 0:
            sys.exit("mutate: meson setup failed in %s:\n%s" % (self.tree, r.stdout))

    def tests(self, suites):
        r = run(["meson", "introspect", "build", "--tests"], self.tree)
        chosen = []
        for t in json.loads(r.stdout):
            if {s.split(":")[-1] for s in t["suite"]} & set(suites):
                chosen.append(t)
        return chosen

    def objects(self, file):
        r = run(["ninja", "-t", "targets", "all"], self.build)
        d, base = os.path.dirname(file), os.path.basename(file)
        return sorted({line.split(":")[0] for line in r.stdout.splitlines()
                       if re.fullmatch(re.escape(d) + r"/[^/]+\.p/" + re.escape(base) + r"\.o",
                                       line.split(":")[0])})

    def ninja(self, targets):
        return run(["ninja", "-j", "1"] + targets, self.build, timeout=600)

    def put(self, file, text):
        if self.dirty and self.dirty != file:
            self.restore()
        with open(os.path.join(self.tree, file), "w") as f:
            f.write(text)
        self.dirty = file

    def restore(self):
        if self.dirty:
            shutil.copyfile(os.path.join(self.args.root, self.dirty),
                            os.path.join(self.tree, self.dirty))
            self.dirty = None


def code_hash(path, scratch):
    """The object without its debug information: same hash, same code."""
    r = run(["objcopy", "--strip-debug", path, scratch], os.path.dirname(path))
    if r.returncode != 0:
        raise RuntimeError("objcopy failed on %s: %s" % (path, r.stdout))
    with open(scratch, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def run_tests(tests, job, limit):
    """The first test that fails, or None when all pass."""
    for t in tests:
        env = dict(os.environ)
        env.update(t["env"])
        cmd = [c.replace(t["_build"], job.build).replace(t["_tree"], job.tree) for c in t["cmd"]]
        for k, v in list(env.items()):
            if k in t["env"]:
                env[k] = v.replace(t["_build"], job.build).replace(t["_tree"], job.tree)
        timeout = max(20.0, 10 * t["_seconds"])
        timeout = min(timeout, float(t["timeout"] or 600), limit)
        try:
            r = subprocess.run(cmd, cwd=t["workdir"] or job.build, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               timeout=timeout)
        except subprocess.TimeoutExpired:
            return "%s (timed out after %.0f s)" % (t["name"], timeout)
        if r.returncode != 0:
            return t["name"]
    return None


# ---- the run --------------------------------------------------------------

def main():
    p = argparse.ArgumentParser(prog="scripts/mutate", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--root", required=True, help=argparse.SUPPRESS)
    p.add_argument("--mutator", required=True, help=argparse.SUPPRESS)
    p.add_argument("--files", nargs="+", default=DEFAULT_FILES,
                   help="C files of the tree to mutate (default: %(default)s)")
    p.add_argument("--sample", type=int, default=200,
                   help="mutants tried per file, drawn with --seed (default: %(default)s)")
    p.add_argument("--all", action="store_true", help="try every mutant (slow: hours)")
    p.add_argument("--grep", metavar="REGEX",
                   help="only the mutants whose description (FILE:LINE: BEFORE ==> AFTER) "
                        "matches, before sampling: to retry some survivors")
    p.add_argument("--seed", type=int, default=25, help="seed of the sample (default: %(default)s)")
    p.add_argument("--suites", nargs="+", default=DEFAULT_SUITES,
                   help="meson suites run against each mutant (default: %(default)s)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="mutants tried at once, each in a build of its own (default: nproc)")
    p.add_argument("--timeout", type=float, default=600,
                   help="seconds any one test may take on a mutant (default: %(default)s)")
    p.add_argument("--workdir", help="where the copies live (default: ROOT/build/mutate)")
    p.add_argument("--equivalent", help="the list of equivalent mutants (default: ROOT/%s)"
                   % EQUIVALENT_FILE)
    p.add_argument("--report", help="also write every outcome to this file (JSON)")
    args = p.parse_args()
    args.workdir = os.path.abspath(args.workdir or os.path.join(args.root, "build", "mutate"))
    args.equivalent = args.equivalent or os.path.join(args.root, EQUIVALENT_FILE)
    for f in args.files:
        if not os.path.isfile(os.path.join(args.root, f)) or not f.endswith(".c"):
            sys.exit("mutate: %s is not a C file of the tree (give paths like lib/effects.c)" % f)
    started = time.monotonic()
    equivalents = read_equivalents(args.equivalent)

    # the mutants
    chosen, originals = [], {}
    for f in args.files:
        originals[f], mutants = generate(args, f, args.workdir)
        if args.grep:
            mutants = [m for m in mutants if re.search(args.grep, m.describe())]
        if not args.all and len(mutants) > args.sample:
            # the N mutants whose keys hash lowest: an edit elsewhere in the
            # file leaves the others in the sample, so samples before and
            # after a change are comparable
            def rank(m):
                return hashlib.sha256(repr((args.seed,) + m.key).encode()).hexdigest()
            mutants = sorted(sorted(mutants, key=rank)[:args.sample], key=lambda x: x.line)
        chosen += mutants
        print("mutate: %s: trying %d mutants" % (f, len(mutants)), flush=True)

    # the copies, their builds, the tests on the original
    files = tree_files(args.root)
    jobs = [Job(args, n, files) for n in range(max(1, args.jobs))]
    for j in jobs:
        j.setup()
    tests = jobs[0].tests(args.suites)
    if not tests:
        sys.exit("mutate: no test in the suites %s" % " ".join(args.suites))
    targets = set()
    for t in tests:
        t["_build"], t["_tree"] = jobs[0].build, jobs[0].tree
        for c in t["cmd"]:
            c = os.path.normpath(c)
            if c.startswith(jobs[0].build + os.sep):
                targets.add(os.path.relpath(c, jobs[0].build))
    objects = {f: jobs[0].objects(f) for f in args.files}
    for f, objs in objects.items():
        if not objs:
            sys.exit("mutate: no object of the build is compiled from %s" % f)
    targets = sorted(targets)
    print("mutate: building %d programs in %d copies of the tree under %s"
          % (len(targets), len(jobs), args.workdir), flush=True)
    errors = []

    def initial(j):
        r = j.ninja(targets)
        if r.returncode != 0:
            errors.append("the build fails in %s:\n%s" % (j.tree, r.stdout[-3000:]))
    threads = [threading.Thread(target=initial, args=(j,)) for j in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        sys.exit("mutate: " + errors[0])
    baseline = {}
    for f in args.files:
        baseline[f] = [code_hash(os.path.join(jobs[0].build, o), os.path.join(jobs[0].tree, "strip.o"))
                       for o in objects[f]]
    for t in tests:
        t0 = time.monotonic()
        t["_seconds"] = args.timeout / 10
        failed = run_tests([t], jobs[0], args.timeout)
        t["_seconds"] = time.monotonic() - t0
        if failed:
            sys.exit("mutate: the test %s fails without any mutant; fix that first" % failed)
    tests.sort(key=lambda t: t["_seconds"])
    print("mutate: the %d tests take %.1f s on the original" %
          (len(tests), sum(t["_seconds"] for t in tests)), flush=True)

    # the mutants, one job each at a time
    work = queue.Queue()
    for m in chosen:
        work.put(m)
    lock = threading.Lock()
    by_code = {}  # code hash -> outcome already found for that code
    done = [0]

    def worker(j):
        scratch = os.path.join(j.tree, "strip.o")
        while True:
            try:
                m = work.get_nowait()
            except queue.Empty:
                break
            t0 = time.monotonic()
            j.put(m.file, m.text)
            r = j.ninja(objects[m.file])
            if r.returncode != 0:
                m.outcome, m.detail = "uncompilable", "compile"
            else:
                code = tuple(code_hash(os.path.join(j.build, o), scratch) for o in objects[m.file])
                if list(code) == baseline[m.file]:
                    m.outcome = "same-code"
                else:
                    with lock:
                        known = by_code.get((m.file, code))
                    if known:
                        m.outcome, m.detail = known[0], known[1] + " (same code as another mutant)"
                    else:
                        r = j.ninja(targets)
                        if r.returncode != 0:
                            m.outcome, m.detail = "uncompilable", "link"
                        else:
                            failed = run_tests(tests, j, args.timeout)
                            m.outcome, m.detail = ("killed", failed) if failed else ("survived", "")
                            with lock:
                                by_code[(m.file, code)] = (m.outcome, m.detail)
            m.seconds = time.monotonic() - t0
            with lock:
                done[0] += 1
                if done[0] % 25 == 0 or done[0] == len(chosen):
                    print("mutate: %d/%d mutants tried (%.0f s)" %
                          (done[0], len(chosen), time.monotonic() - started), flush=True)
        j.restore()
    threads = [threading.Thread(target=worker, args=(j,)) for j in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for j in jobs:
        j.ninja(targets)  # leaves each copy built from the original

    # the report
    status = 0
    listed_killed = []
    survivors = []
    print()
    print("%-22s %8s %9s %7s %9s %11s %7s" % ("file", "mutants", "compiled", "killed",
                                               "survived", "equivalent", "score"))
    for f in args.files:
        ms = [m for m in chosen if m.file == f]
        compiled = [m for m in ms if m.outcome != "uncompilable"]
        killed = [m for m in ms if m.outcome == "killed"]
        same = [m for m in ms if m.outcome == "same-code"]
        listed = [m for m in ms if m.outcome == "survived" and m.key in equivalents]
        left = [m for m in ms if m.outcome == "survived" and m.key not in equivalents]
        listed_killed += [m for m in killed if m.key in equivalents]
        survivors += left
        equivalent = len(same) + len(listed)
        score = 100.0 * len(killed) / (len(compiled) - equivalent) if len(compiled) > equivalent else 100.0
        print("%-22s %8d %9d %7d %9d %11s %6.1f%%" % (
            f, len(ms), len(compiled), len(killed), len(left),
            "%d (%d+%d)" % (equivalent, len(same), len(listed)), score))
    print("(equivalent: same object code + listed in %s; score: killed / (compiled - equivalent))"
          % os.path.relpath(args.equivalent, args.root))
    for m in listed_killed:
        print("\nmutate: listed as equivalent but killed by %s, remove it from %s:\n%s"
              % (m.detail, os.path.relpath(args.equivalent, args.root),
                 record(m, equivalents[m.key])))
        status = 1
    for m in survivors:
        print("\nmutate: SURVIVED %s\n%s" % (m.describe(), record(m)))
        diff = difflib.unified_diff(originals[m.file].splitlines(), m.text.splitlines(),
                                    "a/" + m.file, "b/" + m.file, n=2, lineterm="")
        print("\n".join(diff))
        status = 1
    if args.report:
        with open(args.report, "w") as f:
            json.dump([{"file": m.file, "line": m.line, "function": m.function,
                        "before": m.before, "after": m.after, "outcome": m.outcome,
                        "detail": m.detail, "seconds": round(m.seconds, 2),
                        "listed": m.key in equivalents,
                        "reason": equivalents.get(m.key, "")} for m in chosen], f, indent=1)
    print("\nmutate: %d mutants in %.0f s with %d jobs; %s" % (
        len(chosen), time.monotonic() - started, len(jobs),
        "%d survivors are not known equivalents" % len(survivors) if survivors
        else "no survivor but known equivalents"))
    return status


if __name__ == "__main__":
    sys.exit(main())
