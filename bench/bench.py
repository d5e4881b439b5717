"""The scale benchmark: a realistic ledger, our engine timed with SQL query
counts and peak memory, side by side with OCA's account_credit_control.

Run it through ``scripts/bench.sh`` (it finds Odoo, starts PostgreSQL and
creates the database). Usage::

    python3 bench/bench.py --db NAME --addons-path PATH --size small|medium|large
        [--scenario concurrent|smtp]...

With ``--scenario``, the ledger is followed by those reliability scenarios
(bench/scenarios.py) instead of the timed steps.
"""

import argparse
import json
import os
import socket
import sys
import threading
import time
from contextlib import closing, contextmanager
from datetime import timedelta

from werkzeug.serving import make_server

import odoo
from odoo import SUPERUSER_ID, api, fields, sql_db
from odoo.tools import config, mute_logger

sys.path.insert(0, os.path.dirname(__file__))
import ledger  # noqa: E402
import scenarios  # noqa: E402

SIZES = {  # open invoices, customers
    "small": (1_000, 200),
    "medium": (20_000, 4_000),
    "large": (100_000, 20_000),
}
RESULTS = []
# Rendering an email costs the same whatever the ledger: render a sample.
EMAIL_SAMPLE = 1000


def _rss_mb(field):
    """A memory figure of this process from /proc (Linux), in MB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


@contextmanager
def measure(label, **extra):
    """Time, SQL queries and peak memory of a block. Memory is the process's
    peak resident size during the block (the kernel's high-water mark, reset
    before it), which costs nothing, unlike tracemalloc, which slows Python
    code two to three times and would distort the times."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
            clear.write("5")  # reset the peak resident size
    except OSError:
        pass
    rss_before = _rss_mb("VmRSS")
    queries = sql_db.sql_counter
    start = time.perf_counter()
    info = dict(extra)
    yield info
    elapsed = time.perf_counter() - start
    peak = _rss_mb("VmHWM")
    info.update(
        step=label,
        seconds=round(elapsed, 2),
        queries=sql_db.sql_counter - queries,
        peak_mb=round(peak, 1),
        growth_mb=round(peak - rss_before, 1),
    )
    RESULTS.append(info)
    print(
        f"{label:<48} {info['seconds']:>9.2f} s {info['queries']:>8} queries "
        f"{info['peak_mb']:>7.1f} MB (+{info['growth_mb']:.1f})  "
        + " ".join(f"{k}={v}" for k, v in extra.items() | info.items() if k in extra),
        flush=True,
    )


def run_dunning(env, cr, again=False):
    """The scheduled action as the cron runs it: batch after batch, with a
    commit after each one. ``again``: a second round the same day, opened
    here since the scheduled action starts one round a day."""
    Run = env["credit.dunning.run"]
    if again:
        for company in env["res.company"].search([]):  # pylint: disable=no-search-all
            today = fields.Date.context_today(Run.with_company(company))
            Run.create({"company_id": company.id, "date": today})
    batches = 0
    while True:
        remaining = Run._cron_advance_dunning()
        cr.commit()
        batches += 1
        if not remaining:
            return batches


def bench_dunning(env, cr):
    """Our daily run, then the email job it triggers, then a second run the
    same day (which must create nothing)."""
    notices_before = env["credit.notice"].search_count([])
    with measure("dunning run (full)") as info:
        info["batches"] = run_dunning(env, cr)
    info["notices"] = env["credit.notice"].search_count([]) - notices_before
    info["per_batch_queries"] = round(info["queries"] / max(info["batches"], 1))
    first_notices = info["notices"]
    print(
        f"    notices={info['notices']} batches={info['batches']} "
        f"queries/batch={info['per_batch_queries']}"
    )
    pending = env["credit.notice"].search_count([("email_pending", "=", True)])
    sample = min(pending, EMAIL_SAMPLE)
    with measure(
        f"notice emails rendered and queued ({sample} of {pending})", pending=pending
    ) as info:
        batches = 0
        while (
            batches * 200 < sample and env["credit.notice"]._cron_send_pending_emails()
        ):
            cr.commit()
            batches += 1
        cr.commit()
        info["batches"] = batches
    info["mails_queued"] = env["mail.mail"].search_count(
        [("model", "=", "credit.notice")]
    )
    info["ms_per_email"] = round(1000 * info["seconds"] / max(info["mails_queued"], 1))
    print(f"    mails queued={info['mails_queued']} ({info['ms_per_email']} ms each)")
    with measure("dunning run (second, idempotent)") as info:
        info["batches"] = run_dunning(env, cr, again=True)
    info["notices"] = (
        env["credit.notice"].search_count([]) - notices_before - first_notices
    )
    print(f"    new notices on the second run: {info['notices']}")


