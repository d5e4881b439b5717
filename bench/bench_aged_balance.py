"""Scale benchmark of the aged balance.

Run in a THROWAWAY database that has credit_collection installed:

    createdb -T cc_analytics cc_aged_bench
    python3 -m odoo shell -d cc_aged_bench --addons-path=... --no-http \
        < bench/bench_aged_balance.py
    dropdb cc_aged_bench

Generates set-based (INSERT ... SELECT generate_series) 20,000 customers and
1,000,000 posted receivable lines cloned from one real invoice: 98 % invoices
(100 to 999, dated over 400 days, due 30 days later), 2 % credit notes and
unapplied payments; 85 % of the invoices paid in full and 5 % by half, between
10 days early and 50 days late but never after today (so some after the
as-of date, 30 days ago), stored residuals and reconciled flags consistent with
the partials. The data is committed (VACUUM ANALYZE needs it): drop the
database afterwards.
Then times the aged balance (service and wizard) and measures memory.
"""

import resource
import time
import tracemalloc
from datetime import timedelta

from odoo import Command, fields
from odoo.sql_db import db_connect
from odoo.tools import SQL

N_PARTNERS = 20_000
N_LINES = 1_000_000

env = env  # noqa: F821 (provided by odoo shell)
company = env.company
today = fields.Date.context_today(env.user)
as_of = today - timedelta(days=30)
cr = env.cr


def columns_of(table):
    return [
        row[0]
        for row in env.execute_query(
            SQL(
                "SELECT column_name FROM information_schema.columns WHERE "
                "table_name = %s AND column_name != 'id' ORDER BY ordinal_position",
                table,
            )
        )
    ]


def clone_sql(table, template_id, overrides, extra_from=""):
    """INSERT INTO table SELECT <template columns, some overridden> ..."""
    columns = columns_of(table)
    select = ", ".join(overrides.get(col, f"t.{col}") for col in columns)
    cr.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {select} "
        f"FROM {table} t {extra_from} WHERE t.id = {int(template_id)}"
    )


[(existing,)] = env.execute_query(
    SQL("SELECT COUNT(*) FROM account_move_line WHERE name LIKE %s", "BENCH/%")
)
start = time.time()
if not existing:  # a second run only measures
    start = time.time()
    partner = env["res.partner"].create({"name": "Bench Customer", "is_company": True})
    template = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": partner.id,
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
    term_line = template.line_ids.filtered(
        lambda line: line.display_type == "payment_term"
    )
    partial = env["account.partial.reconcile"].search(
        [("debit_move_id", "=", term_line.id)], limit=1
    )
    clone_sql(
        "res_partner",
        partner.id,
        {
            "name": "'Bench Customer ' || g",
            "complete_name": "'Bench Customer ' || g",
            "commercial_partner_id": "NULL",
        },
        extra_from=f"CROSS JOIN generate_series(1, {N_PARTNERS}) g",
    )
    cr.execute(
        "UPDATE res_partner SET commercial_partner_id = id "
        "WHERE name LIKE 'Bench Customer %%' AND commercial_partner_id IS NULL"
    )
    [(first_partner,)] = env.execute_query(
        SQL(
            "SELECT MIN(id) FROM res_partner WHERE name LIKE %s AND id != %s",
            "Bench Customer %",
            partner.id,
        )
    )
    line_date = f"(DATE '{today}' - (g * 7) % 400)"
    amount = (
        "(CASE WHEN g % 50 = 0 THEN -(50 + g % 200) ELSE 100 + g % 900 END)::numeric"
    )
    clone_sql(
        "account_move_line",
        term_line.id,
        {
            "partner_id": f"{first_partner} + g % {N_PARTNERS}",
            "date": line_date,
            "date_maturity": f"{line_date} + 30",
            "balance": amount,
            "debit": f"GREATEST({amount}, 0)",
            "credit": f"GREATEST(-{amount}, 0)",
            "amount_currency": amount,
            "amount_residual": amount,
            "amount_residual_currency": amount,
            "reconciled": "FALSE",
            "full_reconcile_id": "NULL",
            "name": "'BENCH/' || g",
        },
        extra_from=f"CROSS JOIN generate_series(1, {N_LINES}) g",
    )
    # Invoice lines: 85 % paid in full, 5 % paid by half, 10 % open, paid between
    # 10 days early and 50 days late. The payment side of the partials is a line
    # outside the receivable account, so that only the invoice lines are aged.
    income_line = template.line_ids.filtered(lambda line: line.balance < 0)[:1]
    cr.execute(
        SQL(
            """
        INSERT INTO account_partial_reconcile
               (debit_move_id, credit_move_id, company_id, debit_currency_id,
                credit_currency_id, amount, debit_amount_currency,
                credit_amount_currency, max_date, create_uid, write_uid,
                create_date, write_date)
        SELECT l.id, %s, l.company_id, l.currency_id, l.currency_id,
               CASE WHEN mod(l.id, 20) < 17 THEN l.balance
                    ELSE ROUND(l.balance / 2, 2) END,
               l.balance, l.balance,
               LEAST(l.date_maturity + (mod(l.id, 60) - 10), %s), 1, 1, now(), now()
          FROM account_move_line l
         WHERE l.name LIKE %s AND l.balance > 0 AND mod(l.id, 20) < 18
            """,
            income_line.id,
            today,
            "BENCH/%",
        )
    )
    cr.execute(
        SQL(
            """
        UPDATE account_move_line l
           SET amount_residual = l.balance - p.amount,
               amount_residual_currency = l.balance - p.amount,
               reconciled = l.balance = p.amount
          FROM (SELECT debit_move_id, SUM(amount) AS amount
                  FROM account_partial_reconcile GROUP BY debit_move_id) AS p
         WHERE p.debit_move_id = l.id AND l.name LIKE %s
            """,
            "BENCH/%",
        )
    )
    # Commit (the database is a throwaway) and let VACUUM ANALYZE set the
    # visibility map and statistics, as autovacuum would on a live database.
    cr.commit()
    with db_connect(cr.dbname).cursor() as maintenance:
        maintenance._cnx.autocommit = True
        for table in ("account_move_line", "account_partial_reconcile", "res_partner"):
            maintenance.execute(f"VACUUM ANALYZE {table}")
