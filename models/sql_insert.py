"""Insert many records of a model with one ``INSERT``, for the engine's
batches where ``create()`` would cost milliseconds per record.

The caller gives the column values (already in database form: ids, dates,
numbers rounded with their currency). The magic columns are filled here, and
every stored computed field the caller did not give is marked to compute, so
that a field added later by another module is still right after the insert.
Defaults, tracking and chatter messages are not applied: use it only for
records the engine writes completely itself.
"""

from odoo import fields
from odoo.tools import SQL


def insert_records(model, rows, authors=True):
    """Insert ``rows`` (dicts with the same keys) into ``model``'s table and
    return the new records, in the order of ``rows``. Without ``authors``,
    ``create_uid`` and ``write_uid`` stay empty: for rows that belong to a
    record carrying them (a notice's lines), which saves two foreign-key
    checks per row."""
    if not rows:
        return model.browse()
    env = model.env
    now = fields.Datetime.now()
    magic = {"create_date": now, "write_date": now}
    if authors:
        magic.update(create_uid=env.uid, write_uid=env.uid)
    columns = list(rows[0]) + list(magic)
    unknown = [
        name
        for name in columns
        if name not in model._fields or not model._fields[name].column_type
    ]
    if unknown:
        raise ValueError(f"{model._name} has no column {', '.join(unknown)}")
    values = SQL(", ").join(
        SQL(
            "(%s)",
            SQL(", ").join(
                row[name] if name in row else magic[name] for name in columns
            ),
        )
        for row in rows
    )
    model.flush_model()
    ids = [
        row[0]
        for row in env.execute_query(
            SQL(
                "INSERT INTO %s (%s) VALUES %s RETURNING id",
                SQL.identifier(model._table),
                SQL(", ").join(SQL.identifier(name) for name in columns),
                values,
            )
        )
    ]
    records = model.browse(ids)
    for field in model._fields.values():
        if field.store and field.compute and field.name not in columns:
            env.add_to_compute(field, records)
    return records


def insert_select(model, columns, query, **constants):
    """Insert into ``model``'s table the rows of ``query`` (an ``SQL``
    SELECT giving ``columns``), each with the ``constants`` (column=value)
    and the magic columns: a wizard's result rows in one ``INSERT ...
    SELECT``, whatever their number."""
    env = model.env
    now = fields.Datetime.now()
    fixed = dict(constants, create_uid=env.uid, write_uid=env.uid)
    fixed.update(create_date=now, write_date=now)
    model.flush_model()
    env.cr.execute(
        SQL(
            "INSERT INTO %s (%s) SELECT %s, %s FROM (%s) AS source",
            SQL.identifier(model._table),
            SQL(", ").join(SQL.identifier(name) for name in [*fixed, *columns]),
            SQL(", ").join(SQL("%s", value) for value in fixed.values()),
            SQL(", ").join(SQL.identifier("source", name) for name in columns),
            query,
        )
    )
