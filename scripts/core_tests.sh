#!/usr/bin/env bash
# Runs Odoo core's own post-install tests of the flows credit_collection
# touches (sale, account_payment, portal and the account classes listed in
# CORE_TAGS) on a database with the addon installed. Odoo's known failures
# (scripts/odoo_known_failures.txt) are tolerated only if each of them also
# fails on a database without the addon, which this script checks. Last line:
# ``N passed, N failed`` counting core tests (a known failure counts as passed
# once proven independent of the addon).
source "$(dirname "$0")/common.sh"

# Post-install suites of the core flows the addon hooks into: order
# confirmation, invoice posting, payment registration, reconciliation, sending
# and printing, the portal, partner merge and branch companies.
ACCOUNT_CLASSES=(
    TestAccountMoveReconcile TestAccountMoveSend TestAccountInvoiceReport
    TestIrActionsReport TestPortalAttachment TestPortalInvoice
    TestAccountPaymentRegister TestCompanyBranch TestMergePartner
    TestAccountMoveOutInvoiceOnchanges TestAccountMoveInInvoiceOnchanges
    TestDownloadDocs TestUi TestAccountPayment TestAccountMovePaymentsWidget
)
CORE_TAGS="post_install/sale,post_install/account_payment,post_install/portal"
for class in "${ACCOUNT_CLASSES[@]}"; do
    CORE_TAGS="$CORE_TAGS,post_install/account:$class"
done
CORE_MODULES="account,account_payment,portal,mail,sale"
KNOWN="$ADDON_DIR/scripts/odoo_known_failures.txt"

"$ADDON_DIR/scripts/setup.sh"
find_odoo
start_postgres
make_addons_path

DB_WITH="cc_core_$(date +%s)_$$"
DB_WITHOUT="${DB_WITH}_without"
LOG="${CC_CORE_LOG:-$(mktemp "${TMPDIR:-/tmp}/credit_collection_core.XXXXXX.log")}"
LOG_WITHOUT="$LOG.without"
cleanup() {
    drop_database "$DB_WITH"
    drop_database "$DB_WITHOUT"
    rm -rf "$LINK_DIR"
}
trap cleanup EXIT

run_odoo() {  # db modules tags log
    "$PYTHON" -m odoo --addons-path="$ADDONS_PATH" -d "$1" --db-filter="^$1\$" \
        -i "$2" --test-enable --test-tags "$3" --stop-after-init \
        --http-port="$(free_port)" --http-interface=127.0.0.1 \
        --max-cron-threads=0 >"$4" 2>&1
}

known_tags="$(grep -v "^#" "$KNOWN" | awk "NF == 2 {print \"/\" \$2}" | paste -sd, -)"
info "Odoo's known failures, on $DB_WITHOUT without the addon (log: $LOG_WITHOUT)"
set +e
run_odoo "$DB_WITHOUT" "$CORE_MODULES" "$known_tags" "$LOG_WITHOUT"
info "Odoo core post-install tests on $DB_WITH with credit_collection (log: $LOG)"
run_odoo "$DB_WITH" "credit_collection" "$CORE_TAGS" "$LOG"
set -e
"$PYTHON" "$ADDON_DIR/scripts/core_summary.py" "$LOG" "$LOG_WITHOUT" "$KNOWN"
