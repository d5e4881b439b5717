"""The aging buckets of receivables, one table for every output: the aged
balance's SQL, the monthly snapshot's fields and the customer statement's
columns. Pure constants and helpers (no ORM)."""

# (key, first day late, last day late, label); None: open-ended. The aged
# balance's and the snapshot's columns are ``amount_<key>``.
AGING_BUCKETS = (
    ("not_due", None, 0, "Not Due"),
    ("1_30", 1, 30, "1-30"),
    ("31_60", 31, 60, "31-60"),
    ("61_90", 61, 90, "61-90"),
    ("91_120", 91, 120, "91-120"),
    ("120_plus", 121, None, "Older than 120"),
)
# The customer statement has the buckets up to this day, then one column for
# everything older (``over_90``).
STATEMENT_LAST_DAY = 90


def bucket_fields():
    """``[(field name, label)]`` of the aged balance's buckets."""
    return [(f"amount_{key}", label) for key, _first, _last, label in AGING_BUCKETS]


def statement_buckets():
    """``[(key, first, last)]`` of the statement's columns: the buckets up to
    ``STATEMENT_LAST_DAY``, then what is older in one."""
    buckets = [
        (key, first, last)
        for key, first, last, _label in AGING_BUCKETS
        if last is not None and last <= STATEMENT_LAST_DAY
    ]
    return buckets + [(f"over_{STATEMENT_LAST_DAY}", STATEMENT_LAST_DAY + 1, None)]


def bucket_of(days_late, buckets):
    """The key of the bucket of ``buckets`` (``(key, first, last, ...)``)
    holding ``days_late``."""
    for key, first, last, *_rest in buckets:
        if (first is None or days_late >= first) and (
            last is None or days_late <= last
        ):
            return key
    return buckets[-1][0]


def declare_bucket_fields(namespace, make_field):
    """Declare the bucket fields (``amount_<key>``) in a model's class body:
    ``declare_bucket_fields(locals(), make_field)``, ``make_field(label)``
    returning each field. The aged balance's lines and the monthly snapshot
    store the same buckets."""
    for name, label in bucket_fields():
        namespace[name] = make_field(label)
