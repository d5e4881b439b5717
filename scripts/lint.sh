#!/usr/bin/env bash
# The addon's lint, as the OCA runs it (.pre-commit-config.yaml calls the same
# steps): ruff (format check + lint), pylint-odoo, the OCA's module checks
# (manifest, XML, CSV: oca-checks-odoo-module) and .po checks (oca-checks-po),
# prettier on JS/SCSS. Python tools are pinned in requirements-lint.txt and
# installed once in a virtualenv under ${XDG_CACHE_HOME:-~/.cache}/credit_collection
# (one per version of that file), prettier with npm next to it.
#
#   scripts/lint.sh            every step
#   scripts/lint.sh --fix      ruff and prettier rewrite the files first
#   scripts/lint.sh STEP...    only those steps: ruff-format ruff pylint module po prettier
#
# pylint-odoo and the module checks look for the manifest between a file and
# the root of its git checkout, and this checkout *is* the addon: from here they
# would see no module and skip every Odoo check. They run on a copy of the
# checkout's files in an OCA-style layout (TMP/credit_collection/...); a link
# would not do, pylint resolves it back to the checkout. Paths are printed
# relative to the checkout.
source "$(dirname "$0")/common.sh"

CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/credit_collection"
VENV="$CACHE/lint-venv-$(sha256sum "$ADDON_DIR/requirements-lint.txt" | cut -c1-12)"
PRETTIER_PACKAGES="prettier@3.6.2"
NPM_DIR="$CACHE/lint-npm-${PRETTIER_PACKAGES//[@\/]/-}"

install_python_tools() {
    [ -x "$VENV/bin/oca-checks-po" ] && return
    info "installing lint tools in $VENV"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check \
        -r "$ADDON_DIR/requirements-lint.txt" || {
        rm -rf "$VENV"
        die "could not install the lint tools (requirements-lint.txt)."
    }
}

install_prettier() {
    [ -x "$NPM_DIR/node_modules/.bin/prettier" ] && return
    command -v npm >/dev/null || die "prettier needs Node.js and npm: run scripts/setup.sh (or apt-get install npm)."
    info "installing $PRETTIER_PACKAGES in $NPM_DIR"
    mkdir -p "$NPM_DIR"
    # shellcheck disable=SC2086
    npm install --prefix "$NPM_DIR" --no-audit --no-fund --silent $PRETTIER_PACKAGES \
        || die "could not install $PRETTIER_PACKAGES with npm."
}

# The OCA-style layout: a copy of the files git knows (tracked or new, not
# ignored) under LAYOUT/credit_collection.
LAYOUT=""
make_layout() {
    [ -n "$LAYOUT" ] && return
    LAYOUT="$(mktemp -d "${TMPDIR:-/tmp}/credit_collection_lint.XXXXXX")"
    trap 'rm -rf "$LAYOUT"' EXIT
    mkdir "$LAYOUT/credit_collection"
    (cd "$ADDON_DIR" && git ls-files -z --cached --others --exclude-standard \
        | xargs -0 -r sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' _ \
        | xargs -0 -r cp --parents -t "$LAYOUT/credit_collection")
}

# Prints the output of a command run in the layout with the checkout's paths.
in_layout() {
    make_layout
    (cd "$LAYOUT" && "$@") 2>&1 | sed -e "s#/\\?${LAYOUT#/}/##g" -e "s#^\(\*\** Module \)\?credit_collection[/.]#\1#"
    return "${PIPESTATUS[0]}"
}

step_ruff_format() {
    [ "$FIX" = 1 ] && "$VENV/bin/ruff" format .
    "$VENV/bin/ruff" format --check .
}

step_ruff() {
    [ "$FIX" = 1 ] && "$VENV/bin/ruff" check --fix .
    "$VENV/bin/ruff" check .
}

step_pylint() {
    in_layout "$VENV/bin/pylint" --rcfile=credit_collection/.pylintrc --recursive=y --output-format=text \
        --ignore-paths='^credit_collection/bench/out/.*' credit_collection
}

step_module() {
    in_layout "$VENV/bin/oca-checks-odoo-module" \
        --config=credit_collection/.oca_hooks.cfg credit_collection
}

step_po() {
    local po
    po=(i18n/*.po i18n/*.pot)
    in_layout "$VENV/bin/oca-checks-po" --config=credit_collection/.oca_hooks.cfg "${po[@]/#/credit_collection/}"
}

step_prettier() {
    install_prettier
    local files
    mapfile -t files < <(git ls-files 'static/src/*.js' 'static/src/*.scss')
    [ "${#files[@]}" -eq 0 ] && return
    [ "$FIX" = 1 ] && "$NPM_DIR/node_modules/.bin/prettier" --log-level=warn --write "${files[@]}"
    "$NPM_DIR/node_modules/.bin/prettier" --log-level=warn --check "${files[@]}"
}

FIX=0
STEPS=()
for arg in "$@"; do
    case "$arg" in
        --fix) FIX=1 ;;
        ruff-format | ruff | pylint | module | po | prettier) STEPS+=("$arg") ;;
        *) die "unknown argument $arg (see the top of scripts/lint.sh)" ;;
    esac
done
[ "${#STEPS[@]}" -eq 0 ] && STEPS=(ruff-format ruff pylint module po prettier)

install_python_tools
cd "$ADDON_DIR"
failed=()
for step in "${STEPS[@]}"; do
    "step_${step//-/_}" || failed+=("$step")
done
if [ "${#failed[@]}" -eq 0 ]; then
    echo "lint: clean"
else
    echo "lint: FAILED (${failed[*]})"
    exit 1
fi
