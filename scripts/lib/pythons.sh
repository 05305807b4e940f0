# shellcheck shell=bash
# Finding CPython interpreters by version, for scripts/bootstrap,
# scripts/wheels and scripts/test (sourced, not run).
#
#   find_python 3.12    prints the interpreter of CPython 3.12: python3.12
#                       in PATH if it runs (a pyenv shim runs only for the
#                       version pyenv has selected), else the newest
#                       PYENV_ROOT/versions/3.12.*/bin/python3.12
#                       (PYENV_ROOT defaults to ~/.pyenv); status 1 if none
#   python_version PY   prints PY's "3.X"
#   other_python        the version the python stage of scripts/test tests
#                       the wheels with besides python3's: EDITION_OTHER_PYTHON,
#                       else 3.12 (3.11 when python3 itself is 3.12)

python_version() {
  "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])'
}

find_python() {
  local version=$1 candidate
  for candidate in "$(command -v "python$version" 2>/dev/null)" \
    $(printf '%s\n' "${PYENV_ROOT:-$HOME/.pyenv}/versions/$version".*/bin/"python$version" |
      sort -V -r); do
    [ -n "$candidate" ] || continue
    # the interpreter itself rather than a shim or a link to it
    if candidate=$("$candidate" -c 'import sys; print(sys.executable)' 2>/dev/null) &&
       [ "$(python_version "$candidate")" = "$version" ]; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

other_python() {
  if [ -n "${EDITION_OTHER_PYTHON:-}" ]; then
    echo "$EDITION_OTHER_PYTHON"
  elif [ "$(python_version python3)" = 3.12 ]; then
    echo 3.11
  else
    echo 3.12
  fi
}
