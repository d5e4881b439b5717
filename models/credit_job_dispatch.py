"""The engine's heavy work as jobs of OCA's ``queue_job``, when a database
has that module: the email job, the letters and the risk recompute are cut
into jobs on the channel ``root.credit_collection``, which every worker of
every host runs side by side. Without ``queue_job`` (the addon never imports
it), or with the system parameter ``credit_collection.job_dispatch`` set to
``cron``, the scheduled actions do the same work themselves, batch after
batch."""

import hashlib

from odoo import api, models

JOB_CHANNEL = "root.credit_collection"


class CreditJobDispatch(models.AbstractModel):
    _name = "credit.job.dispatch"
    _description = "Credit & Collections: Job Dispatch"

    def _register_hook(self):
        """The channel exists as soon as both modules are installed, in
        whichever order, so that an administrator finds it to set its
        capacity (queue_job creates unknown channels only when they run)."""
        result = super()._register_hook()
        if self._credit_jobs_available():
            self._credit_job_channel()
        return result

    @api.model
    def _credit_jobs_available(self):
        """Whether ``queue_job`` is installed in this database."""
        return "queue.job" in self.env

    @api.model
    def _credit_jobs_enabled(self):
        """Whether the heavy work goes to jobs: ``queue_job`` is installed,
        the system parameter does not keep it in the scheduled actions, and
        the caller does not (``credit_job_dispatch=False`` in the context:
        the demo replays its days in one transaction)."""
        if self.env.context.get("credit_job_dispatch") is False:
            return False
        if not self._credit_jobs_available():
            return False
        mode = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("credit_collection.job_dispatch", "queue_job")
        )
        return mode != "cron"

    @api.model
    def _credit_job_channel(self):
        """The addon's channel, created under queue_job's root when missing."""
        Channel = self.env["queue.job.channel"].sudo()
        if not Channel.search_count([("complete_name", "=", JOB_CHANNEL)]):
            root = Channel.search([("complete_name", "=", "root")], limit=1)
            Channel.create({"name": JOB_CHANNEL.split(".")[-1], "parent_id": root.id})
        return JOB_CHANNEL

    @api.model
    def _credit_delay(self, records, method, description, args=(), priority=10):
        """Enqueue ``records.method(*args)`` as one job on the addon's channel.
        The same call still waiting is not enqueued twice (identity key);
        the method itself must be idempotent, as a job can run again after a
        crash or a retry. Returns the job (nothing when run at once)."""
        key = hashlib.sha1(
            repr((records._name, method, records.ids, args)).encode()
        ).hexdigest()
        delayed = records.with_delay(
            channel=JOB_CHANNEL,
            description=description,
            identity_key=key,
            priority=priority,
        )
        return getattr(delayed, method)(*args)

    @api.model
    def _credit_delay_chunks(self, records, method, size, description, priority=10):
        """One job per ``size`` records (in id order, so that the chunks of
        a set that only grew are the same as an hour ago). Returns the
        number of jobs."""
        records = records.sorted("id")
        chunks = [
            records[start : start + size] for start in range(0, len(records), size)
        ]
        for chunk in chunks:
            self._credit_delay(chunk, method, description, priority=priority)
        return len(chunks)
