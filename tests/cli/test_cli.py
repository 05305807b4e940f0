"""Tests of the `edition` command, run as a user runs it.

The binary is $EDITION (meson passes the one it built); the example
scenarios are $EDITION_EXAMPLES. Golden outputs live in tests/cli/golden/;
regenerate them with EDITION_UPDATE_GOLDEN=1 and read the diff before
committing: a golden is a claim that the output is right.
"""

import os
import pathlib
import pty
import re
import resource
import select
import signal
import stat
import subprocess
import sys
import tempfile
import shutil

import pytest

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
GOLDEN = HERE / "golden"
# absolute: some tests run it from another working directory
EDITION = os.path.abspath(os.environ.get("EDITION",
                                         str(ROOT / "build" / "tools" / "edition" / "edition")))
EXAMPLES = pathlib.Path(os.environ.get("EDITION_EXAMPLES", str(ROOT / "examples" / "scenarios")))
UPDATE = os.environ.get("EDITION_UPDATE_GOLDEN") == "1"

STAGES = ["after-lock", "mid-effects", "after-effects", "after-temp-write",
          "before-rename", "after-rename"]

STANDARD = """\
libedition: 1
instance:
  id: MQ_INST_1
  endpoint: http://MQ_INST_1.example:8080
  edition: standard
  created_at: 2026-01-05T00:00:00Z
  topics: [orders, payments]
  groups: [GID_billing]
"""

# A full-form platinum snapshot, as the library writes it.
PLATINUM = """\
libedition: 1
instance:
  id: MQ_INST_1
  endpoint: http://MQ_INST_1.example:8080
  region: cn-hangzhou
  edition: enterprise_platinum
  billing: subscription
  cluster: dedicated
  lifecycle: active
  revision: 3
  created_at: 2026-01-05T00:00:00Z
  updated_at: 2026-02-10T00:00:00Z
  release_delay_days: 7
  subscription:
    started_at: 2026-02-01T00:00:00Z
    expires_at: 2026-03-01T00:00:00Z
    period_months: 1
    post_expiration_action: delete_resource
  topics: [orders, payments]
  groups: [GID_billing]
"""

USAGE_RE = re.compile(r"^edition: invalid_argument: .+\n\Z")


def run(*args, env=None, stdin=None, cwd=None, preexec_fn=None):
    full_env = dict(os.environ)
    full_env.pop("EDITION_TEST_FAULT", None)
    full_env.pop("NO_COLOR", None)
    if env:
        full_env.update(env)
    return subprocess.run([EDITION, *args], capture_output=True, text=True, env=full_env,
                          input=stdin, cwd=cwd, preexec_fn=preexec_fn, timeout=60)


def write(path, text, mode=None):
    path = pathlib.Path(path)
    path.write_text(text)
    if mode is not None:
        path.chmod(mode)
    return path


def documents(text):
    """Splits an effects log into its documents, checking each is whole."""
    assert text.startswith("---\n") and text.endswith("\n...\n"), text[-200:]
    docs = text.split("---\n")[1:]
    for d in docs:
        assert d.endswith("...\n"), d
        assert d.startswith("libedition: 1\neffects:"), d
        assert d.count("\n...\n") == 1
    return docs


def no_core_dumps():
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


@pytest.fixture(scope="session", autouse=True)
def binary():
    if not os.access(EDITION, os.X_OK):
        pytest.fail(f"no edition binary at {EDITION}; set EDITION")


@pytest.fixture
def state(tmp_path):
    return write(tmp_path / "state.yaml", STANDARD)


# --------------------------------------------------------------------------
# --version, help

def test_version():
    r = run("--version")
    assert r.returncode == 0
    assert re.fullmatch(r"edition \d+\.\d+\.\d+ \(libedition \d+\.\d+\.\d+\)\n", r.stdout)
    assert r.stderr == ""


def test_help_lists_every_command():
    r = run("help")
    assert r.returncode == 0
    for name in ["show", "check", "init", "plan", "apply", "tick", "next", "simulate", "graph",
                 "help", "--version"]:
        assert re.search(rf"^  {re.escape(name)}\b", r.stdout, re.M), name
    assert run("--help").stdout == r.stdout


@pytest.mark.parametrize("name", ["show", "check", "init", "plan", "apply", "tick", "next",
                                  "simulate", "graph"])
def test_help_of_a_command(name):
    r = run("help", name)
    assert r.returncode == 0
    assert r.stdout.startswith(f"usage: edition {name}")
    assert run(name, "--help").stdout == r.stdout


def test_help_names_every_lifecycle_command_and_man_page_too():
    text = run("help", "plan").stdout
    names = re.search(r"lifecycle command:\n(.*?)\.\n", text, re.S).group(1).replace(",", " ").split()
    assert "upgrade" in names and "plan_downgrade" in names and len(names) == 12
    man = (ROOT / "docs" / "edition.1").read_text().replace("\\-", "-")
    cli_md = (ROOT / "docs" / "cli.md").read_text()
    for n in names:
        assert n in man, n
        assert f"`{n}`" in cli_md, n


# --------------------------------------------------------------------------
# Exit 2: usage errors

@pytest.mark.parametrize("args", [
    [],
    ["frobnicate"],
    ["help", "frobnicate"],
    ["show"],
    ["show", "a.yaml", "b.yaml"],
    ["show", "STATE", "--format", "xml"],
    ["show", "STATE", "--now", "2026-02-01T00:00:00Z"],
    ["show", "STATE", "--bogus"],
    ["graph", "extra"],
    ["plan", "STATE"],
    ["plan", "STATE", "frobnicate", "--now", "2026-02-01T00:00:00Z"],
    ["plan", "STATE", "upgrade", "--now", "2026-02-01T00:00:00Z"],
    ["plan", "STATE", "upgrade", "--period-months", "one", "--now", "2026-02-01T00:00:00Z"],
    ["plan", "STATE", "upgrade", "--period-months", "1x", "--now", "2026-02-01T00:00:00Z"],
    ["plan", "STATE", "upgrade", "--period-months", "99999999999999999999999"],
    ["plan", "STATE", "upgrade", "--period-months", "1", "--now", "yesterday"],
    ["plan", "STATE", "upgrade", "--period-months", "1", "--now", "2026-02-01T00:00:00.5Z"],
    ["plan", "STATE", "upgrade", "--period-months", "1", "--period-months", "2"],
    ["plan", "STATE", "upgrade", "--period-months"],
    ["plan", "STATE", "tick", "--name", "orders"],
    ["plan", "STATE", "set_post_expiration_action", "--action", "explode"],
    ["plan", "STATE", "set_post_expiration_action"],
    ["plan", "STATE", "plan_downgrade", "--mode", "later"],
    ["plan", "STATE", "add_topic"],
    ["plan", "STATE", "refund", "--allow-data-loss=yes"],
    ["plan", "STATE", "upgrade", "--period-months", "1", "--effects-out", "e.yaml"],
    ["tick", "STATE", "--period-months", "1"],
    ["apply", "-", "tick", "--now", "2026-02-01T00:00:00Z"],
    ["next", "STATE", "--format", "text"],
    ["plan", "STATE", "upgrade", "--period-months", " 1"],
    ["plan", "STATE", "upgrade", "--period-months", "+5"],
    ["plan", "STATE", "upgrade", "--period-months", "1 "],
    ["plan", "STATE", "upgrade", "--period-months", "0x10"],
    ["plan", "STATE", "upgrade", "--period-months", "99999999999999999999"],
    ["plan", "STATE", "upgrade", "--period-months", "1", "--format", "html"],
    ["init", "STATE", "--standard", "--platinum", "--id", "I", "--endpoint", "E", "--now",
     "2026-02-01T00:00:00Z", "--period-months", "1"],
    ["init", "STATE", "--id", "I", "--endpoint", "E", "--now", "2026-02-01T00:00:00Z"],
    ["init", "STATE", "--standard", "--id", "I", "--endpoint", "E"],
    ["init", "STATE", "--standard", "--id", "I", "--endpoint", "E", "--now",
     "2026-02-01T00:00:00Z", "--period-months", "1"],
    ["init", "STATE", "--platinum", "--id", "I", "--endpoint", "E", "--now",
     "2026-02-01T00:00:00Z"],
    ["simulate", "SCENARIO", "--format", "html"],
])
def test_usage_errors_exit_2(tmp_path, args):
    args = [str(tmp_path / a) if a in ("STATE", "SCENARIO") else a for a in args]
    r = run(*args)
    assert r.returncode == 2, r
    assert USAGE_RE.match(r.stderr), r.stderr
    assert r.stdout == ""


