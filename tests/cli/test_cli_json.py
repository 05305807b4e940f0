"""Files written by other tools load, and `--format json` (docs/formats.md).

State files and scenarios written by Python's json.dumps and by PyYAML's
safe_dump, or starting with a UTF-8 byte-order mark, give the same
`edition show` / `edition simulate` output as the hand-written YAML; the
JSON output of show, plan, apply, tick and simulate is JSON (checked by
Python's json module) holding the same documents as the YAML output.
"""

import datetime
import json
import os
import pathlib
import shlex
import subprocess

import pytest

yaml = pytest.importorskip("yaml")

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
EDITION = os.environ.get("EDITION", str(ROOT / "build" / "tools" / "edition" / "edition"))
EXAMPLES = pathlib.Path(os.environ.get("EDITION_EXAMPLES", str(ROOT / "examples" / "scenarios")))
STATES = EXAMPLES.parent / "states"


def run(*args, stdin=None):
    env = dict(os.environ)
    env.pop("EDITION_TEST_FAULT", None)
    # errors=: the error line on stderr echoes a refused name byte for byte
    return subprocess.run([EDITION, *args], capture_output=True, text=True, input=stdin,
                          env=env, timeout=60, errors="surrogateescape")


def state_files():
    return sorted(STATES.glob("*.yaml"))


def scenario_files():
    return sorted(EXAMPLES.glob("*.yaml"))


def with_rfc3339_times(value):
    """PyYAML reads a plain time as a datetime; put it back as the string it was."""
    if isinstance(value, datetime.datetime):
        assert value.utcoffset() == datetime.timedelta(0), value
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, dict):
        return {k: with_rfc3339_times(v) for k, v in value.items()}
    if isinstance(value, list):
        return [with_rfc3339_times(v) for v in value]
    return value


def data_of(path):
    return with_rfc3339_times(yaml.safe_load(path.read_text()))


def as_yaml_strings(value):
    """A JSON value as YAML's BaseLoader reads its twin: every scalar a string."""
    if isinstance(value, dict):
        return {k: as_yaml_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_yaml_strings(v) for v in value]
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def same_documents(yaml_text, json_lines):
    """The YAML stream and the JSON Lines hold the same documents, in order,
    with the same keys in the same order."""
    want = list(yaml.load_all(yaml_text, Loader=yaml.BaseLoader))
    lines = json_lines.splitlines()
    assert json_lines.endswith("\n") and len(lines) == len(want)
    got = [json.loads(line) for line in lines]
    for g, w in zip(got, want):
        assert as_yaml_strings(g) == w
        assert list(g) == list(w)


# --------------------------------------------------------------------------
# Input written by other tools


@pytest.mark.parametrize("path", state_files(), ids=lambda p: p.stem)
@pytest.mark.parametrize("fmt", ["yaml", "text"])
def test_json_dumps_state_shows_like_the_yaml(tmp_path, path, fmt):
    for indent in (None, 2):
        doc = tmp_path / "state.json"
        doc.write_text(json.dumps(data_of(path), indent=indent))
        got, want = run("show", str(doc), "--format", fmt), run("show", str(path), "--format", fmt)
        assert got.returncode == 0, got.stderr
        assert got.stdout == want.stdout


@pytest.mark.parametrize("path", state_files(), ids=lambda p: p.stem)
def test_pyyaml_safe_dump_state_shows_like_the_yaml(tmp_path, path):
    text = yaml.safe_dump(data_of(path))
    assert "'2026-" in text  # PyYAML quotes strings that look like times
    doc = tmp_path / "state.yaml"
    doc.write_text(text)
    got = run("show", str(doc))
    assert got.returncode == 0, got.stderr
    assert got.stdout == path.read_text()


@pytest.mark.parametrize("path", scenario_files(), ids=lambda p: p.stem)
@pytest.mark.parametrize("writer", ["json", "pyyaml"])
def test_scenario_written_by_other_tools_simulates_like_the_yaml(tmp_path, path, writer):
    data = data_of(path)
    doc = tmp_path / f"scenario.{writer}"
    doc.write_text(json.dumps(data) if writer == "json" else yaml.safe_dump(data))
    for fmt in ("yaml", "json"):
        got = run("simulate", str(doc), "--format", fmt)
        want = run("simulate", str(path), "--format", fmt)
        assert got.returncode == 0, got.stderr
        assert got.stdout == want.stdout


def test_byte_order_mark_files_load(tmp_path):
    state = state_files()[0]
    doc = tmp_path / "bom.yaml"
    doc.write_bytes(b"\xef\xbb\xbf" + state.read_bytes())
    got = run("show", str(doc))
    assert got.returncode == 0, got.stderr
    assert got.stdout == state.read_text()
    scenario = scenario_files()[0]
    doc = tmp_path / "bom-scenario.yaml"
    doc.write_bytes(b"\xef\xbb\xbf" + scenario.read_bytes().replace(b"\n", b"\r\n"))
    got = run("simulate", str(doc))
    assert got.returncode == 0, got.stderr
    assert got.stdout == run("simulate", str(scenario)).stdout


