#!/usr/bin/env bash
# Regenerates i18n/credit_collection.pot with Odoo's own exporter (on a
# throwaway database, or on $CC_I18N_DB when set) and merges it into
# i18n/fr.po with gettext's msgmerge: existing translations kept, new texts
# added untranslated (no fuzzy guesses), texts gone from the code removed.
# Lists the entries still to translate and fails while there are any.
source "$(dirname "$0")/common.sh"

"$ADDON_DIR/scripts/setup.sh"
find_odoo
start_postgres
make_addons_path

DB="${CC_I18N_DB:-cc_i18n_$$}"
cleanup() {
    [ -n "${CC_I18N_DB:-}" ] || drop_database "$DB"
    rm -rf "$LINK_DIR"
}
trap cleanup EXIT

ODOO=("$PYTHON" -m odoo --addons-path="$ADDONS_PATH" -d "$DB" --stop-after-init
    --http-port="$(free_port)" --log-level=warn --without-demo=all)
if [ -n "${CC_I18N_DB:-}" ] && psql -d "$DB" -Atc "select 1" >/dev/null 2>&1; then
    "${ODOO[@]}" -u credit_collection
else
    "${ODOO[@]}" -i credit_collection
fi
"${ODOO[@]}" --i18n-export="$ADDON_DIR/i18n/credit_collection.pot" --modules=credit_collection
FRENCH="$ADDON_DIR/i18n/fr.po"
msgmerge --quiet --no-fuzzy-matching --backup=none --update "$FRENCH" \
    "$ADDON_DIR/i18n/credit_collection.pot"
msgattrib --no-obsolete --output-file="$FRENCH" "$FRENCH"
untranslated="$(msgattrib --untranslated --no-wrap "$FRENCH" | grep -c '^msgid "..*"$' || true)"
msgattrib --untranslated --no-wrap "$FRENCH" | grep '^msgid "..*"$' || true
echo "i18n/fr.po: $untranslated untranslated"
[ "$untranslated" -eq 0 ]
