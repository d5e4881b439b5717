"""Scale benchmark of exposure and risk scoring.

Run in a THROWAWAY database that has credit_collection installed:

    createdb -T cc_risk cc_risk_bench
    python3 -m odoo shell -d cc_risk_bench --addons-path=... --no-http \
        < bench/bench_risk.py

Generates 5,000 customers and 50,000 posted invoices set-based (one real
invoice and payment made through the ORM, then cloned in SQL), 70 % of them
paid at various delays, then measures time and SQL queries of the exposure
and of the risk recompute for growing numbers of customers.
"""

import time

from odoo import Command, fields
from odoo.tools import SQL

N_PARTNERS = 5000
N_INVOICES = 50000

env = env  # noqa: F821 (provided by odoo shell)
company = env.company
today = fields.Date.context_today(env.user)
cr = env.cr


def clone_sql(table, template_id, overrides, source_alias="t", extra_from=""):
    """INSERT INTO table SELECT <template columns, some overridden> ..."""
    columns = [
        row[0]
        for row in env.execute_query(
            SQL(
                "SELECT column_name FROM information_schema.columns WHERE "
                "table_name = %s AND column_name != 'id' ORDER BY ordinal_position",
                table,
            )
        )
    ]
    select = ", ".join(overrides.get(col, f"{source_alias}.{col}") for col in columns)
    cr.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {select} "
        f"FROM {table} {source_alias} {extra_from} "
        f"WHERE {source_alias}.id = {int(template_id)}"
    )


start = time.time()
partners = env["res.partner"].create(
    [{"name": f"Bench Customer {i}", "is_company": True} for i in range(N_PARTNERS)]
)
partners.customer_rank = 1
template = env["account.move"].create(
    {
        "move_type": "out_invoice",
        "partner_id": partners[0].id,
        "invoice_date": today,
        "invoice_line_ids": [
            Command.create({"name": "bench", "price_unit": 100.0, "tax_ids": []})
        ],
    }
)
template.action_post()
env["account.payment.register"].with_context(
    active_model="account.move", active_ids=template.ids
).create({"amount": 100.0})._create_payments()
env.flush_all()
term_line = template.line_ids.filtered(lambda line: line.display_type == "payment_term")
partial = env["account.partial.reconcile"].search(
    [("debit_move_id", "=", term_line.id)], limit=1
)
pids = "(ARRAY[{}])".format(",".join(str(i) for i in partners.ids))
gen = f"CROSS JOIN generate_series(1, {N_INVOICES}) g"
inv_date = f"(DATE '{today}' - ((g * 7) % 365 + 1))"
amount = "(100 + (g % 900))::numeric"
clone_sql(
    "account_move",
    template.id,
    {
        "name": "'BENCH/' || g",
        "partner_id": f"{pids}[1 + g % {N_PARTNERS}]",
        "commercial_partner_id": f"{pids}[1 + g % {N_PARTNERS}]",
        "date": inv_date,
        "invoice_date": inv_date,
        "invoice_date_due": f"{inv_date} + 30",
        "amount_total_signed": amount,
        "amount_residual_signed": f"CASE WHEN g % 10 < 7 THEN 0 ELSE {amount} END",
        "payment_state": "CASE WHEN g % 10 < 7 THEN 'paid' ELSE 'not_paid' END",
    },
    extra_from=gen,
)
clone_sql(
    "account_move_line",
    term_line.id,
    {
        "move_id": "m.id",
        "partner_id": "m.partner_id",
        "date": "m.date",
        "date_maturity": "m.invoice_date_due",
        "balance": "m.amount_total_signed",
        "debit": "m.amount_total_signed",
        "amount_currency": "m.amount_total_signed",
        "amount_residual": "m.amount_residual_signed",
        "amount_residual_currency": "m.amount_residual_signed",
        "reconciled": "m.amount_residual_signed = 0",
    },
    extra_from="JOIN account_move m ON m.name LIKE 'BENCH/%%'",
)
clone_sql(
    "account_partial_reconcile",
    partial.id,
    {
        "debit_move_id": "l.id",
        # paid between 10 days early and 50 days late, by customer
        "max_date": "l.date_maturity + (l.partner_id % 60 - 10)",
    },
    extra_from="JOIN account_move_line l ON l.reconciled AND l.id IN ("
    "SELECT aml.id FROM account_move_line aml JOIN account_move m "
    "ON m.id = aml.move_id WHERE m.name LIKE 'BENCH/%%')",
)
env.invalidate_all()
print(
    f"generated {N_PARTNERS} customers / {N_INVOICES} invoices "
    f"in {time.time() - start:.1f}s"
)


def measure(label, function, records):
    env.invalidate_all()
    queries = cr.sql_log_count
    start = time.time()
    function(records)
    env.flush_all()
    elapsed = time.time() - start
    print(
        f"{label:<28} {len(records):>5} customers  {elapsed:7.2f}s  "
        f"{cr.sql_log_count - queries:>5} queries"
    )


for size in (500, 1000, 5000):
    subset = partners[:size]
    measure(
        "exposure",
        lambda p: env["credit.exposure"]._credit_exposure_data(p, company),
        subset,
    )
compute_scores = env["credit.risk.score"]._credit_compute_scores
for size in (500, 1000, 5000):
    subset = partners[:size]
    measure("risk recompute (first)", compute_scores, subset)
measure("risk recompute (again)", compute_scores, partners)
grades = env["res.partner"]._read_group(
    [("id", "in", partners.ids)], ["credit_risk_grade_id"], ["__count"]
)
print("BENCH grades:", {g.code: n for g, n in grades if g})
cr.rollback()
