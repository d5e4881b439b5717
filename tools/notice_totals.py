"""The stored totals of a dunning notice, from its lines: one calculation
for the ORM compute and the engine's set-based insert, so that both agree."""


def notice_totals(lines, fee_amount, round_amount):
    """The totals of a notice from its lines' ``(amount_residual,
    days_overdue, amount_residual_company)``. ``round_amount`` rounds to the
    notice's currency (``currency.round``). Amounts are in the notice's
    currency; the worklist priority in company currency, so that notices in
    several currencies sort together."""
    amount_residual = round_amount(sum(amount for amount, _days, _co in lines))
    overdue = [(amount, company) for amount, days, company in lines if days > 0]
    amount_overdue = round_amount(sum(amount for amount, _company in overdue))
    overdue_company = sum(company for _amount, company in overdue)
    max_days_overdue = max((days for _amount, days, _co in lines), default=0)
    return {
        "amount_residual": amount_residual,
        "amount_overdue": amount_overdue,
        "amount_total": round_amount(amount_residual + fee_amount),
        "max_days_overdue": max_days_overdue,
        "priority_score": overdue_company * max(max_days_overdue, 0),
    }
