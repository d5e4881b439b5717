"""Risk scoring: a pure-Python calculator with no ORM.

A customer starts at 100 points; each factor takes away up to its weight. The
result is kept with every factor (value, weight, points taken) so that a
credit controller can read why a customer got its score.
"""

from dataclasses import dataclass, field

# Exposure vs limit: no penalty below LIMIT_USAGE_FREE, full weight at 100 %.
LIMIT_USAGE_FREE = 0.5
# Broken promises / open disputes: full weight from this count on.
COUNT_FULL_PENALTY = 3
# A factor is stored as a JSON array of these, in this order (half the size
# of an object: the nightly recompute sends tens of thousands of them); the
# factor view (models/credit_risk_factor.py) reads them by position.
FACTOR_KEYS = ("code", "value", "weight", "points", "trend")


@dataclass
class ScoringParams:
    weight_days_late: float = 30.0
    weight_trend: float = 10.0
    weight_late_share: float = 20.0
    weight_overdue_ratio: float = 15.0
    weight_limit_usage: float = 10.0
    weight_relationship_age: float = 5.0
    weight_broken_promises: float = 5.0
    weight_open_disputes: float = 5.0
    days_late_full: int = 60
    trend_tolerance: int = 5
    age_full_months: int = 24


@dataclass
class PartnerStats:
    invoice_count: int = 0
    late_count: int = 0
    avg_days_late: float = 0.0
    recent_avg_days_late: float | None = None
    older_avg_days_late: float | None = None
    receivable: float = 0.0
    overdue: float = 0.0
    exposure: float = 0.0
    credit_limit: float = 0.0
    age_months: int = 0
    broken_promises: int = 0
    open_disputes: int = 0
    extra: dict = field(default_factory=dict)


def _clamp(value, low=0.0, high=1.0):
    return max(low, min(high, value))


def trend_of(stats, params):
    """'worsening', 'improving' or 'stable' from recent vs older delays."""
    if stats.recent_avg_days_late is None or stats.older_avg_days_late is None:
        return "stable"
    delta = stats.recent_avg_days_late - stats.older_avg_days_late
    if delta > params.trend_tolerance:
        return "worsening"
    if delta < -params.trend_tolerance:
        return "improving"
    return "stable"


def compute_score(stats, params):
    """Return (score 0..100, [factor dicts]) for one customer.

    Each factor dict has: code, value, weight, points (taken away), trend.
    """
    days_full = max(params.days_late_full, 1)
    trend = trend_of(stats, params)
    factors = []

    def add(code, value, weight, ratio):
        factors.append(
            {
                "code": code,
                "value": round(value, 2),
                "weight": weight,
                "points": round(weight * _clamp(ratio), 2),
                "trend": trend if code == "days_late" else None,
            }
        )

    add(
        "days_late",
        stats.avg_days_late,
        params.weight_days_late,
        stats.avg_days_late / days_full,
    )
    delta = 0.0
    if stats.recent_avg_days_late is not None and stats.older_avg_days_late is not None:
        delta = stats.recent_avg_days_late - stats.older_avg_days_late
    add("trend", delta, params.weight_trend, delta / days_full)
    share = stats.late_count / stats.invoice_count if stats.invoice_count else 0.0
    add("late_share", share * 100, params.weight_late_share, share)
    overdue_ratio = stats.overdue / stats.receivable if stats.receivable > 0 else 0.0
    add(
        "overdue_ratio",
        overdue_ratio * 100,
        params.weight_overdue_ratio,
        overdue_ratio,
    )
    usage = stats.exposure / stats.credit_limit if stats.credit_limit > 0 else 0.0
    add(
        "limit_usage",
        usage * 100,
        params.weight_limit_usage,
        (usage - LIMIT_USAGE_FREE) / (1 - LIMIT_USAGE_FREE),
    )
    age_full = max(params.age_full_months, 1)
    add(
        "relationship_age",
        stats.age_months,
        params.weight_relationship_age,
        1 - stats.age_months / age_full,
    )
    add(
        "broken_promises",
        stats.broken_promises,
        params.weight_broken_promises,
        stats.broken_promises / COUNT_FULL_PENALTY,
    )
    add(
        "open_disputes",
        stats.open_disputes,
        params.weight_open_disputes,
        stats.open_disputes / COUNT_FULL_PENALTY,
    )
    penalty = sum(f["points"] for f in factors)
    score = int(_clamp(100 - penalty, 0, 100) + 0.5)
    return score, factors