def test_usage_error_lists_the_names(state):
    r = run("plan", str(state), "set_post_expiration_action", "--action", "explode")
    assert "delete_resource, downgrade_to_standard" in r.stderr
    r = run("plan", str(state), "frobnicate")
    assert "upgrade" in r.stderr and "plan_downgrade" in r.stderr


def test_unknown_fault_stage_is_a_usage_error(state):
    before = state.read_text()
    r = run("apply", str(state), "add_topic", "--name", "audit", env={"EDITION_TEST_FAULT": "oops"})
    assert r.returncode == 2 and USAGE_RE.match(r.stderr)
    assert state.read_text() == before


def test_options_after_double_dash_are_arguments(tmp_path):
    r = run("show", "--", "--format")
    assert r.returncode == 4
    assert r.stderr.startswith("edition: io_error: --format: cannot open")


# --------------------------------------------------------------------------
# Exit 4: I/O errors

@pytest.mark.parametrize("args", [
    ["show", "MISSING"],
    ["check", "MISSING"],
    ["next", "MISSING"],
    ["plan", "MISSING", "tick", "--now", "2026-02-01T00:00:00Z"],
    ["apply", "MISSING", "tick", "--now", "2026-02-01T00:00:00Z"],
    ["tick", "MISSING", "--now", "2026-02-01T00:00:00Z"],
    ["simulate", "MISSING"],
])
def test_missing_file_exits_4(tmp_path, args):
    path = str(tmp_path / "missing.yaml")
    args = [path if a == "MISSING" else a for a in args]
    r = run(*args)
    assert r.returncode == 4, r
    assert r.stderr == f"edition: io_error: {path}: cannot open: No such file or directory\n"
    assert not list(tmp_path.iterdir())


def test_directory_as_file_exits_4(tmp_path):
    r = run("show", str(tmp_path))
    assert r.returncode == 4
    assert r.stderr.startswith(f"edition: io_error: {tmp_path}: cannot read: ")


def test_full_standard_output_exits_4(state):
    with open("/dev/full", "w") as full:
        r = subprocess.run([EDITION, "show", str(state)], stdout=full, stderr=subprocess.PIPE,
                           text=True)
    assert r.returncode == 4
    assert r.stderr.startswith("edition: io_error: standard output: cannot write")


# --------------------------------------------------------------------------
# Exit 3: invalid input files, with path:line:column

def test_unknown_key_names_path_line_column(tmp_path):
    bad = write(tmp_path / "bad.yaml", STANDARD.replace("  edition: standard", "  edtion: standard"))
    r = run("show", str(bad))
    assert r.returncode == 3
    assert re.fullmatch(rf"edition: schema_error: {re.escape(str(bad))}:5:3: .*edtion.*\n", r.stderr), r.stderr
    assert r.stdout == ""


def test_parse_error_names_path_line_column(tmp_path):
    bad = write(tmp_path / "bad.yaml", "libedition: 1\ninstance: [unclosed\n")
    r = run("show", str(bad))
    assert r.returncode == 3
    assert re.fullmatch(rf"edition: parse_error: {re.escape(str(bad))}:\d+:\d+: .+\n", r.stderr), r.stderr


def test_check_reports_invalid_file_with_exit_1(tmp_path, state):
    r = run("check", str(state))
    assert (r.returncode, r.stdout) == (0, f"{state}: ok\n")
    bad = write(tmp_path / "bad.yaml", STANDARD.replace("edition: standard", "edition: gold"))
    r = run("check", str(bad))
    assert r.returncode == 1
    assert re.fullmatch(rf"edition: schema_error: {re.escape(str(bad))}:5:\d+: .+\n", r.stderr)


def test_oversized_file_is_limit_exceeded(tmp_path):
    big = tmp_path / "big.yaml"
    with open(big, "w") as f:
        f.write(STANDARD)
        f.write(("#" * 1023 + "\n") * (64 * 1024 + 1))
    r = run("show", str(big))
    assert r.returncode == 3
    assert r.stderr.startswith(f"edition: limit_exceeded: {big}")


def test_invalid_state_is_never_written(tmp_path):
    bad = write(tmp_path / "state.yaml", STANDARD + "bogus: 1\n")
    before = bad.read_bytes()
    r = run("apply", str(bad), "tick", "--now", "2026-02-01T00:00:00Z",
            "--effects-out", str(tmp_path / "effects.yaml"))
    assert r.returncode == 3
    assert re.match(rf"edition: schema_error: {re.escape(str(bad))}:9:1: ", r.stderr), r.stderr
    assert bad.read_bytes() == before
    assert not (tmp_path / "effects.yaml").exists()


def test_invalid_scenario_names_path_line_column(tmp_path):
    sc = write(tmp_path / "sc.yaml", STANDARD + """\
steps:
  - at: 2026-02-01T00:00:00Z
    command: upgrade
    period_months: 1
  - at: 2026-02-02T00:00:00Z
    command: teleport
""")
    r = run("simulate", str(sc))
    assert r.returncode == 3
    assert re.fullmatch(rf"edition: schema_error: {re.escape(str(sc))}:14:\d+: .*teleport.*\n", r.stderr), r.stderr
    # validated as a whole before any step runs: nothing printed
    assert r.stdout == ""


def test_scenario_argument_of_wrong_type(tmp_path):
    sc = write(tmp_path / "sc.yaml", STANDARD + """\
steps:
  - at: 2026-02-01T00:00:00Z
    command: upgrade
    period_months: many
""")
    r = run("simulate", str(sc))
    assert r.returncode == 3
    assert re.fullmatch(rf"edition: schema_error: {re.escape(str(sc))}:12:\d+: .+\n", r.stderr), r.stderr


# --------------------------------------------------------------------------
# show, next, plan

def test_show_yaml_reproduces_a_full_form_file(tmp_path):
    f = write(tmp_path / "p.yaml", PLATINUM)
    r = run("show", str(f))
    assert (r.returncode, r.stdout, r.stderr) == (0, PLATINUM, "")
    assert run("show", "-", stdin=PLATINUM).stdout == PLATINUM
    assert run("show", str(f), "--format=yaml").stdout == PLATINUM


def test_show_text(tmp_path):
    f = write(tmp_path / "p.yaml", PLATINUM)
    r = run("show", str(f), "--format", "text")
    assert r.returncode == 0
    assert "\x1b[" not in r.stdout
    for line in ["    id         MQ_INST_1\n",
                 "    edition    enterprise_platinum (billing subscription, cluster dedicated)\n",
                 "    revision   3\n",
                 "    expires    2026-03-01T00:00:00Z, then delete_resource\n",
                 "    topics     2: orders, payments\n",
                 "    groups     1: GID_billing\n",
                 "    next       2026-03-01T00:00:00Z (run tick then)\n"]:
        assert line in r.stdout


def test_next(tmp_path, state):
    f = write(tmp_path / "p.yaml", PLATINUM)
    assert run("next", str(f), "--now", "2026-02-20T00:00:00Z").stdout == \
        "2026-03-01T00:00:00Z\n"
    assert run("next", str(state)).stdout == "none\n"


def test_next_says_when_the_deadline_is_overdue(tmp_path):
    f = write(tmp_path / "p.yaml", PLATINUM)
    r = run("next", str(f), "--now", "2026-03-04T05:00:00Z")
    assert r.returncode == 0
    assert r.stdout == "2026-03-01T00:00:00Z (overdue by 3 days: run edition tick)\n"
    r = run("next", str(f), "--now", "2026-03-01T02:00:00Z")
    assert r.stdout == "2026-03-01T00:00:00Z (overdue by 2 hours: run edition tick)\n"
    r = run("next", str(f), "--now", "2026-03-01T00:00:00Z")
    assert r.stdout == "2026-03-01T00:00:00Z (due now: run edition tick)\n"
    # without --now, the clock (well after 2026-03-01 by the time tests run)
    assert run("next", str(f)).stdout.startswith("2026-03-01T00:00:00Z (overdue by ")