def test_utf16_file_is_a_parse_error(tmp_path):
    doc = tmp_path / "utf16.yaml"
    doc.write_bytes(state_files()[0].read_text().encode("utf-16"))  # with its BOM
    got = run("show", str(doc))
    assert got.returncode == 3
    assert "parse_error" in got.stderr and "byte-order mark" in got.stderr


@pytest.mark.parametrize("field,value", [("revision", '"4"'), ("release_delay_days", '"7"')])
def test_quoted_integer_is_still_refused(tmp_path, field, value):
    doc = tmp_path / "state.json"
    doc.write_text('{"libedition": 1, "instance": {"id": "MQ_INST_1", "endpoint": "http://e:80", '
                   f'"edition": "standard", "{field}": {value}, '
                   '"created_at": "2026-01-05T00:00:00Z"}}')
    got = run("show", str(doc))
    assert got.returncode == 3
    assert f"schema_error: {doc}:1:" in got.stderr and f"instance.{field}:" in got.stderr


# --------------------------------------------------------------------------
# --format json


@pytest.mark.parametrize("path", state_files(), ids=lambda p: p.stem)
def test_show_json_piped_back_to_show_reproduces_the_state(path):
    cmd = (f"{shlex.quote(EDITION)} show {shlex.quote(str(path))} --format json | "
           f"{shlex.quote(EDITION)} show /dev/stdin")
    got = subprocess.run(["sh", "-c", cmd], capture_output=True, text=True, timeout=60)
    assert got.returncode == 0, got.stderr
    assert got.stdout == path.read_text()


@pytest.mark.parametrize("path", state_files(), ids=lambda p: p.stem)
def test_show_json_is_the_state_as_json(path):
    got = run("show", str(path), "--format", "json")
    assert got.returncode == 0, got.stderr
    same_documents(run("show", str(path)).stdout, got.stdout)


@pytest.mark.parametrize("path", scenario_files(), ids=lambda p: p.stem)
def test_simulate_json_is_json_lines_of_the_yaml_steps(path):
    got = run("simulate", str(path), "--format", "json")
    assert got.returncode == 0, got.stderr
    same_documents(run("simulate", str(path)).stdout, got.stdout)


PLATINUM = next(p for p in state_files() if p.stem == "platinum")


@pytest.mark.parametrize("args", [
    ["plan", str(PLATINUM), "renew", "--period-months", "2", "--now", "2026-02-20T00:00:00Z"],
    ["plan", str(PLATINUM), "refund", "--now", "2026-02-20T00:00:00Z"],
    ["plan", str(PLATINUM), "plan_downgrade", "--mode", "at_expiry",
     "--now", "2026-02-20T00:00:00Z"],
], ids=["renew", "refused", "plan_downgrade"])
def test_plan_json_is_the_yaml_outcome_as_json(args):
    want, got = run(*args), run(*args, "--format", "json")
    assert got.returncode == want.returncode and got.stderr == want.stderr
    same_documents(want.stdout, got.stdout)


def test_apply_and_tick_print_json_and_keep_the_state_file_yaml(tmp_path):
    state = tmp_path / "state.yaml"
    state.write_text(PLATINUM.read_text())
    effects = tmp_path / "effects.yaml"
    got = run("apply", str(state), "renew", "--period-months", "1", "--now",
              "2026-02-20T00:00:00Z", "--effects-out", str(effects), "--format", "json")
    assert got.returncode == 0, got.stderr
    out = json.loads(got.stdout)
    assert out["command"] == "renew" and out["status"] == "ok"
    assert out["instance"]["revision"] == yaml.safe_load(PLATINUM.read_text())["instance"]["revision"] + 1
    assert state.read_text() == run("show", str(state)).stdout  # still a YAML state file
    assert effects.read_text().startswith("---\nlibedition: 1\neffects:")
    got = run("tick", str(state), "--now", "2026-06-01T00:00:00Z", "--format", "json")
    assert got.returncode == 0, got.stderr
    assert json.loads(got.stdout)["command"] == "tick"
    assert state.read_text().startswith("libedition: 1\n")


@pytest.mark.parametrize("args", [
    ["show", str(PLATINUM), "--format", "xml"],
    ["simulate", str(scenario_files()[0]), "--format", "JSON"],
])
def test_unknown_format_is_a_usage_error(args):
    got = run(*args)
    assert got.returncode == 2
    assert got.stdout == ""
    assert got.stderr.startswith("edition: invalid_argument: --format:")


def test_refused_name_is_escaped_and_repaired_in_json():
    name = os.fsdecode(b'a\tb\x01"\\\xc3\xa9\xff')
    args = ["plan", str(PLATINUM), "add_topic", "--name", name, "--now", "2026-02-20T00:00:00Z"]
    got = run(*args, "--format", "json")
    assert got.returncode == 1, got.stderr
    out = json.loads(got.stdout)
    assert out["status"] == "invalid_name"
    assert out["name"] == 'a\tb\x01"\\\u00e9\ufffd'
    want = run(*args)  # the YAML report is made too, with the same repair
    assert want.returncode == 1
    assert yaml.safe_load(want.stdout)["name"] == out["name"]
