#!/usr/bin/env bash
# ruff (format check + lint) and pylint-odoo (the OCA's checks for 18.0), both
# pinned in requirements-lint.txt and installed once in a virtualenv under
# ${XDG_CACHE_HOME:-~/.cache}/credit_collection. ``--fix`` rewrites instead.
source "$(dirname "$0")/common.sh"

VENV="${XDG_CACHE_HOME:-$HOME/.cache}/credit_collection/lint-venv"
STAMP="$VENV/.requirements"
if ! cmp -s "$ADDON_DIR/requirements-lint.txt" "$STAMP" 2>/dev/null; then
    info "installing lint tools in $VENV"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check \
        -r "$ADDON_DIR/requirements-lint.txt" || die "could not install the lint tools."
    cp "$ADDON_DIR/requirements-lint.txt" "$STAMP"
fi

cd "$ADDON_DIR"
if [ "${1:-}" = "--fix" ]; then
    "$VENV/bin/ruff" check --fix .
    "$VENV/bin/ruff" format .
fi
status=0
"$VENV/bin/ruff" format --check . || status=1
"$VENV/bin/ruff" check . || status=1
"$VENV/bin/pylint" --rcfile=.pylintrc --recursive=y \
    --ignore-paths='^bench/out/.*' . || status=1
if [ "$status" -eq 0 ]; then
    echo "lint: clean"
else
    echo "lint: FAILED"
fi
exit "$status"
