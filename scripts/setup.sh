#!/usr/bin/env bash
# Installs what the addon needs and can be installed from the registries
# (Debian: PostgreSQL, wkhtmltopdf, Chromium, poppler-utils, npm for the lint's
# prettier, gettext for scripts/i18n.sh; PyPI: the addon's Python dependencies,
# websocket-client and freezegun for the tests), then checks that Odoo 18 or 19
# is importable and installs OCA's queue_job for it (optional for the addon,
# used by the tests).
# Idempotent: a few seconds when all is there.
source "$(dirname "$0")/common.sh"

missing_debian=()
command -v pg_ctlcluster >/dev/null || command -v pg_ctl >/dev/null || missing_debian+=(postgresql)
command -v wkhtmltopdf >/dev/null || missing_debian+=(wkhtmltopdf)
command -v chromium >/dev/null || command -v chromium-browser >/dev/null \
    || command -v google-chrome >/dev/null || missing_debian+=(chromium)
command -v pdftotext >/dev/null || missing_debian+=(poppler-utils)
command -v npm >/dev/null || missing_debian+=(npm)
command -v msgmerge >/dev/null || missing_debian+=(gettext)

if [ ${#missing_debian[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        info "installing Debian packages: ${missing_debian[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing_debian[@]}" >/dev/null
    else
        die "missing system packages: ${missing_debian[*]} (install them with your package manager)."
    fi
fi

# distribution name -> importable module name
declare -A python_deps=(
    [python-stdnum]=stdnum
    [num2words]=num2words
    [websocket-client]=websocket
    [freezegun]=freezegun
)
missing_python=()
for dist in "${!python_deps[@]}"; do
    "$PYTHON" -c "import ${python_deps[$dist]}" 2>/dev/null || missing_python+=("$dist")
done
if [ ${#missing_python[@]} -gt 0 ]; then
    info "installing Python packages: ${missing_python[*]}"
    "$PYTHON" -m pip install --quiet "${missing_python[@]}" \
        || die "could not install the Python packages ${missing_python[*]} with pip."
fi

find_odoo
# OCA queue_job, optional for the addon (it detects it, never imports it):
# installed so that the tests cover the jobs path. Pinned per series to a
# version that runs on our trees (newer 18.0 wheels were found to need
# odoo.api.private, which the 18.0 tree of 2024-10-05 lacks). --no-deps: its
# dependencies are Odoo itself (not on PyPI for us), requests, which Odoo
# already needs, and on 19.0 openupgradelib, installed here.
declare -A queue_job_pins=([18.0]=18.0.1.7.0.1 [19.0]=19.0.2.4.0.1)
queue_job_pin="${queue_job_pins[$ODOO_SERIES]}"
if [ "$(queue_job_version)" != "$queue_job_pin" ]; then
    info "installing odoo-addon-queue-job==$queue_job_pin"
    "$PYTHON" -m pip install --quiet --no-deps "odoo-addon-queue-job==$queue_job_pin" \
        || die "could not install odoo-addon-queue-job==$queue_job_pin with pip."
fi
if [ "$ODOO_SERIES" = 19.0 ] && ! "$PYTHON" -c "import openupgradelib" 2>/dev/null; then
    info "installing openupgradelib (queue_job 19.0 needs it)"
    "$PYTHON" -m pip install --quiet --no-deps openupgradelib \
        || die "could not install openupgradelib with pip."
fi
info "Odoo $ODOO_SERIES found ($ODOO_ADDONS); system and Python dependencies present."
