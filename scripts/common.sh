# Shared helpers for the credit_collection commands (sourced, not run).
# They find Odoo 18 or 19 (``import odoo``, $ODOO_SRC, $PYTHON), start PostgreSQL when it is
# down and expose this checkout to Odoo as ``credit_collection`` whatever the
# folder is called.

set -euo pipefail

ADDON_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"

die() {
    echo "ERROR: $*" >&2
    exit 2
}

info() {
    echo "==> $*" >&2
}

# Makes ``$PYTHON -m odoo`` work and says which series it runs: either Odoo is
# importable already, or $ODOO_SRC names a source tree (the folder holding the
# ``odoo`` package). Odoo 18.0 and 19.0 are both supported; 19.0 runs in its
# own virtualenv (PYTHON=~/venv19/bin/python ODOO_SRC=~/odoo19), never in an
# interpreter that has Odoo 18 on its path. Sets ODOO_SERIES, ODOO_ADDONS (the
# core addons folders) and DEMO_OPTIONS (19.0 loads demo data on request only).
find_odoo() {
    if [ -n "${ODOO_SRC:-}" ]; then
        [ -f "$ODOO_SRC/odoo/release.py" ] \
            || die "ODOO_SRC=$ODOO_SRC does not contain the odoo package (expected $ODOO_SRC/odoo/release.py)."
        export PYTHONPATH="$ODOO_SRC${PYTHONPATH:+:$PYTHONPATH}"
    fi
    local found
    if ! found="$("$PYTHON" -c 'import os, odoo.release as r; print(r.major_version, os.path.dirname(os.path.dirname(os.path.realpath(r.__file__))))' 2>/dev/null)"; then
        die "Odoo is not importable by $PYTHON. Install Odoo 18.0 or 19.0 Community (see ../shared/RUNTIME.md), set ODOO_SRC to its source tree, or PYTHON to the interpreter of its virtualenv (e.g. PYTHON=~/venv19/bin/python ODOO_SRC=~/odoo19)."
    fi
    ODOO_SERIES="${found%% *}"
    local root="${found#* }"
    if [ -n "${ODOO_SRC:-}" ] && [ "$root" != "$(cd "$ODOO_SRC" && pwd -P)" ]; then
        die "$PYTHON imports Odoo from $root, not from ODOO_SRC=$ODOO_SRC: use the interpreter of that tree's virtualenv (PYTHON=...)."
    fi
    case "$ODOO_SERIES" in
        18.0) DEMO_OPTIONS=() ;;
        19.0) DEMO_OPTIONS=(--with-demo) ;;
        *) die "Odoo $ODOO_SERIES found in $root, this addon needs Odoo 18.0 or 19.0." ;;
    esac
    # The core addons: odoo/addons, and the tree's addons/ folder of a source checkout.
    ODOO_ADDONS="$root/odoo/addons"
    [ -f "$root/addons/account/__manifest__.py" ] && ODOO_ADDONS="$root/addons,$ODOO_ADDONS"
    info "Odoo $ODOO_SERIES ($root, $PYTHON)"
}

# Starts the local PostgreSQL cluster if it is down, and makes sure the
# current user has a superuser role (Odoo creates and drops databases).
start_postgres() {
    if command -v pg_isready >/dev/null && pg_isready -q 2>/dev/null; then
        :
    elif command -v pg_lsclusters >/dev/null; then
        local cluster
        cluster="$(pg_lsclusters -h | awk 'NR==1 {print $1" "$2}')"
        [ -n "$cluster" ] || die "no PostgreSQL cluster found (pg_lsclusters is empty): run scripts/setup.sh."
        info "starting PostgreSQL cluster $cluster"
        # shellcheck disable=SC2086
        pg_ctlcluster $cluster start || die "could not start PostgreSQL cluster $cluster."
        for _ in $(seq 1 30); do pg_isready -q && break; sleep 1; done
    else
        die "PostgreSQL is not installed and not running: run scripts/setup.sh or start your server."
    fi
    pg_isready -q || die "PostgreSQL does not answer on its local socket."
    local me
    me="$(id -un)"
    if ! psql -d postgres -Atc "select 1" >/dev/null 2>&1; then
        if [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1; then
            info "creating PostgreSQL superuser role $me"
            su postgres -c "createuser -s $me" || die "could not create the PostgreSQL role $me."
        else
            die "the PostgreSQL role $me is missing: ask an administrator to run 'createuser -s $me'."
        fi
    fi
}

# The version of OCA's queue_job installed for $PYTHON (odoo-addon-queue-job), or nothing.
queue_job_version() {
    "$PYTHON" -c 'import importlib.metadata as m; print(m.version("odoo-addon-queue-job"))' 2>/dev/null || true
}

# A temporary addons folder holding a ``credit_collection`` link to this
# checkout, so a clone with any folder name installs under the right name;
# plus the folder of OCA's queue_job when installed (QUEUE_JOB_ADDONS, empty
# otherwise: the addon runs without it).
make_addons_path() {
    LINK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/credit_collection_addons.XXXXXX")"
    ln -s "$ADDON_DIR" "$LINK_DIR/credit_collection"
    ADDONS_PATH="$ODOO_ADDONS,$LINK_DIR"
    QUEUE_JOB_ADDONS=""
    if [ -n "$(queue_job_version)" ]; then
        QUEUE_JOB_ADDONS="$("$PYTHON" -c 'import importlib.metadata as m; print(m.distribution("odoo-addon-queue-job").locate_file("odoo/addons"))')"
        ADDONS_PATH="$ADDONS_PATH,$QUEUE_JOB_ADDONS"
    fi
}

# Drops a database and its filestore.
drop_database() {
    local db="$1"
    dropdb --if-exists "$db" 2>/dev/null || true
    rm -rf "${HOME}/.local/share/Odoo/filestore/$db"
}

# A TCP port nobody listens on, for the Odoo HTTP server of a test run.
free_port() {
    "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
