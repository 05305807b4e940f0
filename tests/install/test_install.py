"""What `meson install` puts on a machine, checked in a temporary root
(`meson install --destdir`) of the build under test: the manual pages render
without a warning and say what they promise, a pkg-config file goes with
each way of linking the library (libedition.pc, and libedition-static.pc
beside libedition.a, naming it; tests/install/consumer.sh links through
both), the example handler is executable, and the systemd unit passes
`systemd-analyze verify` and names the installed program, handler and
environment file, with no database on a command line. Also that this source
tree configures with -Ddefault_library=static and shared (without the tests,
which need both).

meson gives the build directory (EDITION_BUILD_ROOT), the project version
(EDITION_VERSION) and the directory it installs the unit into
(EDITION_SYSTEMD_UNITDIR, empty when the build installs none). Run by hand,
the build is ./build and the rest is read from `meson introspect`. With
CI=true a tool these tests need (man, systemd-analyze) that is missing fails
them; elsewhere it skips them.
"""
import json
import os
import pathlib
import re
import shlex
import shutil
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("EDITION_BUILD_ROOT", ROOT / "build")).resolve()
EDITION = os.environ.get("EDITION", str(BUILD / "tools" / "edition" / "edition"))
CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PAGES = {"man1/edition.1", "man1/edition-fleet.1", "man3/libedition.3"}
# The Exec lines of a unit (systemd.service(5)).
EXEC_KEYS = ("ExecStartPre", "ExecStart", "ExecStartPost", "ExecCondition", "ExecReload",
             "ExecStop", "ExecStopPost")


def unavailable(reason):
    """A tool a test needs is missing: a failure in CI (scripts/bootstrap
    installs it there), a skip elsewhere."""
    if CI:
        pytest.fail(f"{reason}, and CI=true (scripts/bootstrap installs it)")
    pytest.skip(reason)


def tool(name, package):
    path = shutil.which(name)
    if not path:
        unavailable(f"{name} is not installed (Debian package {package})")
    return path


def meson_introspect(what):
    meson = shutil.which("meson")
    if not meson:
        unavailable("meson is not in PATH")
    out = subprocess.run([meson, "introspect", what, str(BUILD)], capture_output=True,
                         text=True, check=True).stdout
    return json.loads(out)


