"""Set-based generator of a realistic receivable ledger for the benchmark.

The ORM needs about 50 ms per posted invoice; this writes moves, lines,
partial and full reconciliations with plain SQL (COPY into a staging table,
then INSERT ... SELECT), with the same balances, residuals, due dates and
payment states Odoo would compute, and checks a sample against the ORM.

Ledger shape, per customer profile (by customer number):
- 55 % on-time payers, 20 % occasional late payers, 20 % chronic late payers,
  5 % partial payers;
- two companies (80 % / 20 % of the customers), 10 % of invoices in USD;
- ``open_invoices`` open invoices (due from 20 days ahead to 150 days ago,
  partial payers half paid) plus half as many paid invoices of the past year
  (paid on time, a little late or very late by profile) and 2 % open credit
  notes.
"""

import io
import random
from datetime import timedelta

from odoo import fields
from odoo.tools import SQL

PROFILES = ("on_time",) * 11 + ("occasional",) * 4 + ("chronic",) * 4 + ("partial",)
PAY_DELAY = {
    "on_time": (-5, 2),
    "occasional": (0, 25),
    "chronic": (20, 90),
    "partial": (0, 30),
}


# Boolean columns that one series stores and the other does not: 18 stores a
# move's ``is_storno`` and a line's ``tax_tag_invert``, 19 a line's
# ``is_storno``. The inserts write them false where the running series has them.
SERIES_FLAGS = {
    "account_move": ("is_storno",),
    "account_move_line": ("is_storno", "tax_tag_invert"),
}


def _series_flag_sql(cr):
    """``{move_flags}``, ``{move_flag_values}``, ``{line_flags}`` and
    ``{line_flag_values}`` for the inserts: the series' own flag columns and
    as many ``false``, each item led by a comma (empty when it has none)."""
    cr.execute(
        """
        SELECT table_name, column_name FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = ANY(%s)
        """,
        [list(SERIES_FLAGS)],
    )
    present = set(cr.fetchall())
    flags = {}
    for table, key in (("account_move", "move"), ("account_move_line", "line")):
        columns = [c for c in SERIES_FLAGS[table] if (table, c) in present]
        flags[f"{key}_flags"] = "".join(f", {c}" for c in columns)
        flags[f"{key}_flag_values"] = ", false" * len(columns)
    return flags


def _setup_company(env, name):
    """A company with the generic chart of accounts, in EUR, and the accounts
    and journals the generator books on. No country: a country makes Odoo
    install and load its localisation at commit time."""
    company = env["res.company"].create(
        {"name": name, "currency_id": env.ref("base.EUR").id}
    )
    env.user.company_ids |= company
    env["account.chart.template"].try_loading(
        "generic_coa", company, install_demo=False
    )
    company.currency_id = env.ref("base.EUR")
    Account = env["account.account"].with_company(company)
    Journal = env["account.journal"].with_company(company)
    domain = Account._check_company_domain(company)
    receivable = Account.search(
        [*domain, ("account_type", "=", "asset_receivable")], limit=1
    )
    income = Account.search([*domain, ("account_type", "=", "income")], limit=1)
    outstanding = Account.create(
        {
            "name": "Bench outstanding receipts",
            "code": "BENCH1",
            "account_type": "asset_current",
            "reconcile": True,
            "company_ids": company.ids,
        }
    )
    jdomain = Journal._check_company_domain(company)
    sale = Journal.search([*jdomain, ("type", "=", "sale")], limit=1)
    bank = Journal.search([*jdomain, ("type", "=", "bank")], limit=1)
    bank.inbound_payment_method_line_ids.payment_account_id = outstanding
    return {
        "company": company,
        "receivable": receivable,
        "income": income,
        "outstanding": outstanding,
        "sale": sale,
        "bank": bank,
    }


def _copy(env, table, columns, rows):
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if v is None else str(v) for v in row) + "\n")
    buffer.seek(0)
    env.cr._obj.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)


def setup_companies(env):
    """The two companies of the ledger (chart of accounts, journals, USD
    rate, default dunning scenario): ORM work, timed apart."""
    today = fields.Date.context_today(env.user)
    usd = env.ref("base.USD")
    usd.active = True
    setups = [
        _setup_company(env, "Bench France SAS"),
        _setup_company(env, "Bench Deutschland GmbH"),
    ]
    # Three automatic email levels, the same policy OCA's run gets.
    scenario = env["credit.dunning.scenario"].create(
        {
            "name": "Bench 3 levels",
            "send_window": "always",
            "level_ids": [
                (
                    0,
                    0,
                    {
                        "name": name,
                        "days_offset": days,
                        "email_template_id": env.ref(
                            f"credit_collection.mail_template_notice_{template}"
                        ).id,
                    },
                )
                for name, days, template in (
                    ("First", 7, "reminder"),
                    ("Second", 20, "second"),
                    ("Formal", 35, "formal"),
                )
            ],
        }
    )
    for setup in setups:
        env["res.currency.rate"].create(
            {
                "currency_id": usd.id,
                "company_id": setup["company"].id,
                "name": today - timedelta(days=400),
                "rate": 1.1,
            }
        )
        setup["company"].credit_default_scenario_id = scenario
    env.flush_all()
    return setups


