#!/usr/bin/env bash
# The main job: a database with the addon and its demo data, served on
# http://localhost:8069. Reuses the database when it exists (and upgrades the
# addon in it), creates it otherwise.
#   DB name: $CC_DEMO_DB (default credit_collection_demo); port: $CC_DEMO_PORT (8069)
source "$(dirname "$0")/common.sh"

"$ADDON_DIR/scripts/setup.sh"
find_odoo
start_postgres
make_addons_path
trap 'rm -rf "$LINK_DIR"' EXIT

DB="${CC_DEMO_DB:-credit_collection_demo}"
PORT="${CC_DEMO_PORT:-8069}"
ODOO=("$PYTHON" -m odoo --addons-path="$ADDONS_PATH" -d "$DB" --db-filter="^${DB}\$")

installed="$(psql -d "$DB" -Atc "select state from ir_module_module where name = 'credit_collection'" 2>/dev/null || true)"
if [ "$installed" = "installed" ]; then
    info "reusing database $DB (upgrading credit_collection on Odoo $ODOO_SERIES)"
    "${ODOO[@]}" -u credit_collection --stop-after-init --http-port="$PORT" --log-level=warn
else
    drop_database "$DB"
    info "creating database $DB with credit_collection and its demo data on Odoo $ODOO_SERIES (2-3 minutes)"
    # The French chart of accounts first: the demo company is French.
    "${ODOO[@]}" -i l10n_fr_account "${DEMO_OPTIONS[@]}" --load-language=fr_FR --stop-after-init \
        --http-port="$PORT" --log-level=warn
    "${ODOO[@]}" -i credit_collection --stop-after-init --http-port="$PORT" --log-level=warn
fi
# Odoo's demo payment provider, so that "Pay now" completes on the portal:
# installed here for the demo, never a dependency of the addon.
"${ODOO[@]}" -i payment_demo --stop-after-init --http-port="$PORT" --log-level=warn
"$PYTHON" -m odoo shell --addons-path="$ADDONS_PATH" -d "$DB" --http-port="$PORT" \
    --log-level=warn <"$ADDON_DIR/scripts/demo_payment.py"

cat <<MSG

  Credit & Collections demo: http://localhost:$PORT  (database $DB, Odoo $ODOO_SERIES)
  Logins (login / password):
    admin / admin                    administrator, Credit Manager
    creditmanager / creditmanager    Hugo Marchand, Credit Manager
    controller / controller          Camille Petit, Credit Controller
    dubois / dubois                  a customer on the portal (/my: payments due)
  Demo company: Clairval Industrie SAS (switch company in the top bar as admin).
  Stop with Ctrl-C.

MSG
exec "${ODOO[@]}" --http-port="$PORT" --http-interface=127.0.0.1
