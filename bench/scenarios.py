"""The benchmark's two reliability scenarios (issue 17), run on demand by
``scripts/bench.sh SIZE --scenario concurrent|smtp`` after the ledger:

- ``concurrent``: the dunning run goes batch by batch with a commit after
  each (as the cron does) while another process (bench/editor.py, its own
  registry) edits the customers of the batch in progress and registers
  payments of their invoices. Reported: batches, retries, batches that
  still failed, customers left for tomorrow, notices, duplicates (SQL).
- ``smtp``: the notices' emails go through a real SMTP server on localhost
  (bench/smtp_sink.py, aiosmtpd), killed (SIGKILL) once mid-queue and
  restarted; Odoo's mail queue and the engine's email job run until
  nothing is left. Reported: each notice's email state (sent, or failed
  with a reason; none lost without a trace) and the copies the sink
  received per notice."""

import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))


class _Count(logging.Handler):
    """Counts the WARNING records of a logger (the batches that still
    failed after their retries: models/batch_retry.py logs each one)."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.records = []

    def emit(self, record):
        self.records.append(record.getMessage())


def _start(args, label):
    """A helper process; returns once it printed ``ready``."""
    process = subprocess.Popen(
        [sys.executable, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline()
    if line.strip() != "ready":
        process.kill()
        sys.exit(f"{label} did not start: {line!r}")
    return process


def _notice_count(env):
    return env["credit.notice"].search_count([])


def _duplicates(cr):
    """Notices a customer got twice for the same level on one day (per
    currency: a customer with invoices in two currencies gets one notice
    for each), and invoices listed twice at the same level."""
    cr.execute(
        """SELECT count(*) FROM (
               SELECT 1 FROM credit_notice WHERE state != 'cancelled'
                GROUP BY partner_id, company_id, currency_id, level_id, date
               HAVING count(*) > 1) twice"""
    )
    customers = cr.fetchone()[0]
    cr.execute(
        """SELECT count(*) FROM (
               SELECT 1 FROM credit_notice_line line
                 JOIN credit_notice notice ON notice.id = line.notice_id
                WHERE notice.state != 'cancelled'
                GROUP BY line.move_id, notice.level_id
               HAVING count(*) > 1) twice"""
    )
    return customers, cr.fetchone()[0]


def concurrent(env, cr, args, measure, run_dunning):
    """(a) The run under concurrent edits and payments of its batches."""
    retry_log = logging.getLogger("odoo.addons.credit_collection.models.batch_retry")
    failed = _Count()
    retry_log.addHandler(failed)
    editor = _start(
        [
            os.path.join(HERE, "editor.py"),
            "--db",
            args.db,
            "--addons-path",
            args.addons_path,
            "--pause",
            str(args.edit_pause),
        ],
        "the editor process",
    )
    notices_before = _notice_count(env)
    try:
        with measure("dunning run under concurrent edits") as info:
            info["batches"] = run_dunning(env, cr)
    finally:
        editor.stdin.write("stop\n")
        editor.stdin.flush()
        out, _err = editor.communicate(timeout=120)
        retry_log.removeHandler(failed)
    edits = json.loads(out.strip().splitlines()[-1])
    env.invalidate_all()
    runs = env["credit.dunning.run"].search([])
    customers_twice, invoices_twice = _duplicates(cr)
    info.update(
        notices=_notice_count(env) - notices_before,
        retries=sum(runs.mapped("retry_count")),
        batches_failed=len(failed.records),
        customers_skipped=sum(runs.mapped("skipped_count")),
        runs_done=all(run.state == "done" for run in runs),
        duplicate_customer_levels=customers_twice,
        duplicate_invoice_levels=invoices_twice,
        editor=edits,
    )
    print(
        f"    batches={info['batches']} retried={info['retries']} "
        f"failed={info['batches_failed']} customers left for tomorrow="
        f"{info['customers_skipped']} notices={info['notices']} "
        f"runs done={info['runs_done']}\n"
        f"    duplicates: customer+currency+level+day={customers_twice} "
        f"invoice+level={invoices_twice}\n"
        f"    editor: {edits['phone_edits']} phone edits, {edits['payments']} "
        f"payments registered, {edits['retried']} tries refused and retried, "
        f"{edits['given_up']} given up, longest wait {edits['max_wait_s']} s, "
        f"{edits['errors']} errors {edits['first_errors'] or ''}",
        flush=True,
    )
    for message in failed.records[:5]:
        print(f"    failed: {message}")
    with measure("dunning run again, the same day") as again:
        again["batches"] = run_dunning(env, cr, again=True)
    again["notices"] = _notice_count(env) - notices_before - info["notices"]
    print(f"    new notices on the second run: {again['notices']}")


def _odoo_command():
    """The server started through the tree's ``odoo-bin`` where there is
    one: started as ``python -m odoo``, the prefork server respawns its
    websocket process as ``python sys.argv[0] gevent``, which fails on the
    relative imports of ``odoo/__main__.py`` (a traceback a second)."""
    import odoo

    odoo_bin = os.path.join(os.path.dirname(list(odoo.__path__)[0]), "odoo-bin")
    if os.path.isfile(odoo_bin):
        return [sys.executable, odoo_bin]
    return [sys.executable, "-m", "odoo"]


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _sink_lines(path):
    with open(path, encoding="utf-8") as log:
        return [json.loads(line) for line in log if line.endswith("\n")]


def _kill_after(sink, log_path, count):
    """SIGKILL the sink once it has stored ``count`` messages (reading only
    what its log gained since the last look, to spare the GIL)."""
    seen = 0
    with open(log_path, encoding="utf-8") as log:
        while sink.poll() is None:
            seen += log.read().count("\n")
            if seen >= count:
                sink.send_signal(signal.SIGKILL)
                return
            time.sleep(0.005)


def _queue_state(env):
    env.invalidate_all()
    mails = env["mail.mail"].search([("model", "=", "credit.notice")])
    notices = env["credit.notice"].search([("email_message_id", "!=", False)])
    return dict(Counter(mails.mapped("state"))), dict(
        Counter(notices.mapped(lambda notice: notice.email_state or "none"))
    )


def _mail_queue(env, cr, measure, label):
    """One call of Odoo's mail queue, as its scheduled action makes it, and
    where the emails and their notices stand after it."""
    with measure(label) as info:
        env["mail.mail"].process_email_queue()
        cr.commit()
    info["mails"], info["notices"] = _queue_state(env)
    failures = env["mail.mail"].search([("state", "=", "exception")])
    info["mail_failures"] = dict(Counter(failures.mapped("failure_reason")))
    print(f"    mails={info['mails']} notice emails={info['notices']}")
    for reason, count in info["mail_failures"].items():
        print(f"    mails in exception ({count}): {reason!r}")
    return info


def smtp(env, cr, args, measure, run_dunning):
    """(b) The notices' emails through a real SMTP server, killed once."""
    port = _free_port()
    os.makedirs(args.out, exist_ok=True)
    log_path = os.path.join(args.out, f"smtp_sink_{args.size}.jsonl")
    open(log_path, "w", encoding="utf-8").close()
    sink_args = [os.path.join(HERE, "smtp_sink.py"), "--port", str(port)]
    sink_args += ["--log", log_path]
    env["ir.mail_server"].create(
        {"name": "Bench SMTP sink", "smtp_host": "127.0.0.1", "smtp_port": port}
    )
    for company in env["res.company"].search([("name", "like", "Bench %")]):
        company.email = f"credit@{company.id}.bench.example.com"
    cr.commit()
    with measure("dunning run") as info:
        info["batches"] = run_dunning(env, cr)
    with measure("notice emails rendered and queued (all)") as info:
        while env["credit.notice"]._cron_send_pending_emails():
            cr.commit()
        cr.commit()
    queued = env["mail.mail"].search_count(
        [("model", "=", "credit.notice"), ("state", "=", "outgoing")]
    )
    info["mails_queued"] = queued
    print(f"    mails queued={queued}")

    kill_at = max(1, queued * 2 // 5)
    if args.smtp_kill == "before-reply":
        sink = _start([*sink_args, "--die-after", str(kill_at)], "the SMTP sink")
    else:
        sink = _start(sink_args, "the SMTP sink")
        threading.Thread(
            target=_kill_after, args=(sink, log_path, kill_at), daemon=True
        ).start()
    info = _mail_queue(env, cr, measure, f"mail queue, sink killed ({args.smtp_kill})")
    sink.wait(timeout=10)
    info["killed_after"] = len(_sink_lines(log_path))
    print(f"    sink killed after {info['killed_after']} messages received")
    _mail_queue(env, cr, measure, "mail queue, sink down")
    sink = _start(sink_args, "the SMTP sink")
    try:
        with measure("email job and mail queue until done, sink restarted") as info:
            rounds = 0
            while rounds < 10:
                rounds += 1
                env["credit.notice"]._cron_send_pending_emails()
                cr.commit()
                if not env["mail.mail"].search_count([("state", "=", "outgoing")]):
                    break
                env["mail.mail"].process_email_queue()
                cr.commit()
            info["rounds"] = rounds
    finally:
        sink.kill()
        sink.wait()
    env.invalidate_all()
    info.update(report_smtp(env, cr, log_path))


def report_smtp(env, cr, log_path):
    """Each emailed notice's outcome, and the sink's copies per notice."""
    cr.execute(
        """SELECT count(*) FILTER (WHERE email_state = 'sent'),
                  count(*) FILTER (WHERE email_state = 'failed'
                                     AND failure_reason IS NOT NULL),
                  count(*) FILTER (WHERE email_state IS DISTINCT FROM 'sent'
                                     AND NOT (email_state = 'failed'
                                              AND failure_reason IS NOT NULL)),
                  count(*) FILTER (WHERE state = 'failed'),
                  sum(email_retry_count),
                  count(*) FILTER (WHERE email_retry_count > 0)
             FROM credit_notice WHERE email_message_id IS NOT NULL"""
    )
    sent, failed, lost, notices_failed, retries, retried = cr.fetchone()
    copies = Counter()
    for record in _sink_lines(log_path):
        match = re.search(r"\(([^()]+)\)\s*$", record["subject"])
        copies[match.group(1) if match else record["subject"]] += 1
    names = (
        env["credit.notice"].search([("email_message_id", "!=", False)]).mapped("name")
    )
    per_notice = Counter(min(copies.get(name, 0), 3) for name in names)
    mails, _states = _queue_state(env)
    cr.execute(
        """SELECT failure_reason, count(*) FROM credit_notice
            WHERE email_state = 'failed' GROUP BY failure_reason"""
    )
    reasons = cr.fetchall()
    print(
        f"notice emails: {len(names)}, sent={sent} failed with a reason={failed} "
        f"lost without a trace={lost} (notices failed: {notices_failed}); "
        f"{retried} emails retried by the engine ({retries or 0} retries)\n"
        f"    sink copies per notice: "
        + ", ".join(f"{n if n < 3 else '3+'}: {per_notice[n]}" for n in range(4))
        + f"; messages received {sum(copies.values())}; mails={mails}",
        flush=True,
    )
    for reason, count in reasons:
        print(f"    failed ({count}): {reason!r}")
    twice = [name for name in names if copies.get(name, 0) > 1]
    if twice:
        print(f"    received twice: {', '.join(twice[:10])}")
    return {
        "notice_emails": len(names),
        "sent": sent,
        "failed_with_reason": failed,
        "lost_without_trace": lost,
        "notices_failed": notices_failed,
        "emails_retried": retried,
        "sink_copies_per_notice": {str(n): per_notice[n] for n in range(4)},
        "messages_received": sum(copies.values()),
        "failure_reasons": reasons,
    }


def _job_states(cr, channel):
    cr.execute(
        "SELECT state, count(*) FROM queue_job WHERE channel = %s GROUP BY state",
        [channel],
    )
    return dict(cr.fetchall())


def _job_spans(cr, channel):
    """Per job method: jobs, seconds from the first job created to the last
    one done, and the sum of the jobs' own run times."""
    cr.execute(
        """SELECT method_name, count(*),
                  EXTRACT(EPOCH FROM max(date_done) - min(date_created)),
                  EXTRACT(EPOCH FROM sum(date_done - date_started))
             FROM queue_job WHERE channel = %s GROUP BY method_name""",
        [channel],
    )
    return {
        method: {
            "jobs": count,
            "span_s": round(float(span or 0), 1),
            "job_s": round(float(busy or 0), 1),
        }
        for method, count, span, busy in cr.fetchall()
    }


def _email_and_letter_counts(env):
    env.invalidate_all()
    env.cr.execute(
        """SELECT count(*) FILTER (WHERE email_pending),
                  count(*) FILTER (WHERE letter_pending),
                  count(*) FILTER (WHERE letter_attachment_id IS NOT NULL)
             FROM credit_notice"""
    )
    pending, letters_pending, letters = env.cr.fetchone()
    env.cr.execute(
        """SELECT count(*) FROM (SELECT message.res_id
                                   FROM mail_mail mail
                                   JOIN mail_message message
                                     ON message.id = mail.mail_message_id
                                  WHERE message.model = 'credit.notice'
                               GROUP BY message.res_id HAVING count(*) > 1) twice"""
    )
    return {
        "emails_pending": pending,
        "letters_pending": letters_pending,
        "letters_stored": letters,
        "notices_emailed_twice": env.cr.fetchone()[0],
    }


def jobs(env, cr, args, measure, run_dunning):
    """(c) The email job for every notice of the run and ``--letters``
    letters, by the scheduled action alone, then, on a copy of the same
    database, cut into queue_job jobs run by an Odoo server with 2 workers
    (channel capacity root:2). wkhtmltopdf loads the letters' assets from
    the bench's own HTTP thread in both cases, so that neither path waits
    for a worker to serve them."""
    import odoo
    from odoo import SUPERUSER_ID, api, sql_db

    from bench import serve_http

    if "queue.job" not in env:
        sys.exit("the jobs scenario needs queue_job (CC_BENCH_QUEUE_JOB=1)")
    channel = "root.credit_collection"
    env["ir.config_parameter"].sudo().set_param(
        "credit_collection.job_dispatch", "cron"
    )
    cr.commit()
    with measure("dunning run (full)") as info:
        info["batches"] = run_dunning(env, cr)
    notices = env["credit.notice"].search([("email_pending", "=", True)], order="id")
    notices[: args.letters].write({"letter_pending": True})
    cr.commit()
    print(
        f"    {len(notices)} emails and {min(len(notices), args.letters)} letters to do"
    )
    copy = f"{args.db}_jobs"
    cr.close()
    sql_db.close_db(args.db)
    subprocess.run(["dropdb", "--if-exists", copy], check=True)
    subprocess.run(["createdb", "-T", args.db, copy], check=True)
    filestore = odoo.tools.config.filestore
    if os.path.isdir(filestore(args.db)):
        subprocess.run(["cp", "-a", filestore(args.db), filestore(copy)], check=True)

    registry = odoo.modules.registry.Registry(args.db)
    with registry.cursor() as cron_cr:
        env = api.Environment(cron_cr, SUPERUSER_ID, {})
        server = serve_http(env)
        Notice = env["credit.notice"]
        try:
            with measure("cron alone: emails then letters", path="cron") as info:
                start = time.perf_counter()
                while Notice._cron_send_pending_emails():
                    cron_cr.commit()
                    if "emails_s" not in info and not Notice.search_count(
                        [("email_pending", "=", True)]
                    ):
                        info["emails_s"] = round(time.perf_counter() - start, 1)
                cron_cr.commit()
            info.update(_email_and_letter_counts(env))
            print(f"    {info}")
        finally:
            server.shutdown()
    port = _free_port()
    log_path = os.path.join(args.out, f"jobs_server_{args.size}.log")
    os.makedirs(args.out, exist_ok=True)
    odoo_server = subprocess.Popen(
        [
            *_odoo_command(),
            "--addons-path", args.addons_path,
            "-d", copy, "--db-filter", f"^{copy}$",
            "--workers=2", "--load=web,queue_job", "--max-cron-threads=0",
            "--http-port", str(port), "--http-interface=127.0.0.1",
            "--limit-time-real=3600", "--limit-time-cpu=3600",
            "--limit-memory-soft=4294967296", "--limit-memory-hard=6442450944",
            "--log-level=warn", "--logfile", log_path,
        ],
        env=dict(os.environ, ODOO_QUEUE_JOB_CHANNELS="root:2"),
    )  # fmt: skip
    server = None
    try:
        copy_registry = odoo.modules.registry.Registry(copy)
        with copy_registry.cursor() as jobs_cr:
            env = api.Environment(jobs_cr, SUPERUSER_ID, {})
            params = env["ir.config_parameter"]
            params.set_param("credit_collection.job_dispatch", False)
            server = serve_http(env)  # sets report.url in the copy
            for _attempt in range(120):  # the server is up
                with socket.socket() as probe:
                    if probe.connect_ex(("127.0.0.1", port)) == 0:
                        break
                time.sleep(1)
            with measure(
                "queue_job, 2 workers: emails and letters", path="jobs"
            ) as info:
                with measure("    dispatch (the scheduled action's call)"):
                    env["credit.notice"]._cron_send_pending_emails()
                    jobs_cr.commit()
                while True:
                    time.sleep(2)
                    states = _job_states(jobs_cr, channel)
                    jobs_cr.commit()
                    if not set(states) & {"pending", "enqueued", "started"}:
                        break
                    if odoo_server.poll() is not None:
                        sys.exit(f"the Odoo server stopped: see {log_path}")
            info["job_states"] = states
            info["by_method"] = _job_spans(jobs_cr, channel)
            info.update(_email_and_letter_counts(env))
            print(f"    {info}")
    finally:
        odoo_server.terminate()
        odoo_server.wait(60)
        if server:
            server.shutdown()
        sql_db.close_db(copy)
        if not os.environ.get("CC_BENCH_KEEP"):
            subprocess.run(["dropdb", "--if-exists", copy], check=False)
            subprocess.run(["rm", "-rf", filestore(copy)], check=False)