def test_plan_prints_outcome_and_writes_nothing(tmp_path, state):
    before = state.read_bytes()
    r = run("plan", str(state), "upgrade", "--period-months", "1", "--now", "2026-02-01T00:00:00Z")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("libedition: 1\ncommand: upgrade\nperiod_months: 1\n"
                               "at: 2026-02-01T00:00:00Z\nstatus: ok\ninstance:\n"
                               "  id: MQ_INST_1\n")
    assert "  edition: enterprise_platinum\n" in r.stdout
    assert "  revision: 1\n" in r.stdout
    assert "\neffects:\n- key: MQ_INST_1/1/0\n  kind: billing.convert\n" in r.stdout
    assert r.stdout.endswith("next_deadline: 2026-03-01T00:00:00Z\n")
    assert state.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.yaml"]


def test_plan_output_is_one_yaml_document(state):
    yaml = pytest.importorskip("yaml")
    r = run("plan", str(state), "upgrade", "--period-months", "1", "--now", "2026-02-01T00:00:00Z")
    doc = yaml.safe_load(r.stdout)
    assert doc["status"] == "ok" and doc["instance"]["revision"] == 1
    assert [e["kind"] for e in doc["effects"]][:2] == ["billing.convert", "topic.migrate"]


def test_plan_reads_standard_input():
    r = run("plan", "-", "add_topic", "--name", "audit", "--now", "2026-02-01T00:00:00Z",
            stdin=STANDARD)
    assert r.returncode == 0
    assert "  topics: [orders, payments, audit]\n" in r.stdout


def test_plan_downgrade_prints_the_plan(tmp_path):
    f = write(tmp_path / "p.yaml", PLATINUM)
    r = run("plan", str(f), "plan_downgrade", "--mode", "at_expiry", "--now", "2026-02-11T00:00:00Z")
    assert r.returncode == 0
    assert ("effects: []\nplan:\n- command: set_post_expiration_action\n"
            "  action: downgrade_to_standard\n- command: tick\n"
            "  at: 2026-03-01T00:00:00Z\nnext_deadline: 2026-03-01T00:00:00Z\n") in r.stdout


def test_now_defaults_to_the_clock(tmp_path):
    import datetime
    # created long ago, so that any clock is after it
    state = write(tmp_path / "state.yaml", STANDARD.replace("2026-01-05", "2000-01-01"))
    r = run("plan", str(state), "add_topic", "--name", "audit")
    assert r.returncode == 0, r.stderr
    at = re.search(r"^at: (\S+)$", r.stdout, re.M).group(1)
    t = datetime.datetime.strptime(at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    assert abs((datetime.datetime.now(datetime.timezone.utc) - t).total_seconds()) < 60


def test_now_with_offset_is_applied(state):
    r = run("plan", str(state), "add_topic", "--name", "audit", "--now=2026-02-01T08:00:00+08:00")
    assert "at: 2026-02-01T00:00:00Z\n" in r.stdout


# --------------------------------------------------------------------------
# Exit 1: refusals change nothing

def test_refusal_exits_1_and_reports(tmp_path):
    f = write(tmp_path / "p.yaml", PLATINUM)
    r = run("plan", str(f), "upgrade", "--period-months", "1", "--now", "2026-02-11T00:00:00Z")
    assert r.returncode == 1
    assert r.stderr.startswith("edition: already_enterprise_platinum: ")
    assert "status: already_enterprise_platinum\nmessage: " in r.stdout
    assert "effects: []\n" in r.stdout and "would_have" not in r.stdout


@pytest.mark.parametrize("args,code", [
    (["upgrade", "--period-months", "37"], "invalid_period"),
    (["upgrade", "--period-months", "-1"], "invalid_period"),
    (["add_topic", "--name", "ab"], "invalid_name"),
    (["add_topic", "--name", "orders"], "exists"),
    (["remove_group", "--name", "GID_nobody"], "not_found"),
    (["complete_migration"], "no_migration"),
    (["renew", "--period-months", "1"], "not_subscription"),
    (["downgrade"], "no_direct_downgrade"),
])
def test_apply_refused_writes_nothing(tmp_path, state, args, code):
    before = state.read_bytes()
    effects = tmp_path / "effects.yaml"
    r = run("apply", str(state), *args, "--now", "2026-02-01T00:00:00Z", "--effects-out", str(effects))
    assert r.returncode == 1, r
    assert r.stderr.startswith(f"edition: {code}: ")
    assert f"status: {code}\n" in r.stdout
    assert state.read_bytes() == before
    assert not effects.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".state")]


def test_clock_skew_is_refused(tmp_path):
    f = write(tmp_path / "p.yaml", PLATINUM)
    r = run("apply", str(f), "tick", "--now", "2026-02-09T00:00:00Z")
    assert r.returncode == 1 and r.stderr.startswith("edition: clock_skew: ")


def test_data_loss_refusal_shows_would_have(tmp_path):
    f = write(tmp_path / "p.yaml", PLATINUM)
    before = f.read_bytes()
    r = run("apply", str(f), "refund", "--now", "2026-02-11T00:00:00Z")
    assert r.returncode == 1
    assert r.stderr.startswith("edition: data_loss_refused: ")
    assert "status: data_loss_refused\n" in r.stdout
    assert "\neffects: []\nwould_have:\n- key: MQ_INST_1/4/0\n  kind: billing.refund\n" in r.stdout
    assert r.stdout.count("flags: [irreversible]") == 4
    assert f.read_bytes() == before
    # with the flag, it is done
    r = run("apply", str(f), "refund", "--allow-data-loss", "--now", "2026-02-11T00:00:00Z")
    assert r.returncode == 0, r.stderr
    assert "  lifecycle: released\n" in f.read_text()


# --------------------------------------------------------------------------
# apply and tick

def test_apply_replaces_state_and_appends_effects(tmp_path, state):
    effects = tmp_path / "effects.yaml"
    r = run("apply", str(state), "upgrade", "--period-months", "1", "--now", "2026-02-01T00:00:00Z",
            "--effects-out", str(effects))
    assert r.returncode == 0, r.stderr
    shown = run("show", str(state))
    assert shown.returncode == 0
    assert "  revision: 1\n" in shown.stdout and "  edition: enterprise_platinum\n" in shown.stdout
    # the state file is the library's full form, and the printed snapshot
    assert state.read_text() in "libedition: 1\n" + r.stdout[r.stdout.index("instance:"):]
    docs = documents(effects.read_text())
    assert len(docs) == 1 and "key: MQ_INST_1/1/0" in docs[0]

    r = run("apply", str(state), "set_post_expiration_action", "--action", "downgrade_to_standard",
            "--now", "2026-02-10T00:00:00Z", "--effects-out", str(effects))
    assert r.returncode == 0
    r = run("tick", str(state), "--now", "2026-03-01T00:00:00Z", "--effects-out", str(effects))
    assert r.returncode == 0
    docs = documents(effects.read_text())
    assert len(docs) == 3
    assert "kind: config.post_expiration_action" in docs[1]
    assert "key: MQ_INST_1/3/0\n  kind: billing.convert" in docs[2]
    assert "  edition: standard\n" in state.read_text()
    assert (tmp_path / "state.yaml.lock").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".state")]


def test_effects_file_is_a_yaml_stream(tmp_path, state):
    yaml = pytest.importorskip("yaml")
    effects = tmp_path / "effects.yaml"
    run("apply", str(state), "upgrade", "--period-months", "1", "--now", "2026-02-01T00:00:00Z",
        "--effects-out", str(effects))
    run("apply", str(state), "renew", "--period-months", "2", "--now", "2026-02-02T00:00:00Z",
        "--effects-out", str(effects))
    docs = list(yaml.safe_load_all(effects.read_text()))
    assert [d["libedition"] for d in docs] == [1, 1]
    assert docs[1]["effects"][0]["kind"] == "billing.renew"


def test_nothing_to_do_writes_nothing(tmp_path):
    f = write(tmp_path / "p.yaml", PLATINUM)
    ino = f.stat().st_ino
    effects = tmp_path / "effects.yaml"
    r = run("tick", str(f), "--now", "2026-02-20T00:00:00Z", "--effects-out", str(effects))
    assert r.returncode == 0
    assert "status: ok\n" in r.stdout and "effects: []\n" in r.stdout
    assert f.stat().st_ino == ino and f.read_text() == PLATINUM
    assert not effects.exists()


