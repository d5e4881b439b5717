"""The other user of the concurrency scenario (bench/scenarios.py): a separate
process with its own Odoo registry that, while the dunning run goes batch by
batch, keeps editing the customers of the batch in progress (a phone number:
a write on res.partner) and registering payments of their invoices through
the ORM (``account.payment.register``, reconciled), each change committed.

    python3 bench/editor.py --db NAME --addons-path PATH [--pause SECONDS]

Prints ``ready`` once its registry is loaded, works until a line (or EOF)
comes on its standard input, then prints its counts as one JSON line. A
change refused by the run's transaction (serialization failure, deadlock)
is rolled back and tried again, as Odoo's RPC layer does with a user's
request (5 tries)."""

import argparse
import bisect
import json
import random
import sys
import threading
import time

import odoo
from odoo import SUPERUSER_ID, api, fields
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import config

OPEN_STATES = ("not_paid", "partial")
MAX_TRIES = 5  # as Odoo's RPC layer retries a request refused by the database


def batch_in_progress(env):
    """The customers of the batch the run is processing now: the next ones
    after its cursor (or its deferred customers on its last pass); before
    the first batch committed, the first customers of the ledger."""
    run = env["credit.dunning.run"].search(
        [("state", "=", "running")], order="id", limit=1
    )
    if run and run.candidate_partner_ids:
        company = run.company_id
        size = company.credit_dunning_batch_size
        candidates = run.candidate_partner_ids
        start = bisect.bisect_right(candidates, run.last_partner_id)
        return company, (candidates[start : start + size] or run.deferred_partner_ids)
    company = env["res.company"].search([("name", "=", "Bench France SAS")])
    partners = env["res.partner"].search(
        [("name", "like", "Bench Customer %")], order="id", limit=200
    )
    return company, partners.ids


def sample(rng, ids, count):
    return rng.sample(ids, min(count, len(ids)))


def pick_change(registry, rng, step):
    """What to change next, among the customers of the batch in progress:
    three phone numbers, or (every other step) an open invoice to pay."""
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        company, partner_ids = batch_in_progress(env)
        if not partner_ids:
            return None
        if step % 2:
            return "phone_edits", sample(rng, partner_ids, 3)
        move = env["account.move"].search(
            [
                ("commercial_partner_id", "in", sample(rng, partner_ids, 5)),
                ("company_id", "=", company.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", OPEN_STATES),
            ],
            limit=1,
        )
        return ("payments", move.ids) if move else None


def apply_change(registry, kind, ids, phone):
    """The change, in a transaction of its own (committed on success, rolled
    back on an error): the same one on every try, as Odoo's RPC layer
    replays a refused request. Returns how many records it changed."""
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        if kind == "phone_edits":
            env["res.partner"].browse(ids).write({"phone": phone})
            return len(ids)
        move = env["account.move"].browse(ids)
        if move.payment_state not in OPEN_STATES:
            return 0
        company = move.company_id
        journal = env["account.journal"].search(
            [("company_id", "=", company.id), ("type", "=", "bank")], limit=1
        )
        env["account.payment.register"].with_context(
            active_model="account.move",
            active_ids=move.ids,
            allowed_company_ids=company.ids,
        ).create(
            {
                "journal_id": journal.id,
                "payment_date": fields.Date.context_today(env.user),
                "amount": move.currency_id.round(move.amount_residual / 2),
            }
        )._create_payments()
        return 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--pause", type=float, default=0.02)
    args = parser.parse_args()
    config.parse_config(
        ["--addons-path", args.addons_path, "-d", args.db, "--log-level", "warn"]
    )
    registry = odoo.modules.registry.Registry(args.db)
    stop = threading.Event()
    threading.Thread(
        target=lambda: (sys.stdin.readline(), stop.set()), daemon=True
    ).start()
    rng = random.Random(11)
    counts = {
        "phone_edits": 0,
        "payments": 0,
        "retried": 0,
        "given_up": 0,
        "errors": 0,
        "max_wait_s": 0.0,
    }
    errors = []
    print("ready", flush=True)
    step = 0
    while not stop.is_set():
        step += 1
        started = time.perf_counter()
        change = pick_change(registry, rng, step)
        phone = f"+33 4 72 {rng.randrange(10**6):06d}"
        for attempt in range(1, MAX_TRIES + 1 if change else 0):
            try:
                counts[change[0]] += apply_change(registry, *change, phone)
                break
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                if attempt == MAX_TRIES:
                    counts["given_up"] += 1
                else:
                    counts["retried"] += 1
                    time.sleep(rng.uniform(0, 0.1 * 2**attempt))
            except Exception as error:  # counted and shown, the editor goes on
                counts["errors"] += 1
                if len(errors) < 5:
                    errors.append(repr(error))
                break
        waited = round(time.perf_counter() - started, 2)
        counts["max_wait_s"] = max(counts["max_wait_s"], waited)
        time.sleep(args.pause)
    counts["first_errors"] = errors
    print(json.dumps(counts), flush=True)


if __name__ == "__main__":
    main()
