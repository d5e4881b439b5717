#!/usr/bin/env bash
# The scale benchmark (see bench/README.md). Creates a dedicated database with
# the addon and, side by side, OCA's account_credit_control (downloaded from
# PyPI into a bench-only addons folder outside the project), generates the
# ledger and prints the figures.
#   scripts/bench.sh [small|medium|large] [--scenario concurrent|smtp|jobs]...
#   (default: small). A --scenario runs that scenario after the
#   ledger instead of the timed steps, without OCA (bench/scenarios.py);
#   smtp installs the bench's own requirements (bench/requirements.txt);
#   jobs installs OCA queue_job in the database and compares the email job
#   and --letters letters (CC_BENCH_LETTERS) by the cron alone and by jobs.
#   CC_BENCH_NO_OCA=1 skips the OCA comparison; CC_BENCH_KEEP=1 keeps the database;
#   CC_BENCH_LETTERS=N renders N letters into one PDF (default 100);
#   CC_BENCH_PDF_WORKERS=N wkhtmltopdf processes at a time for them (default 4).
source "$(dirname "$0")/common.sh"

SIZE="${1:-small}"
shift || true
SCENARIOS=("$@")
"$ADDON_DIR/scripts/setup.sh"
find_odoo
start_postgres
make_addons_path

DB="cc_bench_${SIZE}_$$"
cleanup() {
    [ -n "${CC_BENCH_KEEP:-}" ] || drop_database "$DB"
    rm -rf "$LINK_DIR"
}
trap cleanup EXIT

MODULES=credit_collection
if [ ${#SCENARIOS[@]} -gt 0 ]; then
    CC_BENCH_NO_OCA=1
    if [[ " ${SCENARIOS[*]} " == *" smtp "* ]] && ! "$PYTHON" -c "import aiosmtpd" 2>/dev/null; then
        info "installing the bench's requirements (bench/requirements.txt)"
        "$PYTHON" -m pip install --quiet -r "$ADDON_DIR/bench/requirements.txt" \
            || die "could not install bench/requirements.txt with pip."
    fi
fi
if [[ " ${SCENARIOS[*]} " == *" jobs "* ]]; then
    [ -n "$QUEUE_JOB_ADDONS" ] || die "the jobs scenario needs OCA queue_job (scripts/setup.sh installs it)."
    MODULES="$MODULES,queue_job"
fi
if [ -z "${CC_BENCH_NO_OCA:-}" ]; then
    # One folder per series: OCA publishes account_credit_control for 18.0 and 19.0.
    OCA_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/credit_collection/oca-addons-$ODOO_SERIES"
    if [ ! -d "$OCA_DIR/account_credit_control" ]; then
        info "downloading OCA account_credit_control $ODOO_SERIES from PyPI into $OCA_DIR"
        wheel_dir="$(mktemp -d)"
        if "$PYTHON" -m pip download --quiet --no-deps -d "$wheel_dir" \
            "odoo-addon-account-credit-control>=$ODOO_SERIES,<${ODOO_SERIES%.0}.1" >/dev/null 2>&1; then
            unpack_dir="$(mktemp -d)"
            "$PYTHON" -m zipfile -e "$wheel_dir"/*.whl "$unpack_dir"
            mkdir -p "$OCA_DIR"
            cp -r "$unpack_dir/odoo/addons/account_credit_control" "$OCA_DIR/"
            rm -rf "$unpack_dir"
        else
            info "OCA account_credit_control could not be downloaded: comparison skipped"
        fi
        rm -rf "$wheel_dir"
    fi
    if [ -d "$OCA_DIR/account_credit_control" ]; then
        ADDONS_PATH="$ADDONS_PATH,$OCA_DIR"
        MODULES="$MODULES,account_credit_control"
    fi
fi

info "creating $DB with $MODULES (no demo data)"
"$PYTHON" -m odoo --addons-path="$ADDONS_PATH" -d "$DB" -i "$MODULES" \
    --without-demo=all --stop-after-init --http-port="$(free_port)" --log-level=warn
"$PYTHON" "$ADDON_DIR/bench/bench.py" --db "$DB" --addons-path "$ADDONS_PATH" --size "$SIZE" \
    --letters "${CC_BENCH_LETTERS:-100}" "${SCENARIOS[@]}"