def test_change_without_effects_appends_nothing(tmp_path, state):
    effects = tmp_path / "effects.yaml"
    run("apply", str(state), "upgrade", "--period-months", "1", "--now", "2026-02-01T00:00:00Z")
    r = run("apply", str(state), "complete_migration", "--now", "2026-02-02T00:00:00Z",
            "--effects-out", str(effects))
    assert r.returncode == 0
    assert "  revision: 2\n" in state.read_text()
    assert not effects.exists()


def test_apply_keeps_permissions_and_follows_symlinks(tmp_path, state):
    state.chmod(0o600)
    link = tmp_path / "link.yaml"
    link.symlink_to(state.name)
    r = run("apply", str(link), "add_topic", "--name", "audit", "--now", "2026-02-01T00:00:00Z")
    assert r.returncode == 0, r.stderr
    assert link.is_symlink()
    assert "audit" in state.read_text()
    assert stat.S_IMODE(state.stat().st_mode) == 0o600


def test_refuses_to_append_to_a_foreign_file(tmp_path, state):
    effects = write(tmp_path / "effects.yaml", "my notes, not an effects log\n")
    before = state.read_bytes()
    r = run("apply", str(state), "add_topic", "--name", "audit", "--now", "2026-02-01T00:00:00Z",
            "--effects-out", str(effects))
    assert r.returncode == 4
    assert r.stderr.startswith(f"edition: io_error: {effects}: does not end with a whole effects document")
    assert effects.read_text() == "my notes, not an effects log\n"
    assert state.read_bytes() == before


@pytest.mark.parametrize("tail", [1, 100, 65533, 65534, 65535, 65536, 65537, 200000])
def test_incomplete_trailing_document_is_dropped(tmp_path, state, tail):
    # Whatever its length (the log is searched backwards in 64 KiB chunks),
    # a remnant after the last whole document is dropped, and only it.
    effects = tmp_path / "effects.yaml"
    assert run("apply", str(state), "add_topic", "--name", "audit", "--now", "2026-02-01T00:00:00Z",
               "--effects-out", str(effects)).returncode == 0
    whole = effects.read_text()
    remnant = ("---\nlibedition: 1\neffects:\n" + "#" * tail)[:tail]
    effects.write_text(whole + remnant)
    r = run("apply", str(state), "add_topic", "--name", "audit2", "--now", "2026-02-01T00:00:00Z",
            "--effects-out", str(effects))
    assert r.returncode == 0, r.stderr
    assert f"dropped {tail} bytes of an incomplete effects document" in r.stderr
    docs = documents(effects.read_text())
    assert len(docs) == 2 and effects.read_text().startswith(whole)