def bench_risk(env, cr):
    companies = env["res.company"].search([("name", "like", "Bench %")])
    partners = env["res.partner"].search([("name", "like", "Bench Customer %")])
    for company in companies:
        with measure(f"exposure ({company.name})", customers=len(partners)):
            env["credit.exposure"]._credit_exposure_data(
                partners.with_company(company), company
            )

    def run_risk_cron():
        batches, remaining = 0, 1
        while remaining:
            _done, remaining = env["credit.risk.score"]._cron_compute_scores()
            cr.commit()
            batches += 1
        return batches

    with measure("risk scores and grades (cron)", customers=len(partners)) as info:
        info["batches"] = run_risk_cron()
    # The next night: every score is a day old and recomputed; most
    # customers' figures did not move.
    cr.execute("UPDATE credit_risk_score SET date = date - 1")
    cr.commit()
    env.invalidate_all()
    with measure(
        "risk scores and grades (next night)", customers=len(partners)
    ) as nightly:
        nightly["batches"] = run_risk_cron()


def bench_aged_balance(env):
    if "credit.aged.balance" not in env:
        print("aged balance: not available in this version")
        return
    today = fields.Date.context_today(env.user)
    companies = env["res.company"].search([("name", "like", "Bench %")])
    for label, as_of in (("today", today), ("90 days ago", today - timedelta(days=90))):
        with measure(f"aged balance as of {label}"):
            env["credit.aged.balance"]._credit_aged_balance(as_of, companies)


def bench_payment_terms_disclosure(env):
    """Both D. 441-6 tables (received and issued) of each company, closed
    today over the last 365 days, in each presentation."""
    if "credit.payment.terms.disclosure" not in env:
        print("payment terms disclosure: not available in this version")
        return
    today = fields.Date.context_today(env.user)
    for company in env["res.company"].search([("name", "like", "Bench %")]):
        for presentation in ("closing", "year"):
            wizard = env["credit.payment.terms.disclosure"].create(
                {
                    "company_id": company.id,
                    "date_from": today - timedelta(days=364),
                    "date_to": today,
                    "presentation": presentation,
                }
            )
            env.invalidate_all()
            with measure(f"D441-6 tables {presentation}, {company.name}"):
                figures = wizard._credit_figures()
            counted = sum(
                cell["count"]
                for side in figures.values()
                for key, cell in side["cells"].items()
                if key != "total"
            )
            print(f"    invoices in (A)={counted}")


def bench_forecast(env, cr):
    """Expected payment dates of every open invoice, then the 13-week
    forecast and its backtest, per company (issue #20, part 3)."""
    if "credit.payment.forecast" not in env:
        print("payment forecast: not available in this version")
        return
    Forecast = env["credit.payment.forecast"]
    today = fields.Date.context_today(env.user)
    for company in env["res.company"].search([("name", "like", "Bench %")]):
        expected_dates(Forecast, cr, company, today, "first run")
        with measure(f"13-week forecast ({company.name})"):
            Forecast._credit_forecast(company, today)
        with measure(f"forecast backtest 4/8/12 weeks ({company.name})") as info:
            info["mae_share"] = " / ".join(
                f"{result['share']:.1%}" if result["share"] is not None else "-"
                for result in Forecast._credit_backtest(company, today)
            )
        print(f"    backtest error / collected per week: {info['mae_share']}")
        # The daily job: the same ledger a day later.
        expected_dates(Forecast, cr, company, today + timedelta(days=1), "the next day")


def expected_dates(Forecast, cr, company, day, label):
    with measure(f"expected payment dates, {label} ({company.name})") as info:
        info["invoices"], info["written"] = Forecast._credit_compute_expected_dates(
            company, day
        )
    cr.commit()
    print(f"    open invoices dated: {info['invoices']}, written: {info['written']}")