[(lines,)] = env.execute_query(
    SQL("SELECT COUNT(*) FROM account_move_line WHERE name LIKE 'BENCH/%%'")
)
[(partials,)] = env.execute_query(SQL("SELECT COUNT(*) FROM account_partial_reconcile"))
env.invalidate_all()
print(
    f"generated {N_PARTNERS} customers, {lines} receivable lines, {partials} "
    f"partial reconciliations in {time.time() - start:.1f}s"
)


def measure(label, function):
    env.invalidate_all()
    tracemalloc.start()
    queries = cr.sql_log_count
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.time()
    result = function()
    elapsed = time.time() - start
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"{label:<40} {elapsed:6.2f}s  {cr.sql_log_count - queries:>3} queries  "
        f"python peak {peak / 1e6:6.1f} MB  "
        f"max RSS +{(rss_after - rss_before) / 1e3:.0f} MB"
    )
    return result


service = env["credit.aged.balance"]
for _run in range(2):
    rows = measure(
        "aged balance service (1 company)",
        lambda: service._credit_aged_balance(as_of, company),
    )
print(f"  {len(rows)} customers, total {sum(r['amount_total'] for r in rows):,.2f}")
wizard = env["credit.aged.balance.wizard"].create(
    {"date": as_of, "company_ids": [Command.set(company.ids)]}
)
measure("aged balance wizard (INSERT ... SELECT)", wizard._credit_compute_lines)
measure(
    "aged balance as of today", lambda: service._credit_aged_balance(today, company)
)
for _run in range(2):
    measure(
        "aged balance as of 6 months ago",
        lambda: service._credit_aged_balance(today - timedelta(days=182), company),
    )
kpi = env["credit.collection.kpi"]
month_start = as_of.replace(day=1)
measure(
    "payment times (1 month)",
    lambda: kpi._credit_payment_times(company, month_start, as_of),
)
measure(
    "recovery rate (1 month)", lambda: kpi._credit_recovery(company, month_start, as_of)
)
measure(
    "DSO (aged balance + monthly sales)",
    lambda: env["credit.collection.kpi"]._credit_dso(as_of, company),
)
measure(
    "monthly snapshot (all indicators)",
    lambda: env["credit.collection.snapshot"]._credit_snapshot_values(company, as_of),
)
cr.rollback()
