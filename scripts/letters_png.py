"""Renders the README images of the letters from the demo data: a first
reminder and a formal notice of the demo company, as PDF (wkhtmltopdf) then
PNG (pdftoppm), into docs/.

Run inside ``odoo shell`` on a database with the addon and its demo data:
    python3 -m odoo shell -d DB --http-port=PORT < scripts/letters_png.py
It starts Odoo's HTTP server in the shell so that wkhtmltopdf gets the
report style sheets, and rolls back everything it created (but the French
texts of i18n/fragments, loaded where missing). With
``CC_LETTERS_PDF_DIR`` set, the PDFs are kept in that folder too.
"""

import os
import subprocess
import sys
import tempfile

import odoo
from odoo.service import server

from odoo.addons.credit_collection.tests.common import load_french_fragments

env = globals()["env"]  # given by odoo shell
DOCS = os.path.join(
    os.path.dirname(odoo.modules.get_module_path("credit_collection")),
    "credit_collection",
    "docs",
)
load_french_fragments(env)  # French texts not merged into i18n/fr.po yet
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


def make_notice(partner_xmlid, level_xmlid, **values):
    partner = env.ref(partner_xmlid)
    level = env.ref(level_xmlid)
    today = odoo.fields.Date.context_today(env.user)
    moves = env["account.move"].search(
        [
            ("company_id", "=", company.id),
            ("commercial_partner_id", "=", partner.id),
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("payment_state", "in", ("not_paid", "partial")),
            ("invoice_date_due", "<", today),
        ],
        order="invoice_date_due",
    )
    return env["credit.notice"].create(
        {
            "company_id": company.id,
            "partner_id": partner.id,
            "contact_id": partner._credit_contact().id,
            "scenario_id": scenario.id,
            "level_id": level.id,
            "date": today,
            "user_id": partner.with_company(company)._credit_collector().id,
            "line_ids": [
                odoo.fields.Command.create(
                    {
                        "move_id": move.id,
                        "date_due": move.invoice_date_due,
                        "days_overdue": (today - move.invoice_date_due).days,
                        "amount_total": move.amount_total_signed,
                        "amount_residual": move.amount_residual_signed,
                    }
                )
                for move in moves
            ],
            **values,
        }
    )


letters = {
    "letter_first_reminder": make_notice(
        "credit_collection.partner_garage_mercier_demo",
        "credit_collection.level_standard_b2b_first",
    ),
    "letter_formal_notice": make_notice(
        "credit_collection.partner_btp_fontaine_demo",
        "credit_collection.level_standard_b2b_formal_notice",
        registered_letter_number="1A 187 654 3210 9",
    ),
}
env.cr.commit()  # the HTTP server must see the notices' company layout
# The first rendering builds the report style sheets: render once before.
env["ir.actions.report"]._render_qweb_pdf(
    "credit_collection.action_report_credit_notice",
    letters["letter_first_reminder"].ids,
)
try:
    for name, notice in letters.items():
        pdf, _type = env["ir.actions.report"]._render_qweb_pdf(
            "credit_collection.action_report_credit_notice", notice.ids
        )
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
                    os.path.join(DOCS, name),
                ],
                check=True,
            )
        sys.stdout.write(f"written {os.path.join(DOCS, name)}.png\n")
finally:
    for notice in letters.values():
        notice.line_ids.unlink()
        notice.unlink()
    env["ir.config_parameter"].set_param("report.url", previous_url or False)
    env.cr.commit()