def serve_http(env):
    """wkhtmltopdf fetches the report's assets over HTTP: serve Odoo on a
    free loopback port for the letters step, as a running server would."""
    odoo.service.server.load_server_wide_modules()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    server = make_server("127.0.0.1", port, odoo.http.root, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env["ir.config_parameter"].sudo().set_param(
        "report.url", f"http://127.0.0.1:{port}"
    )
    env.cr.commit()
    return server


def bench_letters(env, count=1000):
    if count <= 0:
        print("letters: skipped (CC_BENCH_LETTERS=0)")
        return
    notices = env["credit.notice"].search([], limit=count)
    if not notices:
        print("letters: no notice to render")
        return
    Report = env["ir.actions.report"]
    wkhtml = {"seconds": 0.0}
    originals = {
        name: getattr(type(Report), name)
        for name in ("_run_wkhtmltopdf", "_credit_run_processes")
    }

    def timed(original):
        def run(self, *args, **kwargs):
            start = time.perf_counter()
            try:
                return original(self, *args, **kwargs)
            finally:
                wkhtml["seconds"] += time.perf_counter() - start

        return run

    # Time spent waiting for wkhtmltopdf processes (several at a time).
    for name, original in originals.items():
        setattr(type(Report), name, timed(original))
    params = env["ir.config_parameter"].sudo()
    if os.environ.get("CC_BENCH_PDF_WORKERS"):
        params.set_param(
            "credit_collection.pdf_workers", os.environ["CC_BENCH_PDF_WORKERS"]
        )
    workers = Report._credit_pdf_workers()
    delay = params.get_param("report.print_delay", "1000")
    server = serve_http(env)
    # Generate the report's asset bundles once and commit them: the HTTP
    # thread serving them to wkhtmltopdf must not wait on this transaction.
    Report._render_qweb_html(
        "credit_collection.action_report_credit_notice", notices[:1].ids
    )
    env.cr.commit()
    try:
        with (
            mute_logger(
                "odoo.addons.base.models.ir_actions_report",
                "odoo.addons.credit_collection.models.ir_actions_report",
            ),
            measure(
                f"{len(notices)} letters in one PDF",
                letters=len(notices),
                workers=workers,
                print_delay_ms=delay,
            ) as info,
        ):
            pdf, _ = Report.with_context(force_report_rendering=True)._render_qweb_pdf(
                "credit_collection.action_report_credit_notice", notices.ids
            )
        info["pdf_mb"] = round(len(pdf) / 1024 / 1024, 1)
        info["wkhtmltopdf_share"] = round(
            wkhtml["seconds"] / max(info["seconds"], 0.01), 2
        )
        print(
            f"    pdf={info['pdf_mb']} MB, wkhtmltopdf {info['wkhtmltopdf_share']:.0%}"
        )
    finally:
        server.shutdown()
        for name, original in originals.items():
            setattr(type(Report), name, original)


def bench_oca(env, cr):
    """OCA's account_credit_control on the same ledger, with a 3-level
    policy equivalent to ours (+7, +20, +35 days, email)."""
    if "credit.control.run" not in env:
        print("OCA account_credit_control: not installed, skipped")
        return
    # Our bench levels email without attachments: OCA's base template
    # attaches its PDF summary to every email, so it gets a copy without.
    template = env.ref(
        "account_credit_control.email_template_credit_control_base"
    ).copy({"report_template_ids": [(5, 0, 0)]})
    for company in env["res.company"].search([("name", "like", "Bench %")]):
        receivables = env["account.account"].search(
            [
                ("account_type", "=", "asset_receivable"),
                ("company_ids", "in", company.ids),
            ]
        )
        policy = env["credit.control.policy"].create(
            {
                "name": "Bench 3 levels",
                "company_id": company.id,
                "account_ids": [(6, 0, receivables.ids)],
                "level_ids": [
                    (
                        0,
                        0,
                        {
                            "name": name,
                            "level": level,
                            "delay_days": days,
                            "computation_mode": "net_days",
                            "channel": "email",
                            "email_template_id": template.id,
                            "custom_text": name,
                            "custom_mail_text": f"<p>{name}</p>",
                        },
                    )
                    for level, (name, days) in enumerate(
                        (("First", 7), ("Second", 20), ("Formal", 35)), start=1
                    )
                ],
            }
        )
        company.credit_policy_id = policy
        cr.commit()
        run = env["credit.control.run"].create(
            {
                "date": fields.Date.context_today(env.user),
                "company_id": company.id,
                "policy_ids": [(6, 0, policy.ids)],
            }
        )
        with measure(f"OCA generate_credit_lines ({company.name})") as info:
            run.generate_credit_lines()
        info["lines"] = len(run.line_ids)
        with measure(f"OCA set_to_ready_lines ({company.name})"):
            run.set_to_ready_lines()
        with measure(f"OCA run_channel_action ({company.name})"):
            run.run_channel_action()
        cr.commit()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--size", choices=SIZES, default="small")
    parser.add_argument("--letters", type=int, default=100)
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "out"))
    parser.add_argument(
        "--scenario",
        action="append",
        choices=("concurrent", "smtp", "jobs"),
        help="run this reliability scenario instead of the timed steps",
    )
    parser.add_argument(
        "--edit-pause",
        type=float,
        default=0.02,
        help="concurrent scenario: seconds between two edits of the other process",
    )
    parser.add_argument(
        "--smtp-kill",
        choices=("before-reply", "after-reply"),
        default="before-reply",
        help="smtp scenario: the sink dies once it stored a message, before "
        "answering it, or is killed by the bench just after",
    )
    args = parser.parse_args()
    config.parse_config(
        ["--addons-path", args.addons_path, "-d", args.db, "--log-level", "warn"]
    )
    registry = odoo.modules.registry.Registry(args.db)
    open_invoices, customers = SIZES[args.size]
    # Every step commits its own work (the jobs scenario closes the cursor
    # to copy the database): nothing is committed on the way out.
    with closing(registry.cursor()) as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        with measure("set up 2 companies (charts of accounts, ORM)"):
            setups = ledger.setup_companies(env)
            cr.commit()
        with measure("generate ledger (SQL)", size=args.size) as info:
            counts = ledger.generate(env, setups, open_invoices, customers)
            cr.commit()
        info.update(counts)
        # Statistics and visibility map as autovacuum sets them on a live
        # database shortly after such an import (not timed).
        with sql_db.db_connect(args.db).cursor() as maintenance:
            maintenance._cnx.autocommit = True
            for table in ("account_move", "account_move_line", "res_partner"):
                maintenance.execute(f"VACUUM ANALYZE {table}")
        differences = ledger.check_consistency(env)
        cr.rollback()
        print(
            f"consistency with Odoo's own computation: "
            f"{'OK' if not differences else differences[:5]}"
        )
        if differences:
            sys.exit(
                "the generated ledger disagrees with Odoo: " + repr(differences[:5])
            )
        for scenario in args.scenario or ():
            getattr(scenarios, scenario)(env, cr, args, measure, run_dunning)
        if args.scenario:
            return write_figures(args, "_".join([args.size, *args.scenario]))
        bench_dunning(env, cr)
        bench_risk(env, cr)
        bench_aged_balance(env)
        bench_payment_terms_disclosure(env)
        bench_forecast(env, cr)
        try:
            bench_letters(env, args.letters)
        except Exception as error:  # report it, go on with OCA
            cr.rollback()
            print(f"letters: rendering failed here: {error!r}")
        ours = sum(r["seconds"] for r in RESULTS if r["step"] == "dunning run (full)")
        bench_oca(env, cr)
        theirs = sum(r["seconds"] for r in RESULTS if r["step"].startswith("OCA "))
        emails = next(
            (r for r in RESULTS if r["step"].startswith("notice emails")), None
        )
        with_emails = ours + (
            emails["seconds"] / max(emails["mails_queued"], 1) * emails["pending"]
            if emails
            else 0.0
        )
        if theirs:
            ratio = theirs / max(ours, 0.01)
            print(f"OCA / ours (run without the email job): {ratio:.1f}x")
            print(
                f"OCA / ours (run + every email rendered and queued, extrapolated "
                f"from the sample): {theirs / max(with_emails, 0.01):.1f}x"
            )
        cr.commit()
    write_figures(args, args.size)


def write_figures(args, name):
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, f"bench_{name}.json")
    with open(path, "w", encoding="utf-8") as out:
        json.dump(RESULTS, out, indent=2, default=str)
    print(f"figures written to {path}")


if __name__ == "__main__":
    main()
