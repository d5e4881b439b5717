#!/usr/bin/env bash
# Runs every test of the addon in Odoo's own runner on a fresh throwaway
# database (installed once, with demo data and the French chart of accounts
# that the demo company uses), drops it, and prints a last line
# ``N passed, N failed``. Exits non-zero on any failure, error, skipped test,
# or ERROR/WARNING/traceback in the log. The full log is kept in $CC_TEST_LOG
# (default: a temporary file, printed at the end).
source "$(dirname "$0")/common.sh"

"$ADDON_DIR/scripts/setup.sh"
find_odoo
start_postgres
make_addons_path

DB="cc_test_$(date +%s)_$$"
LOG="${CC_TEST_LOG:-$(mktemp "${TMPDIR:-/tmp}/credit_collection_test.XXXXXX.log")}"
cleanup() {
    drop_database "$DB"
    rm -rf "$LINK_DIR"
}
trap cleanup EXIT

# With OCA's queue_job in the database the tests cover the jobs path too.
MODULES=l10n_fr_account,credit_collection
if [ -n "$QUEUE_JOB_ADDONS" ]; then MODULES="$MODULES,queue_job"; fi
info "installing $MODULES on $DB (Odoo $ODOO_SERIES) and running the tests of credit_collection (log: $LOG)"
set +e
"$PYTHON" -m odoo --addons-path="$ADDONS_PATH" -d "$DB" --db-filter="^${DB}\$" \
    -i "$MODULES" "${DEMO_OPTIONS[@]}" --test-enable --test-tags "${CC_TEST_TAGS:-/credit_collection}" \
    --stop-after-init --http-port="$(free_port)" --http-interface=127.0.0.1 \
    --max-cron-threads=0 >"$LOG" 2>&1
odoo_status=$?
set -e

summary_status=0
"$PYTHON" "$ADDON_DIR/scripts/test_summary.py" "$LOG" "$odoo_status" >"$LOG.summary" \
    || summary_status=$?
echo "log: $LOG"
echo "Odoo $ODOO_SERIES"
cat "$LOG.summary"
rm -f "$LOG.summary"
[ "$odoo_status" -eq 0 ] && [ "$summary_status" -eq 0 ]