def unavailable(reason):
    """What a test needs is missing (a program, root): in CI (CI=true, where
    scripts/bootstrap installs everything and the runner is root) that is a
    failure, elsewhere a skip."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}, and CI=true")
    pytest.skip(reason)


@pytest.mark.parametrize("page", ["edition.1", "edition-fleet.1"])
def test_man_page_has_no_warnings(page):
    groff = shutil.which("groff")
    if not groff:
        unavailable("groff is not installed")
    r = subprocess.run([groff, "-man", "-ww", "-z", str(ROOT / "docs" / page)],
                       capture_output=True, text=True)
    assert (r.returncode, r.stderr) == (0, "")


def help_options(*command):
    """The options that `edition COMMAND --help` names, in its usage line and
    its list of options."""
    r = run(*command, "--help")
    assert r.returncode == 0, r.stderr
    usage = r.stdout.splitlines()[0]
    return (set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", usage)) |
            set(re.findall(r"^  (--[a-z][a-z-]*)", r.stdout, re.M)))


def test_man_page_names_every_option_of_every_command():
    man = (ROOT / "docs" / "edition.1").read_text()
    named = set()
    for name in ["show", "check", "init", "plan", "apply", "tick", "next", "simulate", "graph"]:
        for option in help_options(name):
            assert option.replace("-", "\\-") in man, (name, option)
            named.add(option)
    assert {"--effects-out", "--period-months", "--allow-data-loss"} <= named, named
    assert ".BR edition\\-fleet (1)" in man


def test_fleet_man_page_names_every_subcommand_and_option():
    r = run("fleet", "help")
    if r.returncode != 0:
        unavailable("edition was built without SQLite and PostgreSQL: " + r.stderr.strip())
    man = (ROOT / "docs" / "edition-fleet.1").read_text()
    subs = [line.split()[0] for line in r.stdout.splitlines()
            if line.startswith("  ") and not line.startswith("      ")]
    assert "run" in subs and "stats" in subs, subs
    named = set()
    for sub in subs:
        assert f"\n.B edition fleet {sub}\n" in man, sub
        for option in help_options("fleet", sub):
            assert option.replace("-", "\\-") in man, (sub, option)
            named.add(option)
    assert {"--exec", "--max-attempts", "--skipped"} <= named, named


def test_concurrent_applies_do_not_lose_updates(tmp_path, state):
    names = [f"topic_{i}" for i in range(12)]
    procs = [subprocess.Popen([EDITION, "apply", str(state), "add_topic", "--name", n,
                               "--now", "2026-02-01T00:00:00Z",
                               "--effects-out", str(tmp_path / "effects.yaml")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
             for n in names]
    for p in procs:
        assert p.wait(timeout=60) == 0, p.stderr.read()
    text = state.read_text()
    assert f"  revision: {len(names)}\n" in text
    for n in names:
        assert n in text
    docs = documents((tmp_path / "effects.yaml").read_text())
    assert sorted(re.search(r"key: MQ_INST_1/(\d+)/0", d).group(1) for d in docs) == \
        sorted(str(i) for i in range(1, len(names) + 1))


# --------------------------------------------------------------------------
# Atomic writes: failures and crashes leave the old state intact

def _as_unprivileged():
    """Runs the child as nobody when the tests run as root (root ignores
    directory permissions)."""
    if os.geteuid() != 0:
        return None

    def drop():
        os.setgroups([])
        os.setgid(65534)
        os.setuid(65534)
    return drop


@pytest.fixture
def shared_dir():
    # A directory nobody can reach too (pytest's tmp_path is private to root).
    d = pathlib.Path(tempfile.mkdtemp(prefix="edition-cli-"))
    d.chmod(0o755)
    yield d
    d.chmod(0o755)
    shutil.rmtree(d)


@pytest.mark.parametrize("lock_mode", [None, 0o666, 0o444])
def test_read_only_directory_exits_4_and_keeps_state(shared_dir, lock_mode):
    # lock_mode: no lock file yet (it cannot be created), or one that can be
    # opened for writing, or only for reading (flock needs no more).
    state = write(shared_dir / "state.yaml", STANDARD, 0o666)
    if lock_mode is not None:
        write(shared_dir / "state.yaml.lock", "", lock_mode)
    shared_dir.chmod(0o555)
    r = run("apply", str(state), "add_topic", "--name", "audit", "--now", "2026-02-01T00:00:00Z",
            preexec_fn=_as_unprivileged())
    assert r.returncode == 4, r
    if lock_mode is not None:
        assert re.match(rf"edition: io_error: {re.escape(str(state))}: cannot create a temporary file", r.stderr), r.stderr
    else:
        assert r.stderr.startswith(f"edition: io_error: {state}.lock: cannot create the lock file")
    assert state.read_text() == STANDARD
    assert sorted(p.name for p in shared_dir.iterdir()) == \
        ["state.yaml"] + (["state.yaml.lock"] if lock_mode is not None else [])


def _file_size_limit(limit):
    """A child with a file-size limit: a disk that fills up at `limit`."""
    def set_limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return set_limit


def _gcov_elsewhere(tmp_path):
    # In a coverage build the limit would also cut the process's own .gcda
    # files short and corrupt them for every later run: send them aside.
    return {"GCOV_PREFIX": str(tmp_path.parent / f"{tmp_path.name}-gcov"),
            "GCOV_PREFIX_STRIP": "0"}


def test_full_disk_keeps_state_and_rolls_back_effects(tmp_path):
    # A large state and a small effects document: the effects fit under the
    # file size limit, the new state does not. The append must be undone.
    topics = ", ".join(f"topic_{i:04d}" for i in range(300))
    state = write(tmp_path / "state.yaml", STANDARD.replace("[orders, payments]", f"[{topics}]"))
    before = state.read_bytes()
    effects = write(tmp_path / "effects.yaml", "")
    r = run("apply", str(state), "add_topic", "--name", "audit", "--now", "2026-02-01T00:00:00Z",
            "--effects-out", str(effects), preexec_fn=_file_size_limit(2048),
            env=_gcov_elsewhere(tmp_path))
    assert r.returncode == 4, r
    assert "cannot write the temporary file" in r.stderr and "File too large" in r.stderr
    assert state.read_bytes() == before
    assert effects.read_text() == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "effects.yaml", "effects.yaml.lock", "state.yaml", "state.yaml.lock"]


def test_full_disk_while_appending_effects(tmp_path, state):
    before = state.read_bytes()
    effects = tmp_path / "effects.yaml"
    r = run("apply", str(state), "upgrade", "--period-months", "1", "--now", "2026-02-01T00:00:00Z",
            "--effects-out", str(effects), preexec_fn=_file_size_limit(300),
            env=_gcov_elsewhere(tmp_path))
    assert r.returncode == 4, r
    assert r.stderr.startswith(f"edition: io_error: {effects}: cannot write the temporary file")
    assert state.read_bytes() == before
    assert not effects.exists()


def _apply_upgrade(state, effects, fault=None):
    env = {"EDITION_TEST_FAULT": fault} if fault else None
    return run("apply", str(state), "upgrade", "--period-months", "1", "--now",
               "2026-02-01T00:00:00Z", "--effects-out", str(effects), env=env,
               preexec_fn=no_core_dumps)


@pytest.mark.parametrize("stage", STAGES)
def test_crash_at_each_stage_leaves_old_or_new_state(tmp_path, stage):
    # The expected new snapshot, from a run without a fault.
    ref = write(tmp_path / "ref.yaml", STANDARD)
    assert _apply_upgrade(ref, tmp_path / "ref-effects.yaml").returncode == 0
    new = ref.read_text()

    d = tmp_path / "crash"
    d.mkdir()
    state = write(d / "state.yaml", STANDARD)
    effects = d / "effects.yaml"
    # one earlier run's document already in the log
    assert run("apply", str(state), "add_group", "--name", "GID_audit", "--now",
               "2026-01-10T00:00:00Z", "--effects-out", str(effects)).returncode == 0
    old = state.read_text()
    old_log = effects.read_text()

    r = _apply_upgrade(state, effects, fault=stage)
    assert r.returncode == -signal.SIGABRT, r
    assert f"aborting at {stage}" in r.stderr

    assert run("check", str(state)).returncode == 0
    expected = new.replace("[GID_billing]", "[GID_billing, GID_audit]").replace(
        "revision: 1\n", "revision: 2\n")
    assert state.read_text() == (expected if stage == "after-rename" else old)

    log = effects.read_text()
    if stage in ("after-lock",):
        assert log == old_log
    elif stage == "mid-effects":
        # the log is replaced whole: half written, its temporary file is
        # abandoned and the log itself untouched
        assert log == old_log
    else:
        assert len(documents(log)) == 2

    # The next run repairs the log and completes the command.
    r = _apply_upgrade(state, effects)
    if stage == "after-rename":
        assert r.returncode == 1  # already upgraded
        assert len(documents(effects.read_text())) == 2
    else:
        assert r.returncode == 0, r.stderr
        docs = documents(effects.read_text())
        # effects of the crashed run (revision 2, above the state's 1) are
        # dropped before the run appends its own under the same keys
        assert len(docs) == 2
        assert state.read_text() == expected
        orphaned = stage not in ("after-lock", "mid-effects")
        assert ("dropped 1 effects document" in r.stderr) == orphaned, r.stderr


# --------------------------------------------------------------------------
# simulate: golden outputs of every example

def example_files():
    return sorted(EXAMPLES.glob("*.yaml"))


def test_there_are_at_least_five_examples():
    assert len(example_files()) >= 5


def test_every_golden_has_its_example():
    stems = {p.stem for p in example_files()}
    for g in GOLDEN.glob("*"):
        assert g.stem in stems, f"{g} has no example"


def _check_golden(path, actual):
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(actual)
    assert path.exists(), f"no golden {path}; run with EDITION_UPDATE_GOLDEN=1 and check it"
    assert actual == path.read_text()


@pytest.mark.parametrize("example", example_files(), ids=lambda p: p.stem)
@pytest.mark.parametrize("fmt", ["yaml", "text"])
def test_simulate_golden(example, fmt):
    rel = os.path.relpath(example, ROOT) if example.is_relative_to(ROOT) else str(example)
    args = ["simulate", rel] + (["--format", "text"] if fmt == "text" else [])
    r = run(*args, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    _check_golden(GOLDEN / f"{example.stem}.{'yaml' if fmt == 'yaml' else 'txt'}", r.stdout)


@pytest.mark.parametrize("example", example_files(), ids=lambda p: p.stem)
def test_simulate_yaml_is_one_document_per_step(example):
    yaml = pytest.importorskip("yaml")
    r = run("simulate", str(example))
    docs = list(yaml.safe_load_all(r.stdout))
    assert [d["step"] for d in docs] == list(range(1, len(docs) + 1))
    steps = yaml.safe_load(example.read_text())["steps"]
    assert len(docs) == len(steps)
    for d in docs:
        assert ("message" in d) == (d["status"] != "ok")


def test_simulate_goes_on_after_a_refusal(tmp_path):
    sc = write(tmp_path / "sc.yaml", STANDARD + """\
steps:
  - at: 2026-02-01T00:00:00Z
    command: upgrade
    period_months: 37
  - at: 2026-02-01T00:00:00Z
    command: upgrade
    period_months: 1
""")
    r = run("simulate", str(sc))
    assert r.returncode == 0
    assert r.stdout.startswith("---\nstep: 1\n")
    assert "status: invalid_period\nmessage: " in r.stdout
    assert ("---\nstep: 2\nat: 2026-02-01T00:00:00Z\ncommand: upgrade\nperiod_months: 1\n"
            "status: ok\n") in r.stdout


def test_simulate_text_marks_refusals_and_irreversible_effects():
    r = run("simulate", str(EXAMPLES / "expiry-with-default-action-and-release.yaml"),
            "--format", "text")
    lines = r.stdout.splitlines()
    refused = [l for l in lines if "REFUSED" in l]
    assert refused and all(l.startswith("!!") for l in refused)
    irreversible = [l for l in lines if "IRREVERSIBLE" in l]
    assert len(irreversible) == 4 and all(l.startswith("!!") for l in irreversible)
    assert "summary    6 steps: 4 ok, 2 refused; 4 irreversible effects" in r.stdout


# --------------------------------------------------------------------------
# Colour: only on a terminal, never with NO_COLOR

def run_on_terminal(args, env):
    full_env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    full_env.update(env)
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execve(EDITION, [EDITION, *args], full_env)
        finally:
            os._exit(127)
    out = b""
    while True:
        try:
            ready, _, _ = select.select([fd], [], [], 30)
            if not ready:
                break
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), out.decode()


@pytest.mark.parametrize("no_color,coloured", [(None, True), ("", True), ("1", False)])
def test_colour_only_on_a_terminal_without_no_color(no_color, coloured):
    env = {} if no_color is None else {"NO_COLOR": no_color}
    args = ["simulate", str(EXAMPLES / "wrong-order-caught-by-data-loss-guard.yaml"), "--format", "text"]
    code, out = run_on_terminal(args, env)
    assert code == 0
    assert ("\x1b[" in out) == coloured
    assert "REFUSED" in out and "IRREVERSIBLE" in out
    # not a terminal: never colour
    assert "\x1b[" not in run(*args, env=env).stdout


# --------------------------------------------------------------------------
# graph

def test_graph_is_derived_from_the_library():
    r = run("graph")
    assert r.returncode == 0
    dot = r.stdout
    assert "digraph lifecycle {" in dot and dot.endswith("}\n")
    for node in ["standard_active", "enterprise_platinum_active", "enterprise_platinum_expired",
                 "released"]:
        assert f"  {node} [label=" in dot
    assert re.search(r"standard_active -> enterprise_platinum_active \[label=\"upgrade \[no migration\]", dot)
    assert re.search(r"enterprise_platinum_expired -> released \[label=\"tick \[now >= release_at\]", dot)
    assert re.search(r"enterprise_platinum_active -> released \[label=\"refund \[action = delete_resource, "
                     r"now < expires_at, allow_data_loss\]", dot)
    assert "downgrade: refused in every state (no_direct_downgrade)" in dot
    assert "released ->" not in dot


def test_committed_graph_is_up_to_date():
    committed = ROOT / "docs" / "lifecycle.dot"
    assert committed.read_text() == run("graph").stdout, "run scripts/graph"
    assert (ROOT / "docs" / "lifecycle.svg").exists()


# --------------------------------------------------------------------------
# One key, one effect: a crashed run's effects are not committed ones

def _keys_and_effects(text):
    """key -> the effect documents' entries (as text) under that key."""
    import yaml
    seen = {}
    for d in yaml.safe_load_all(text):
        if d is None:
            continue
        for e in d["effects"]:
            seen.setdefault(e["key"], []).append(e)
    return seen