def generate(env, setups, open_invoices, customers, seed=42):
    """Generate the ledger set-based; returns a dict of counts."""
    rng = random.Random(seed)
    today = fields.Date.context_today(env.user)
    usd = env.ref("base.USD")
    cr = env.cr

    # Customers: one INSERT for all.
    cr.execute(
        SQL(
            """
            INSERT INTO res_partner (name, complete_name, active, is_company, type,
                lang, email, autopost_bills, credit_debtor_type, customer_rank,
                create_uid, write_uid, create_date, write_date)
            SELECT 'Bench Customer ' || g, 'Bench Customer ' || g, true, true,
                   'contact', 'en_US', 'ap' || g || '@customer.example.com', 'ask',
                   'auto', 1, 1, 1, now(), now()
              FROM generate_series(1, %s) g
            RETURNING id
            """,
            customers,
        )
    )
    partner_ids = [row[0] for row in cr.fetchall()]
    cr.execute(
        SQL(
            "UPDATE res_partner SET commercial_partner_id = id WHERE id = ANY(%s)",
            partner_ids,
        )
    )

    # Staging: one row per invoice, drawn in Python, loaded with COPY.
    cr.execute(
        """
        CREATE TEMP TABLE bench_invoice (
            seq integer, move_id integer, partner_id integer, setup integer,
            move_type varchar, currency_id integer, rate numeric,
            amount_currency numeric, amount numeric, paid numeric,
            invoice_date date, due_date date, pay_date date,
            line_recv integer, line_income integer, pay_move integer,
            pay_recv integer, pay_bank integer
        ) ON COMMIT DROP
        """
    )
    rows = []
    eur = env.ref("base.EUR")
    paid_invoices = open_invoices // 2
    total = open_invoices + paid_invoices
    for seq in range(total):
        index = rng.randrange(customers)
        partner_id = partner_ids[index]
        profile = PROFILES[index % len(PROFILES)]
        setup = 1 if index % 5 == 0 else 0
        foreign = rng.random() < 0.1
        rate = 1.1 if foreign else 1.0
        amount_currency = round(rng.uniform(80, 12000), 2)
        amount = round(amount_currency / rate, 2)
        move_type, paid, pay_date = "out_invoice", 0.0, None
        if seq < open_invoices:
            due = today + timedelta(days=rng.randint(-150, 20))
            if rng.random() < 0.02:
                move_type = "out_refund"
                amount_currency, amount = (
                    round(amount_currency / 10, 2),
                    round(amount / 10, 2),
                )
            elif profile == "partial":
                paid = round(amount * 0.5, 2)
                pay_date = min(due + timedelta(days=5), today)
        else:
            due = today - timedelta(days=rng.randint(30, 365))
            low, high = PAY_DELAY[profile]
            pay_date = min(due + timedelta(days=rng.randint(low, high)), today)
            paid = amount
        rows.append(
            (
                seq,
                None,
                partner_id,
                setup,
                move_type,
                usd.id if foreign else eur.id,
                rate,
                amount_currency,
                amount,
                paid,
                due - timedelta(days=30) if move_type == "out_invoice" else due,
                due,
                pay_date,
                None,
                None,
                None,
                None,
                None,
            )
        )
    _copy(
        env,
        "bench_invoice",
        [
            "seq",
            "move_id",
            "partner_id",
            "setup",
            "move_type",
            "currency_id",
            "rate",
            "amount_currency",
            "amount",
            "paid",
            "invoice_date",
            "due_date",
            "pay_date",
            "line_recv",
            "line_income",
            "pay_move",
            "pay_recv",
            "pay_bank",
        ],
        rows,
    )
    # Ids drawn from the sequences, so that every row knows its records.
    cr.execute(
        """
        UPDATE bench_invoice SET
            move_id = nextval('account_move_id_seq'),
            line_recv = nextval('account_move_line_id_seq'),
            line_income = nextval('account_move_line_id_seq');
        UPDATE bench_invoice SET
            pay_move = nextval('account_move_id_seq'),
            pay_recv = nextval('account_move_line_id_seq'),
            pay_bank = nextval('account_move_line_id_seq')
         WHERE paid > 0;
        """
    )
    # Per company values as a small VALUES table.
    company_values = SQL(", ").join(
        SQL(
            "(%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            index,
            s["company"].id,
            s["sale"].id,
            s["bank"].id,
            s["receivable"].id,
            s["income"].id,
            s["outstanding"].id,
            s["company"].currency_id.id,
            s["company"].name,
        )
        for index, s in enumerate(setups)
    )
    cr.execute(
        SQL(
            """
            CREATE TEMP TABLE bench_company ON COMMIT DROP AS
            SELECT * FROM (VALUES %s) AS v(setup, company_id, sale_journal,
                bank_journal, receivable, income, outstanding, currency_id, name)
            """,
            company_values,
        )
    )
    cr.execute(
        """
        -- Invoices and credit notes
        INSERT INTO account_move (id, name, journal_id, company_id, currency_id,
            date, invoice_date, invoice_date_due, move_type, state, partner_id,
            commercial_partner_id, auto_post, sequence_prefix, sequence_number,
            invoice_currency_rate, amount_untaxed, amount_tax, amount_total,
            amount_residual, amount_untaxed_signed, amount_untaxed_in_currency_signed,
            amount_tax_signed, amount_total_signed, amount_total_in_currency_signed,
            amount_residual_signed, payment_state, invoice_partner_display_name,
            posted_before, made_sequence_gap, is_move_sent, checked,
            always_tax_exigible, create_uid, write_uid, create_date, write_date
            {move_flags})
        SELECT i.move_id,
               CASE WHEN i.move_type = 'out_invoice' THEN 'BINV/' ELSE 'BREF/' END
                   || lpad(i.seq::text, 7, '0'),
               c.sale_journal, c.company_id, i.currency_id, i.invoice_date,
               i.invoice_date, i.due_date, i.move_type, 'posted', i.partner_id,
               i.partner_id, 'no',
               CASE WHEN i.move_type = 'out_invoice' THEN 'BINV/' ELSE 'BREF/' END,
               i.seq, i.rate, i.amount_currency, 0, i.amount_currency,
               round(i.amount_currency * (i.amount - i.paid) / i.amount, 2),
               s.sign * i.amount, s.sign * i.amount_currency, 0, s.sign * i.amount,
               s.sign * i.amount_currency, s.sign * (i.amount - i.paid),
               CASE WHEN i.paid = 0 THEN 'not_paid'
                    WHEN i.paid >= i.amount THEN 'paid' ELSE 'partial' END,
               p.name, true, false, false, true, false, 1, 1, now(), now()
               {move_flag_values}
          FROM bench_invoice i
          JOIN bench_company c ON c.setup = i.setup
          JOIN res_partner p ON p.id = i.partner_id
          CROSS JOIN LATERAL (SELECT CASE WHEN i.move_type = 'out_invoice'
                                          THEN 1 ELSE -1 END AS sign) s;

        -- Receivable lines (debit for invoices, credit for credit notes)
        INSERT INTO account_move_line (id, move_id, journal_id, company_id,
            company_currency_id, account_id, currency_id, partner_id, move_name,
            parent_state, name, display_type, date, invoice_date, date_maturity,
            debit, credit, balance, amount_currency, amount_residual,
            amount_residual_currency, reconciled, quantity, price_unit,
            price_subtotal, price_total, discount, is_imported,
            create_uid, write_uid, create_date, write_date{line_flags})
        SELECT i.line_recv, i.move_id, c.sale_journal, c.company_id, c.currency_id,
               c.receivable, i.currency_id, i.partner_id, m.name, 'posted',
               m.name, 'payment_term', i.invoice_date, i.invoice_date, i.due_date,
               GREATEST(s.sign * i.amount, 0), GREATEST(-s.sign * i.amount, 0),
               s.sign * i.amount, s.sign * i.amount_currency,
               s.sign * (i.amount - i.paid),
               s.sign * round(i.amount_currency * (i.amount - i.paid) / i.amount, 2),
               i.paid >= i.amount, 1, 0, 0, 0, 0, false, 1, 1, now(), now()
               {line_flag_values}
          FROM bench_invoice i
          JOIN bench_company c ON c.setup = i.setup
          JOIN account_move m ON m.id = i.move_id
          CROSS JOIN LATERAL (SELECT CASE WHEN i.move_type = 'out_invoice'
                                          THEN 1 ELSE -1 END AS sign) s;

        -- Income lines
        INSERT INTO account_move_line (id, move_id, journal_id, company_id,
            company_currency_id, account_id, currency_id, partner_id, move_name,
            parent_state, name, display_type, date, invoice_date, debit, credit,
            balance, amount_currency, amount_residual, amount_residual_currency,
            reconciled, quantity, price_unit, price_subtotal, price_total, discount,
            is_imported, create_uid, write_uid, create_date,
            write_date{line_flags})
        SELECT i.line_income, i.move_id, c.sale_journal, c.company_id, c.currency_id,
               c.income, i.currency_id, i.partner_id, m.name, 'posted', 'Goods',
               'product', i.invoice_date, i.invoice_date,
               GREATEST(-s.sign * i.amount, 0), GREATEST(s.sign * i.amount, 0),
               -s.sign * i.amount, -s.sign * i.amount_currency, 0, 0, false, 1,
               i.amount_currency, i.amount_currency, i.amount_currency, 0,
               false, 1, 1, now(), now(){line_flag_values}
          FROM bench_invoice i
          JOIN bench_company c ON c.setup = i.setup
          JOIN account_move m ON m.id = i.move_id
          CROSS JOIN LATERAL (SELECT CASE WHEN i.move_type = 'out_invoice'
                                          THEN 1 ELSE -1 END AS sign) s;

        -- Payments: an entry in the bank journal per paid invoice
        INSERT INTO account_move (id, name, journal_id, company_id, currency_id, date,
            move_type, state, partner_id, commercial_partner_id, auto_post,
            sequence_prefix, sequence_number, amount_total, amount_total_signed,
            amount_total_in_currency_signed, amount_untaxed, amount_tax,
            amount_residual, amount_untaxed_signed, amount_untaxed_in_currency_signed,
            amount_tax_signed, amount_residual_signed, payment_state,
            invoice_currency_rate, posted_before, made_sequence_gap, is_move_sent,
            checked, always_tax_exigible, create_uid, write_uid,
            create_date, write_date{move_flags})
        SELECT i.pay_move, 'BPAY/' || lpad(i.seq::text, 7, '0'), c.bank_journal,
               c.company_id, i.currency_id, i.pay_date, 'entry', 'posted',
               i.partner_id, i.partner_id, 'no', 'BPAY/', i.seq, i.paid, i.paid,
               i.paid, 0, 0, 0, 0, 0, 0, 0, 'not_paid', 1, true, false, false, true,
               false, 1, 1, now(), now(){move_flag_values}
          FROM bench_invoice i JOIN bench_company c ON c.setup = i.setup
         WHERE i.paid > 0;

        INSERT INTO account_move_line (id, move_id, journal_id, company_id,
            company_currency_id, account_id, currency_id, partner_id, move_name,
            parent_state, name, display_type, date, debit, credit, balance,
            amount_currency, amount_residual, amount_residual_currency, reconciled,
            quantity, price_unit, price_subtotal, price_total, discount,
            is_imported, create_uid, write_uid, create_date,
            write_date{line_flags})
        SELECT i.pay_recv, i.pay_move, c.bank_journal, c.company_id, c.currency_id,
               c.receivable, i.currency_id, i.partner_id,
               'BPAY/' || lpad(i.seq::text, 7, '0'), 'posted', 'Payment',
               'product', i.pay_date, 0, i.paid, -i.paid,
               -round(i.amount_currency * i.paid / i.amount, 2), 0, 0, true, 1, 0,
               0, 0, 0, false, 1, 1, now(), now(){line_flag_values}
          FROM bench_invoice i JOIN bench_company c ON c.setup = i.setup
         WHERE i.paid > 0
        UNION ALL
        SELECT i.pay_bank, i.pay_move, c.bank_journal, c.company_id, c.currency_id,
               c.outstanding, i.currency_id, i.partner_id,
               'BPAY/' || lpad(i.seq::text, 7, '0'), 'posted', 'Payment',
               'product', i.pay_date, i.paid, 0, i.paid,
               round(i.amount_currency * i.paid / i.amount, 2), i.paid,
               round(i.amount_currency * i.paid / i.amount, 2), false, 1, 0, 0, 0,
               0, false, 1, 1, now(), now(){line_flag_values}
          FROM bench_invoice i JOIN bench_company c ON c.setup = i.setup
         WHERE i.paid > 0;

        -- Partial reconciliations, and full ones for the paid invoices
        INSERT INTO account_partial_reconcile (debit_move_id, credit_move_id,
            debit_currency_id, credit_currency_id, company_id, max_date, amount,
            debit_amount_currency, credit_amount_currency, create_uid, write_uid,
            create_date, write_date)
        SELECT i.line_recv, i.pay_recv, i.currency_id, i.currency_id, c.company_id,
               i.pay_date, i.paid, round(i.amount_currency * i.paid / i.amount, 2),
               round(i.amount_currency * i.paid / i.amount, 2), 1, 1, now(), now()
          FROM bench_invoice i JOIN bench_company c ON c.setup = i.setup
         WHERE i.paid > 0;
        """.format(**_series_flag_sql(cr))
    )
    cr.execute(
        """
        WITH full_rec AS (
            INSERT INTO account_full_reconcile (create_uid, write_uid, create_date,
                write_date)
            SELECT 1, 1, now(), now() FROM bench_invoice WHERE paid >= amount
            RETURNING id
        ), numbered AS (
            SELECT id, row_number() OVER (ORDER BY id) AS n FROM full_rec
        ), paid AS (
            SELECT line_recv, pay_recv, row_number() OVER (ORDER BY seq) AS n
              FROM bench_invoice WHERE paid >= amount
        ), pairs AS (
            SELECT numbered.id AS full_id, paid.line_recv, paid.pay_recv
              FROM numbered JOIN paid USING (n)
        ), lines AS (
            UPDATE account_move_line line SET full_reconcile_id = pairs.full_id,
                   matching_number = pairs.full_id::text
              FROM pairs WHERE line.id IN (pairs.line_recv, pairs.pay_recv)
        )
        UPDATE account_partial_reconcile part SET full_reconcile_id = pairs.full_id
          FROM pairs WHERE part.debit_move_id = pairs.line_recv
        """
    )
    cr.execute(
        """
        UPDATE account_move_line line SET matching_number = 'P' || part.id
          FROM account_partial_reconcile part
         WHERE part.full_reconcile_id IS NULL
           AND line.id IN (part.debit_move_id, part.credit_move_id)
        """
    )
    cr.execute(
        "SELECT setval('account_move_id_seq', (SELECT max(id) FROM account_move))"
    )
    env.invalidate_all()
    counts = {
        "customers": customers,
        "invoices": total,
        "open_invoices": open_invoices,
        "companies": [s["company"].id for s in setups],
    }
    return counts


