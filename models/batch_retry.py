"""Retry one batch of a scheduled job on the database's concurrency errors.

A concurrent edit of a row the batch writes (a customer, an invoice) makes
PostgreSQL refuse the batch: serialization failure, lock timeout, deadlock.
The batch is rolled back to a savepoint and tried again after a short
backoff; its own writes (notices and levels) are all inside that savepoint,
so a retried batch never creates anything twice."""

import logging
import random
import time

from psycopg2 import errorcodes

import odoo
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

MAX_RETRIES = 3


def backoff(attempt):
    """Wait before retry number ``attempt`` (1, 2, ...): 0.2, 0.4, 0.8 s at
    most, with jitter so that two workers do not collide again."""
    time.sleep(random.uniform(0.5, 1.0) * 0.2 * 2 ** (attempt - 1))


def run_retrying(env, func, label, read_committed=False):
    """Call ``func()`` in a savepoint and return ``(result, retries)``; on a
    concurrency error roll the savepoint back and try again, up to
    MAX_RETRIES times. When every try failed, return ``(None, retries)``:
    the caller skips the batch, the job goes on.

    PostgreSQL's REPEATABLE READ keeps the transaction's snapshot across a
    savepoint, so a serialization failure would come back on every try: in
    a job the work before the savepoint (consistent by itself) is committed
    before retrying, which starts a new snapshot. Tests and module installs
    cannot commit; there the retry stays in the transaction.

    ``read_committed``: in a job, each try is a transaction of its own at
    READ COMMITTED, for a ``func`` that first locks the rows it will write.
    A concurrent edit of a locked row then waits for the batch, and the
    batch waits for an edit in progress, where REPEATABLE READ would fail
    on every row changed since the snapshot: a busy customer slows a batch
    down instead of failing it (a deadlock or a lock timeout is retried)."""
    env.flush_all()
    # Only a job owns its transaction: tests roll back, and a module install
    # (the demo's replayed days) must stay one transaction.
    in_job = env.registry.ready and not odoo.modules.module.current_test
    for retries in range(MAX_RETRIES + 1):
        if in_job and (retries or read_committed):
            env.cr.commit()
            if read_committed:
                env.cr.execute(SQL("SET TRANSACTION ISOLATION LEVEL READ COMMITTED"))
        try:
            with env.cr.savepoint():
                return func(), retries
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY as error:
            reason = errorcodes.lookup(error.pgcode)
            if retries == MAX_RETRIES:
                _logger.warning(
                    "%s skipped after %s tries (%s): left for a later call",
                    label,
                    retries + 1,
                    reason,
                )
                return None, retries
            _logger.info("%s: %s, retrying", label, reason)
            backoff(retries + 1)
    raise AssertionError("unreachable")