class Installed:
    """The build installed under `root`: `path(p)` is where the absolute
    installed path p landed in the temporary root."""

    def __init__(self, root):
        self.root = root
        options = {o["name"]: o["value"] for o in meson_introspect("--buildoptions")}
        self.version = os.environ.get("EDITION_VERSION") or \
            meson_introspect("--projectinfo")["version"]
        self.prefix = pathlib.PurePosixPath(options["prefix"])
        # a relative directory option is under the prefix; `/` keeps an absolute one
        self.bindir, self.datadir, self.mandir, self.sysconfdir, self.libdir = (
            self.prefix / options[name]
            for name in ("bindir", "datadir", "mandir", "sysconfdir", "libdir"))
        self.default_library = options["default_library"]
        self.unitdir_option = options.get("systemdunitdir", "")
        unitdir = os.environ.get("EDITION_SYSTEMD_UNITDIR")
        if unitdir is None:  # run by hand: where meson installs the unit, if anywhere
            unitdir = next((str(pathlib.PurePosixPath(dest).parent)
                            for dest in meson_introspect("--installed").values()
                            if dest.endswith("/edition-fleet.service") and "/doc/" not in dest),
                           "")
        self.unitdir = pathlib.PurePosixPath(unitdir) if unitdir else None
        self.examples = self.datadir / "doc" / "libedition" / "examples" / "fleet"
        self.handler = self.examples / "effect-handler.sh"

    def path(self, installed):
        return self.root / pathlib.PurePosixPath(installed).relative_to("/")


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    meson = shutil.which("meson")
    if not meson:
        unavailable("meson is not in PATH")
    root = tmp_path_factory.mktemp("destdir")
    proc = subprocess.run([meson, "install", "-C", str(BUILD), "--destdir", str(root),
                           "--no-rebuild", "--quiet"], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return Installed(root)


def man_pages(inst):
    """Every installed manual page, as {"man1/edition.1": path}."""
    mandir = inst.path(inst.mandir)
    return {f"{p.parent.name}/{p.name}": p for p in sorted(mandir.glob("man*/*"))}


def render(page):
    """The page as man(1) shows it 80 columns wide, with every groff warning
    on: (exit status, text, warnings)."""
    man = tool("man", "man-db")
    env = dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8", MANPAGER="cat", PAGER="cat")
    proc = subprocess.run([man, "--warnings=w", "-l", str(page)], capture_output=True,
                          text=True, env=env, timeout=60)
    # one line per paragraph: undo the hyphenation and filling of the lines
    text = re.sub(r"\u2010\n\s*", "", proc.stdout).replace("\u2212", "-")
    return proc.returncode, re.sub(r"\s+", " ", text), proc.stderr


def parse_unit(text):
    """A unit file as {(section, key): [values]}: comments dropped, lines
    ending in a backslash joined to the next (systemd.syntax(7))."""
    entries, section, pending = {}, None, ""
    for raw in text.splitlines():
        line = pending + raw.strip()
        pending = ""
        if not line or line[0] in "#;":
            continue
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        entries.setdefault((section, key.strip()), []).append(value.strip())
    assert not pending, "the unit ends in a continued line"
    return entries


def units(inst):
    """The installed units: beside the example handler always, and in
    systemd's unit directory when the build installs one there."""
    found = [inst.path(inst.examples / "edition-fleet.service")]
    if inst.unitdir:
        found.append(inst.path(inst.unitdir / "edition-fleet.service"))
    return found


def valued_options(subcommand):
    """The options of `edition fleet SUBCOMMAND --help` that take a value."""
    proc = subprocess.run([EDITION, "fleet", subcommand, "--help"], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return set(re.findall(r"^  (--[a-z-]+) [A-Z]", proc.stdout, re.M))


def systemd_unit_paths(analyze):
    """The directories systemd reads system units from."""
    proc = subprocess.run([analyze, "unit-paths", "--system"], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


# ---------------------------------------------------------------------------
# Manual pages


def test_installs_the_three_manual_pages_and_no_other(installed):
    assert set(man_pages(installed)) == PAGES


def test_every_installed_man_page_renders_without_warnings(installed):
    for name, page in man_pages(installed).items():
        status, text, warnings = render(page)
        assert (status, warnings) == (0, ""), name
        assert len(text) > 2000, (name, text)


def test_every_installed_man_page_names_this_release(installed):
    for name, page in man_pages(installed).items():
        title = next(line for line in page.read_text().splitlines() if line.startswith(".TH "))
        assert f'"libedition {installed.version}"' in title, (name, title)


def test_edition_fleet_page_covers_every_subcommand_and_the_service_options(installed):
    _, text, _ = render(installed.path(installed.mandir / "man1" / "edition-fleet.1"))
    for sub in ("init", "add", "show", "list", "apply", "tick", "dispatch", "run", "effects",
                "history", "attempts", "retry", "stats"):
        assert f"edition fleet {sub} DB" in text, sub
    for words in ("--log-format logfmt|json", "--quiet", "--verbose", "--metrics-file PATH",
                  "--format text|json|prometheus", "--failed|--pending|--blocked",
                  "fleet history", "fleet attempts", "EXIT STATUS", "EDITION_FLEET_DB",
                  "PGPASSFILE", "PGPASSWORD", "JOURNAL_STREAM", "DynamicUser=yes",
                  "edition(1)"):
        assert words in text, words


def test_edition_page_refers_to_edition_fleet(installed):
    _, text, _ = render(installed.path(installed.mandir / "man1" / "edition.1"))
    assert "edition-fleet(1)" in text and "edition fleet SUBCOMMAND DB" in text


def test_man_finds_the_installed_pages_by_name(installed):
    man = tool("man", "man-db")
    env = dict(os.environ, MANPATH=str(installed.path(installed.mandir)), LC_ALL="C.UTF-8")
    for name in PAGES:
        section, page = name.split("/")[0][3:], name.split("/")[1].rsplit(".", 1)[0]
        proc = subprocess.run([man, "-w", section, page], capture_output=True, text=True,
                              env=env, timeout=60)
        assert proc.stdout.strip() == str(man_pages(installed)[name]), (name, proc.stderr)


# ---------------------------------------------------------------------------
# pkg-config files


def test_installs_a_pkg_config_file_for_each_way_the_library_links(installed):
    pkgconfig = installed.path(installed.libdir / "pkgconfig")
    expected = {"shared": {"libedition.pc"},
                "static": {"libedition.pc", "libedition-static.pc"},
                "both": {"libedition.pc", "libedition-static.pc"}}[installed.default_library]
    assert {p.name for p in pkgconfig.glob("*.pc")} == expected


def test_libedition_static_pc_names_the_installed_archive(installed):
    pc = installed.path(installed.libdir / "pkgconfig" / "libedition-static.pc")
    if installed.default_library == "shared":  # no libedition.a to name
        assert not pc.exists()
        return
    fields = dict(line.split(": ", 1) for line in pc.read_text().splitlines() if ": " in line)
    variables = dict(line.split("=", 1) for line in pc.read_text().splitlines()
                     if "=" in line and ":" not in line.split("=", 1)[0])
    libdir = variables["libdir"].replace("${prefix}", variables["prefix"])
    assert libdir == str(installed.libdir)
    assert fields["Libs"].split()[0] == "${libdir}/libedition.a"
    assert installed.path(installed.libdir / "libedition.a").is_file()
    assert fields["Version"] == installed.version
    assert fields["Requires"] == "yaml-0.1"


def configure(tmp_path, *options):
    """`meson setup` of this source tree in a new directory: (exit status,
    output, the directory)."""
    meson = shutil.which("meson")
    if not meson:
        unavailable("meson is not in PATH")
    build = tmp_path / "build"
    proc = subprocess.run([meson, "setup", str(build), str(ROOT), "-Dsqlite=disabled",
                           "-Dpostgresql=disabled", "-Dsystemd=disabled", *options],
                          capture_output=True, text=True, timeout=120)
    return proc.returncode, proc.stdout + proc.stderr, build


def test_default_library_static_or_shared_configures_without_the_tests(tmp_path):
    # README.md offers -Ddefault_library=static; each makes the pkg-config
    # files that go with the libraries it builds
    for library, made in (("static", True), ("shared", False)):
        status, output, build = configure(tmp_path / library, f"-Ddefault_library={library}",
                                          "-Dtests=false")
        assert status == 0, output
        assert (build / "pkgconfig" / "libedition-static.pc").exists() == made, library


def test_library_only_configures_with_any_default_library(tmp_path):
    # -Dlibrary_only=true builds no tests, so -Dtests (true by default) does
    # not stand in the way of a static or shared build
    for library in ("static", "shared"):
        status, output, _ = configure(tmp_path / library, f"-Ddefault_library={library}",
                                      "-Dlibrary_only=true")
        assert status == 0, output


def test_default_library_shared_with_the_tests_is_refused_naming_the_way_out(tmp_path):
    status, output, _ = configure(tmp_path, "-Ddefault_library=shared", "-Dtests=true")
    assert status != 0
    assert "-Ddefault_library=shared with the tests" in output and "-Dtests=false" in output, output


# ---------------------------------------------------------------------------
# The example handler and the systemd unit


def test_example_handler_is_installed_executable(installed):
    handler = installed.path(installed.handler)
    assert handler.read_bytes() == (ROOT / "examples" / "fleet" / "effect-handler.sh").read_bytes()
    assert handler.stat().st_mode & 0o777 == 0o755


def test_unit_is_installed_under_the_prefix_where_systemd_reads_units(installed):
    if not installed.unitdir:
        unavailable("the build installs no unit into systemd's unit directory "
                    "(systemd's pkg-config file not found, or -Dsystemd=disabled)")
    assert installed.path(installed.unitdir / "edition-fleet.service").is_file()
    if installed.unitdir_option:
        return  # -Dsystemdunitdir: where the builder said
    assert installed.unitdir.is_relative_to(installed.prefix), installed.unitdir
    if str(installed.prefix) in ("/usr", "/usr/local"):
        paths = systemd_unit_paths(tool("systemd-analyze", "systemd"))
        assert str(installed.unitdir) in paths, paths


def test_unit_names_the_installed_edition_handler_and_environment_file(installed):
    edition = installed.bindir / "edition"
    for unit in units(installed):
        entries = parse_unit(unit.read_text())
        service = {key: values for (section, key), values in entries.items()
                   if section == "Service"}
        assert service["ExecStartPre"] == [f"{edition} fleet init"], unit
        start = shlex.split(service["ExecStart"][0])
        assert start[:3] == [str(edition), "fleet", "run"], unit
        assert start[start.index("--exec") + 1] == str(installed.handler), unit
        assert service["EnvironmentFile"] == [f"{installed.sysconfdir}/edition/fleet.env"], unit
        for key, value in (("DynamicUser", "yes"), ("StateDirectory", "edition"),
                           ("KillMode", "mixed"), ("NoNewPrivileges", "yes"),
                           ("ProtectSystem", "strict")):
            assert service[key] == [value], (unit, key)
        assert "User" not in service, "DynamicUser=yes needs no account"
        # what the unit names exists in the installation
        assert os.access(installed.path(edition), os.X_OK)
        assert os.access(installed.path(installed.handler), os.X_OK)
    assert len({u.read_text() for u in units(installed)}) == 1, "the installed units differ"


def test_unit_names_no_database_on_any_exec_line(installed):
    takes_value = valued_options("run") | valued_options("init")
    for unit in units(installed):
        entries = parse_unit(unit.read_text())
        lines = [value for (section, key), values in entries.items()
                 if section == "Service" and key in EXEC_KEYS for value in values]
        assert lines, unit
        for line in lines:
            assert not re.search(r"EDITION_FLEET_DB|postgres(ql)?:|dbname=|password|\.sqlite",
                                 line), line
            words = shlex.split(line)
            sub = words.index("fleet") + 1
            # every word after the subcommand is an option or an option's value:
            # no DB argument
            rest, positional = words[sub + 1:], []
            while rest:
                word = rest.pop(0)
                if word.startswith("--"):
                    if word in takes_value and "=" not in word:
                        rest.pop(0)
                else:
                    positional.append(word)
            assert positional == [], (line, positional)


def test_unit_passes_systemd_analyze_verify(installed, tmp_path):
    analyze = tool("systemd-analyze", "systemd")
    tool("man", "man-db")  # verify looks up Documentation=man:edition-fleet(1)
    if not installed.unitdir:
        unavailable("the build installs no unit into systemd's unit directory "
                    "(systemd's pkg-config file not found, or -Dsystemd=disabled)")
    # A root as on a machine with edition installed: the installation, and
    # systemd's own targets, which every service depends on (sysinit.target,
    # basic.target, shutdown.target) or this one names (network-online.target,
    # multi-user.target). verify looks for the ExecStart programs and the
    # units under --root.
    system_units = next((d for d in ("/usr/lib/systemd/system", "/lib/systemd/system")
                         if os.path.exists(f"{d}/sysinit.target")), None)
    if not system_units:
        unavailable("systemd's units (sysinit.target) are not installed (Debian package systemd)")
    root = tmp_path / "root"
    shutil.copytree(installed.root, root, symlinks=True)
    targets = root / "usr" / "lib" / "systemd" / "system"
    targets.mkdir(parents=True, exist_ok=True)
    for target in pathlib.Path(system_units).glob("*.target"):
        if not (targets / target.name).exists():
            shutil.copy(target, targets / target.name)
    env = dict(os.environ, MANPATH=str(root / installed.mandir.relative_to("/")),
               LC_ALL="C.UTF-8", SYSTEMD_PAGER="", SYSTEMD_LOG_COLOR="0")
    unit = installed.unitdir / "edition-fleet.service"
    if str(installed.unitdir) not in systemd_unit_paths(analyze):
        # a prefix systemd does not read units from ($HOME/opt): installed
        # there, the unit is copied into /etc/systemd/system by its admin,
        # and verify finds it only in a directory of its search path too
        etc = root / "etc" / "systemd" / "system"
        etc.mkdir(parents=True, exist_ok=True)
        shutil.copy(root / unit.relative_to("/"), etc / unit.name)
        unit = pathlib.PurePosixPath("/etc/systemd/system") / unit.name
    proc = subprocess.run([analyze, "verify", f"--root={root}", str(unit)],
                          capture_output=True, text=True, env=env, timeout=120)
    # verify exits 0 after warnings about unknown keys or bad values: any
    # output is a failure too
    assert (proc.returncode, proc.stdout + proc.stderr) == (0, "")