def check_consistency(env, sample_size=200, seed=7):
    """Recompute, with Odoo's own code, what the generator wrote for a
    sample of moves and customers; return the differences (empty if none)."""
    rng = random.Random(seed)
    cr = env.cr
    cr.execute(
        "SELECT id FROM account_move WHERE name LIKE 'BINV/%%' OR name LIKE 'BREF/%%'"
    )
    move_ids = [row[0] for row in cr.fetchall()]
    sample = env["account.move"].browse(
        rng.sample(move_ids, min(sample_size, len(move_ids)))
    )
    written = {
        move.id: (move.amount_residual, move.amount_total, move.payment_state)
        for move in sample
    }
    lines = sample.line_ids
    env.add_to_compute(lines._fields["amount_residual"], lines)
    env.add_to_compute(lines._fields["amount_residual_currency"], lines)
    env.add_to_compute(lines._fields["reconciled"], lines)
    env.add_to_compute(sample._fields["amount_residual"], sample)
    env.add_to_compute(sample._fields["amount_total"], sample)
    env.add_to_compute(sample._fields["payment_state"], sample)
    differences = []  # reading the fields recomputes them with Odoo's code
    for move in sample:
        now = (move.amount_residual, move.amount_total, move.payment_state)
        if now != written[move.id] and not (
            abs(now[0] - written[move.id][0]) < 0.011
            and abs(now[1] - written[move.id][1]) < 0.011
            and now[2] == written[move.id][2]
        ):
            differences.append((move.name, written[move.id], now))
    # res.partner.credit (Odoo's SQL) against the ledger sum
    partners = sample.commercial_partner_id[:20]
    for company_id in set(sample.company_id.ids):
        company = env["res.company"].browse(company_id)
        for partner in partners.with_company(company):
            cr.execute(
                """
                SELECT COALESCE(SUM(l.amount_residual), 0)
                  FROM account_move_line l
                  JOIN account_account a ON a.id = l.account_id
                 WHERE l.partner_id = %s AND l.company_id = %s
                   AND a.account_type = 'asset_receivable'
                   AND l.parent_state = 'posted' AND NOT l.reconciled
                """,
                (partner.id, company.id),
            )
            expected = cr.fetchone()[0]
            if abs(float(expected) - partner.credit) > 0.011:
                differences.append(
                    (partner.name, company.name, expected, partner.credit)
                )
    return differences