def test_other_command_after_a_crash_never_reuses_a_key_for_another_effect(tmp_path, state):
    effects = tmp_path / "effects.yaml"
    now = ["--now", "2026-02-01T00:00:00Z"]
    assert run("apply", str(state), "add_topic", "--name", "orders2", *now,
               "--effects-out", str(effects)).returncode == 0
    r = run("apply", str(state), "add_topic", "--name", "alpha", *now,
            "--effects-out", str(effects), env={"EDITION_TEST_FAULT": "after-effects"},
            preexec_fn=no_core_dumps)
    assert r.returncode == -signal.SIGABRT
    assert "alpha" in effects.read_text() and "alpha" not in state.read_text()

    r = run("apply", str(state), "add_topic", "--name", "beta1", *now,
            "--effects-out", str(effects))
    assert r.returncode == 0, r.stderr
    assert re.fullmatch(
        r"edition: warning: .*effects\.yaml: dropped 1 effects document of revisions the "
        r"state never reached \(up to 2; the state is at revision 1\): .*\n", r.stderr), r.stderr
    log = effects.read_text()
    documents(log)
    assert "alpha" not in log
    by_key = _keys_and_effects(log)
    assert all(len(v) == 1 for v in by_key.values()), by_key
    assert by_key["MQ_INST_1/2/0"][0]["subject"] == {"topic": "beta1"}


def test_change_without_effects_still_drops_a_crashed_runs_effects(tmp_path, state):
    # complete_migration moves the revision without effects of its own: the
    # orphaned effects under that revision's keys must go before it is saved.
    effects = tmp_path / "effects.yaml"
    assert run("apply", str(state), "upgrade", "--period-months", "1", "--now",
               "2026-02-01T00:00:00Z", "--effects-out", str(effects)).returncode == 0
    r = run("apply", str(state), "set_post_expiration_action", "--action",
            "downgrade_to_standard", "--now", "2026-02-01T00:00:00Z", "--effects-out",
            str(effects), env={"EDITION_TEST_FAULT": "before-rename"},
            preexec_fn=no_core_dumps)
    assert r.returncode == -signal.SIGABRT
    r = run("apply", str(state), "complete_migration", "--now", "2026-02-02T00:00:00Z",
            "--effects-out", str(effects))
    assert r.returncode == 0, r.stderr
    assert "dropped 1 effects document" in r.stderr
    assert "  revision: 2\n" in state.read_text()
    assert "MQ_INST_1/2/" not in effects.read_text()


def test_other_instances_effects_in_a_shared_log_are_kept(tmp_path, state):
    effects = tmp_path / "effects.yaml"
    other = write(tmp_path / "other.yaml", STANDARD.replace("MQ_INST_1", "MQ_INST_2"))
    for _ in range(3):
        assert run("apply", str(other), "upgrade", "--period-months", "1", "--now",
                   "2026-02-01T00:00:00Z", "--effects-out", str(effects)).returncode in (0, 1)
    assert run("apply", str(state), "add_topic", "--name", "audit", "--now",
               "2026-02-01T00:00:00Z", "--effects-out", str(effects)).returncode == 0
    r = run("apply", str(state), "add_topic", "--name", "audit2", "--now",
            "2026-02-01T00:00:00Z", "--effects-out", str(effects))
    assert r.returncode == 0 and r.stderr == ""
    assert "MQ_INST_2/1/0" in effects.read_text()


# --------------------------------------------------------------------------
# A failure after the commit: exit 5, never "nothing changed"

APPLIED_RE = re.compile(r"^edition: io_error: standard output: .+: applied and saved, but its "
                        r"report could not be written: do not retry\n\Z")


def test_full_standard_output_after_apply_exits_5_and_the_state_moved(tmp_path):
    f = write(tmp_path / "p.yaml", PLATINUM)
    args = [EDITION, "apply", str(f), "renew", "--period-months", "12", "--now",
            "2026-02-20T00:00:00Z", "--effects-out", str(tmp_path / "e.yaml")]
    with open("/dev/full", "w") as full:
        r = subprocess.run(args, stdout=full, stderr=subprocess.PIPE, text=True)
    assert r.returncode == 5, r.stderr
    assert APPLIED_RE.match(r.stderr), r.stderr
    assert "No space left on device" in r.stderr
    assert "  revision: 4\n" in f.read_text()
    assert len(documents((tmp_path / "e.yaml").read_text())) == 1


def test_full_standard_output_of_plan_still_exits_4(state):
    with open("/dev/full", "w") as full:
        r = subprocess.run([EDITION, "plan", str(state), "add_topic", "--name", "audit",
                            "--now", "2026-02-01T00:00:00Z"], stdout=full,
                           stderr=subprocess.PIPE, text=True)
    assert r.returncode == 4
    assert r.stderr.startswith("edition: io_error: standard output: cannot write")


