"""Renders the README images of the letters from the demo data: the first
reminder, the formal notice and a US dollar letter that the demo's replay
sent, and a customer's statement, as PDF (wkhtmltopdf) then PNG (pdftoppm), into docs/
(named ``letter_first_reminder.png`` etc. on Odoo 18, ``..._odoo19.png`` on Odoo 19).

Run inside ``odoo shell`` on a database with the addon and its demo data:
    python3 -m odoo shell -d DB --http-port=PORT < scripts/letters_png.py
It starts Odoo's HTTP server in the shell so that wkhtmltopdf gets the
report style sheets; like a first print, it stores the letters it prints, and loads the
addon's French (i18n/fr.po) first. With
``CC_LETTERS_PDF_DIR`` set, the PDFs are kept in that folder too.
"""

import os
import subprocess
import sys
import tempfile

import odoo
from odoo.service import server

from odoo.addons.credit_collection.compat import ODOO_SERIES
from odoo.addons.credit_collection.tests.common import load_french

env = globals()["env"]  # given by odoo shell
DOCS = os.path.join(
    os.path.dirname(odoo.modules.get_module_path("credit_collection")),
    "credit_collection",
    "docs",
)
# The images of 18 are the main ones; those of 19 are named for it.
SERIES_SUFFIX = "" if ODOO_SERIES < 19 else f"_odoo{ODOO_SERIES}"
load_french(env)  # the database may have been installed in English
port = odoo.tools.config["http_port"]
http = server.ThreadedServer(odoo.http.root)
http.http_spawn()
previous_url = env["ir.config_parameter"].get_param("report.url")
env["ir.config_parameter"].set_param("report.url", f"http://127.0.0.1:{port}")
env.cr.commit()  # the HTTP server reads it from its own cursor

company = env.ref("credit_collection.company_clairval_demo")
env = env(
    context=dict(
        env.context, allowed_company_ids=company.ids, force_report_rendering=True
    )
)
scenario = env.ref("credit_collection.scenario_standard_b2b")


def sent_notice(partner_xmlid, level_domain):
    """The last notice the demo's replay sent to that customer at such a
    level: the letter it got, with its true history."""
    notice = env["credit.notice"].search(
        [
            ("company_id", "=", company.id),
            ("partner_id", "=", env.ref(partner_xmlid).id),
            *level_domain,
            ("state", "in", ("sent", "paid")),
        ],
        order="date desc",
        limit=1,
    )
    if not notice:
        raise SystemExit(f"no sent notice of {level_domain} for {partner_xmlid}")
    return notice


NOTICE_REPORT = "credit_collection.action_report_credit_notice"
documents = {
    "letter_first_reminder": (
        NOTICE_REPORT,
        sent_notice(
            "credit_collection.partner_garage_mercier_demo",
            [
                (
                    "level_id",
                    "=",
                    env.ref("credit_collection.level_standard_b2b_first").id,
                )
            ],
        ),
    ),
    "letter_formal_notice": (
        NOTICE_REPORT,
        sent_notice(
            "credit_collection.partner_menuiserie_dubois_demo",
            [("level_id.is_formal_notice", "=", True)],
        ),
    ),
    "letter_usd": (
        NOTICE_REPORT,
        sent_notice(
            "credit_collection.partner_hudson_retail_demo",
            [("level_id.is_formal_notice", "=", True)],
        ),
    ),
    "statement": (
        "credit_collection.action_report_credit_statement",
        env.ref("credit_collection.partner_menuiserie_dubois_demo"),
    ),
}
env.cr.commit()  # the HTTP server must see the notices' company layout
# The first rendering builds the report style sheets: render once before.
env["ir.actions.report"]._render_qweb_pdf(
    NOTICE_REPORT, documents["letter_first_reminder"][1].ids
)
try:
    for name, (report, records) in documents.items():
        pdf, _type = env["ir.actions.report"]._render_qweb_pdf(report, records.ids)
        sys.stdout.write(f"{name}.pdf: {len(pdf) // 1024} KB\n")
        with tempfile.NamedTemporaryFile(suffix=".pdf") as tmp:
            tmp.write(pdf)
            tmp.flush()
            if os.environ.get("CC_LETTERS_PDF_DIR"):
                with open(
                    os.path.join(os.environ["CC_LETTERS_PDF_DIR"], f"{name}.pdf"), "wb"
                ) as kept:
                    kept.write(pdf)
            subprocess.run(
                [
                    "pdftoppm",
                    "-png",
                    "-r",
                    "80",
                    "-f",
                    "1",
                    "-l",
                    "1",
                    "-singlefile",
                    tmp.name,
                    os.path.join(DOCS, name + SERIES_SUFFIX),
                ],
                check=True,
            )
        sys.stdout.write(f"written {os.path.join(DOCS, name + SERIES_SUFFIX)}.png\n")
finally:
    env["ir.config_parameter"].set_param("report.url", previous_url or False)
    env.cr.commit()