def test_closed_pipe_after_apply_exits_5_not_killed_by_sigpipe(state):
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before edition writes: EPIPE
    try:
        r = subprocess.run([EDITION, "apply", str(state), "add_topic", "--name", "audit",
                            "--now", "2026-02-01T00:00:00Z"], stdout=write_end,
                           stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(write_end)
    assert r.returncode == 5, r
    assert APPLIED_RE.match(r.stderr), r.stderr
    assert "Broken pipe" in r.stderr
    assert "audit" in state.read_text()


def test_closed_pipe_of_a_command_that_changes_nothing_ends_it_quietly(state):
    # like any filter (`edition simulate ... | head`): SIGPIPE, no message
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        r = subprocess.run([EDITION, "show", str(state)], stdout=write_end,
                           stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(write_end)
    assert r.returncode == -signal.SIGPIPE, r
    assert r.stderr == ""


# --------------------------------------------------------------------------
# --effects-out: the state file, streams, symbolic links

@pytest.mark.parametrize("how", ["same", "symlink", "hardlink", "relative", "lock"])
def test_effects_out_naming_the_state_file_is_a_usage_error(tmp_path, state, how):
    target = {"same": state, "symlink": tmp_path / "link.yaml",
              "hardlink": tmp_path / "hard.yaml", "relative": pathlib.Path("state.yaml"),
              "lock": tmp_path / "state.yaml.lock"}[how]
    if how == "symlink":
        target.symlink_to(state)
    elif how == "hardlink":
        os.link(state, target)
    elif how == "lock":
        write(target, "")
    before = state.read_bytes()
    r = run("apply", str(state), "add_topic", "--name", "audit", "--now",
            "2026-02-01T00:00:00Z", "--effects-out", str(target), cwd=tmp_path)
    assert r.returncode == 2, r
    assert USAGE_RE.match(r.stderr), r.stderr
    assert "--effects-out" in r.stderr
    assert state.read_bytes() == before
    assert r.stdout == ""


@pytest.mark.parametrize("unprivileged", [False, True])
def test_effects_out_dev_stdout_is_a_stream_without_a_lock_file(tmp_path, unprivileged):
    if unprivileged and os.geteuid() != 0:
        unavailable("needs root to run as another user")
    d = pathlib.Path(tempfile.mkdtemp(prefix="edition-cli-"))
    try:
        d.chmod(0o777)
        state = write(d / "state.yaml", STANDARD, 0o666)
        lock_existed = os.path.exists("/dev/stdout.lock")
        r = run("apply", str(state), "add_topic", "--name", "audit", "--now",
                "2026-02-01T00:00:00Z", "--effects-out", "/dev/stdout",
                preexec_fn=_as_unprivileged() if unprivileged else None)
        assert r.returncode == 0, r.stderr
        # (a coverage build run as nobody adds gcov's complaints: only ours count)
        assert "edition:" not in r.stderr, r.stderr
        effects, report = r.stdout.split("...\n", 1)
        assert effects.startswith("---\nlibedition: 1\neffects:\n- key: MQ_INST_1/1/0\n")
        assert report.startswith("libedition: 1\ncommand: add_topic\n")
        assert lock_existed or not os.path.exists("/dev/stdout.lock")
    finally:
        shutil.rmtree(d)


def test_effects_out_dev_stdout_into_a_file_keeps_both_documents(tmp_path, state):
    out = tmp_path / "out.txt"
    with open(out, "w") as f:
        r = subprocess.run([EDITION, "apply", str(state), "add_topic", "--name", "audit",
                            "--now", "2026-02-01T00:00:00Z", "--effects-out", "/dev/stdout"],
                           stdout=f, stderr=subprocess.PIPE, text=True)
    assert r.returncode == 0, r.stderr
    text = out.read_text()
    assert text.startswith("---\nlibedition: 1\neffects:\n")
    assert "\n...\nlibedition: 1\ncommand: add_topic\n" in text


def test_unwritable_lock_directory_reports_the_cause_not_the_fallbacks(shared_dir, state):
    if os.geteuid() != 0:
        unavailable("needs root to run as another user")
    logs = shared_dir / "logs"
    logs.mkdir()
    logs.chmod(0o555)  # nobody can create effects.yaml.lock here
    s = write(shared_dir / "state.yaml", STANDARD, 0o666)
    shared_dir.chmod(0o777)
    r = run("apply", str(s), "add_topic", "--name", "audit", "--now", "2026-02-01T00:00:00Z",
            "--effects-out", str(logs / "effects.yaml"), preexec_fn=_as_unprivileged())
    assert r.returncode == 4
    assert "effects.yaml.lock: cannot create the lock file of the effects file: " \
           "Permission denied" in r.stderr, r.stderr
    assert "No such file or directory" not in r.stderr
    assert s.read_text() == STANDARD


def test_symlinked_effects_file_is_followed_and_the_link_kept(tmp_path, state):
    real = tmp_path / "logs" / "effects.yaml"
    real.parent.mkdir()
    link = tmp_path / "effects-link.yaml"
    link.symlink_to(real)
    for name in ("audit", "audit2"):
        r = run("apply", str(state), "add_topic", "--name", name, "--now",
                "2026-02-01T00:00:00Z", "--effects-out", str(link))
        assert r.returncode == 0, r.stderr
    assert link.is_symlink()
    assert len(documents(real.read_text())) == 2
    assert (tmp_path / "logs" / "effects.yaml.lock").exists()


# --------------------------------------------------------------------------
# Untrusted text never reaches the terminal raw

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def test_control_characters_in_an_argument_are_escaped_in_the_error(state):
    r = run("plan", str(state), "add_topic", "--name", "evil\x1b]0;pwned\x07\nline2",
            "--now", "2026-02-01T00:00:00Z")
    assert r.returncode == 1
    assert not CONTROL.search(r.stderr), repr(r.stderr)
    assert r.stderr.count("\n") == 1
    assert "evil\\x1b]0;pwned\\x07\\nline2" in r.stderr


def test_control_characters_in_a_file_are_escaped_in_the_error(tmp_path):
    f = write(tmp_path / "s.yaml", STANDARD.replace("[orders, payments]",
                                                    '[orders, "a\\x1b[31mred"]'))
    r = run("check", str(f))
    assert r.returncode == 1
    assert not CONTROL.search(r.stderr), repr(r.stderr)
    assert "a\\x1b[31mred" in r.stderr


def test_control_characters_in_a_file_name_are_escaped(tmp_path):
    r = run("show", str(tmp_path / "no\x1b[2Jsuch\n.yaml"))
    assert r.returncode == 4
    assert not CONTROL.search(r.stderr) and r.stderr.count("\n") == 1, repr(r.stderr)


def test_simulate_text_escapes_step_arguments_so_markers_cannot_be_forged(tmp_path):
    sc = write(tmp_path / "sc.yaml", """\
libedition: 1
instance:
  id: MQ_INST_1
  endpoint: http://mq.example:8080
  edition: standard
  created_at: 2026-01-05T00:00:00Z
steps:
  - at: 2026-02-01T00:00:00Z
    command: add_topic
    name: "x\\n!!  REFUSED    nothing\\e[8m"
""")
    r = run("simulate", str(sc), "--format", "text")
    assert r.returncode == 0, r.stderr
    assert not CONTROL.search(r.stdout), repr(r.stdout)
    assert "name=x\\n!!  REFUSED    nothing\\x1b[8m" in r.stdout
    # the only "!!" line is the real refusal of that invalid name
    assert [l for l in r.stdout.splitlines() if l.startswith("!!")] == \
        [l for l in r.stdout.splitlines() if l.startswith("!!  REFUSED    invalid_name")]


# U+2028 and U+2029 end a line for some terminals and viewers, and the
# bidirectional controls reorder what follows them: a right-to-left override
# in a name could make a line name something else than it does.
HIDDEN = ["\u2028", "\u2029", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
          "\u2066", "\u2067", "\u2068", "\u2069"]
HIDDEN_IDS = [f"U+{ord(c):04X}" for c in HIDDEN]


def shown(ch):
    """How the CLI shows a hidden character: each byte of its UTF-8 as \\xNN."""
    return "".join(f"\\x{b:02x}" for b in ch.encode())


def raw_hidden(text):
    return [f"U+{ord(c):04X}" for c in HIDDEN if c in text]


@pytest.mark.parametrize("ch", HIDDEN, ids=HIDDEN_IDS)
def test_line_separators_and_bidi_controls_in_a_file_are_escaped_in_the_error(tmp_path, ch):
    # a YAML escape: YAML itself reads a raw U+2028 or U+2029 as a line break
    f = write(tmp_path / "s.yaml", STANDARD.replace("[orders, payments]",
                                                    f'[orders, "pay\\u{ord(ch):04x}ments"]'))
    r = run("check", str(f))
    assert r.returncode == 1
    assert not raw_hidden(r.stderr) and r.stderr.count("\n") == 1, repr(r.stderr)
    assert f"instance.topics[1]: invalid topic name `pay{shown(ch)}ments`" in r.stderr, r.stderr


@pytest.mark.parametrize("ch", HIDDEN, ids=HIDDEN_IDS)
def test_line_separators_and_bidi_controls_in_a_file_name_are_escaped_in_the_error(tmp_path, ch):
    r = run("show", str(tmp_path / f"no{ch}such.yaml"))
    assert r.returncode == 4
    assert not raw_hidden(r.stderr) and r.stderr.count("\n") == 1, repr(r.stderr)
    assert f"no{shown(ch)}such.yaml: " in r.stderr, r.stderr


@pytest.mark.parametrize("ch", HIDDEN, ids=HIDDEN_IDS)
def test_line_separators_and_bidi_controls_in_an_argument_are_escaped_in_the_error(state, ch):
    r = run("plan", str(state), "add_topic", "--name", f"evil{ch}x", "--now",
            "2026-02-01T00:00:00Z")
    assert r.returncode == 1
    assert not raw_hidden(r.stderr) and r.stderr.count("\n") == 1, repr(r.stderr)
    assert f"topic name 'evil{shown(ch)}x' must be" in r.stderr, r.stderr


@pytest.mark.parametrize("ch", HIDDEN, ids=HIDDEN_IDS)
def test_line_separators_and_bidi_controls_are_escaped_in_format_text(tmp_path, ch):
    state = write(tmp_path / f"state{ch}.yaml", STANDARD)
    r = run("plan", str(state), "add_topic", "--name", f"evil{ch}x", "--now",
            "2026-02-01T00:00:00Z", "--format", "text")
    assert r.returncode == 1
    assert not raw_hidden(r.stdout) and not raw_hidden(r.stderr), repr(r.stdout + r.stderr)
    assert f"add_topic name=evil{shown(ch)}x at " in r.stdout, r.stdout
    assert f"state{shown(ch)}.yaml, instance MQ_INST_1" in r.stdout, r.stdout
    assert f"topic name 'evil{shown(ch)}x' must be" in r.stdout, r.stdout

    sc = write(tmp_path / f"sc{ch}.yaml", f"""\
libedition: 1
instance:
  id: MQ_INST_1
  endpoint: http://mq.example:8080
  edition: standard
  created_at: 2026-01-05T00:00:00Z
steps:
  - at: 2026-02-01T00:00:00Z
    command: add_topic
    name: "x\\u{ord(ch):04x}!!  REFUSED    nothing"
""")
    r = run("simulate", str(sc), "--format", "text")
    assert r.returncode == 0, r.stderr
    assert not raw_hidden(r.stdout), repr(r.stdout)
    assert f"sc{shown(ch)}.yaml, 1 step" in r.stdout, r.stdout
    assert f"name=x{shown(ch)}!!  REFUSED    nothing\n" in r.stdout, r.stdout
    assert f"topic name 'x{shown(ch)}!!  REFUSED    nothing' must be" in r.stdout, r.stdout


# --------------------------------------------------------------------------
# Messages that name what was wrong

def test_nul_in_a_quoted_name_is_named_as_such(tmp_path):
    f = write(tmp_path / "s.yaml", STANDARD.replace("[orders, payments]",
                                                    '[payments, "orders\\0"]'))
    r = run("check", str(f))
    assert r.returncode == 1
    assert "instance.topics[1]: the string contains a NUL character" in r.stderr, r.stderr
    assert "`orders`" not in r.stderr


@pytest.mark.parametrize("field,value", [("id", "MQ_INST_1"), ("endpoint", "http://a")])
def test_nul_in_an_id_or_endpoint_is_named_as_such(tmp_path, field, value):
    quoted = f'  {field}: "{value}\\0x"'  # a YAML escape: NUL once loaded
    f = write(tmp_path / "s.yaml", re.sub(rf"  {field}: .*", lambda m: quoted, STANDARD,
                                          count=1))
    r = run("check", str(f))
    assert r.returncode == 1
    assert f"instance.{field}: the string contains a NUL character" in r.stderr, r.stderr


def test_nul_in_a_scenario_name_is_refused_not_truncated(tmp_path):
    sc = write(tmp_path / "sc.yaml", """\
libedition: 1
instance:
  id: MQ_INST_1
  endpoint: http://mq.example:8080
  edition: standard
  created_at: 2026-01-05T00:00:00Z
steps:
  - at: 2026-02-01T00:00:00Z
    command: add_topic
    name: "ord\\0ers"
""")
    r = run("simulate", str(sc))
    assert r.returncode == 3, r
    assert "steps[0].name: the string contains a NUL character" in r.stderr
    assert r.stdout == ""


@pytest.mark.parametrize("member,want,cut", [
    ('"edition": "standard", "id\\u0000": "x"', "instance: unknown key `id\\x00`", "`id`"),
    ('"edition": "standard\\u0000x"', "instance.edition: unknown edition `standard\\x00x`",
     "`standard`"),
], ids=["key", "enum value"])
def test_nul_in_a_key_or_an_enum_value_is_shown_whole_in_the_error(tmp_path, member, want, cut):
    f = write(tmp_path / "s.json", '{"libedition": 1, "instance": {"id": "MQ_INST_1", '
              '"endpoint": "http://mq:8080", "created_at": "2026-01-05T00:00:00Z", '
              + member + "}}\n")
    r = run("check", str(f))
    assert r.returncode == 1
    assert want in r.stderr, r.stderr
    assert cut not in r.stderr and r.stderr.count("\n") == 1, repr(r.stderr)


@pytest.mark.parametrize("given", ["99999999999", "-9223372036854775808",
                                   "9223372036854775807", "-5"])
def test_period_out_of_range_is_reported_as_given(state, given):
    r = run("plan", str(state), "upgrade", "--period-months", given, "--now",
            "2026-02-01T00:00:00Z")
    assert r.returncode == 1
    assert f"period_months {given} is outside 1..36" in r.stderr, r.stderr


def test_period_beyond_64_bits_is_a_usage_error_that_shows_it(state):
    r = run("plan", str(state), "upgrade", "--period-months", "99999999999999999999", "--now",
            "2026-02-01T00:00:00Z")
    assert r.returncode == 2
    assert "99999999999999999999 is far outside 1..36" in r.stderr


def test_expiry_past_9999_12_01_names_the_range_and_the_release_rule(tmp_path):
    f = write(tmp_path / "p.yaml", PLATINUM.replace("2026-03-01T00:00:00Z",
                                                    "9999-12-15T00:00:00Z"))
    r = run("check", str(f))
    assert r.returncode == 1
    assert "at most 9999-12-01T23:59:59Z" in r.stderr and "30 days" in r.stderr, r.stderr


def test_fractional_seconds_are_named(tmp_path, state):
    r = run("plan", str(state), "tick", "--now", "2026-02-01T00:00:00.250Z")
    assert r.returncode == 2
    assert "fractional seconds are not supported" in r.stderr
    f = write(tmp_path / "s.yaml", STANDARD.replace("2026-01-05T00:00:00Z",
                                                    "2026-01-05T00:00:00.5Z"))
    r = run("check", str(f))
    assert r.returncode == 1
    assert "fractional seconds are not supported" in r.stderr


# --------------------------------------------------------------------------
# init, plan/apply --format text

def test_init_writes_a_state_file_that_loads(tmp_path):
    f = tmp_path / "new.yaml"
    r = run("init", str(f), "--platinum", "--id", "MQ_INST_9", "--endpoint",
            "http://mq.example:8080", "--period-months", "3", "--region", "cn-hangzhou",
            "--now", "2026-02-01T00:00:00Z")
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"created {f}: enterprise_platinum instance MQ_INST_9, revision 0\n"
    assert run("check", str(f)).returncode == 0
    shown = run("show", str(f)).stdout
    assert "  expires_at: 2026-05-01T00:00:00Z\n" in shown
    assert "  region: cn-hangzhou\n" in shown
    r = run("init", str(tmp_path / "std.yaml"), "--standard", "--id", "MQ_INST_8",
            "--endpoint", "http://mq.example:8080", "--now", "2026-02-01T00:00:00Z")
    assert r.returncode == 0, r.stderr
    assert "  edition: standard\n" in (tmp_path / "std.yaml").read_text()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_init_never_replaces_an_existing_file(tmp_path, state):
    before = state.read_bytes()
    r = run("init", str(state), "--standard", "--id", "MQ_INST_9", "--endpoint",
            "http://mq.example:8080", "--now", "2026-02-01T00:00:00Z")
    assert r.returncode == 1
    assert r.stderr.startswith(f"edition: exists: {state}: already exists")
    assert state.read_bytes() == before


def test_init_refusal_by_the_library_writes_nothing(tmp_path):
    f = tmp_path / "new.yaml"
    r = run("init", str(f), "--platinum", "--id", "MQ_INST_9", "--endpoint", "http://e",
            "--period-months", "40", "--now", "2026-02-01T00:00:00Z")
    assert r.returncode == 1
    assert r.stderr.startswith("edition: invalid_period: ")
    assert list(tmp_path.iterdir()) == []


def test_plan_and_apply_format_text(tmp_path, state):
    r = run("plan", str(state), "upgrade", "--period-months", "1", "--now",
            "2026-02-01T00:00:00Z", "--format", "text")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("command    upgrade period_months=1 at 2026-02-01T00:00:00Z\n"
                               f"    before     {state}, instance MQ_INST_1, revision 0: "
                               "standard, pay_as_you_go, shared, active\n")
    assert "    ok         revision 1: enterprise_platinum, subscription, dedicated, active\n" \
        in r.stdout
    r = run("apply", str(state), "refund", "--now", "2026-02-02T00:00:00Z", "--format", "text")
    assert r.returncode == 1
    assert "!!  REFUSED    " in r.stdout
