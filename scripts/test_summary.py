"""Reads an Odoo test-run log and prints ``N passed, N failed``.

A run counts only if every test of the addon ran and passed: failures,
errors, *skipped* tests (Odoo skips browser tours silently without Chromium or
websocket-client), and any ERROR, CRITICAL, WARNING or traceback in the log
are failures. Exit status 0 only when nothing failed and tests did run.
"""

import re
import sys

ADDON_LOGGER = "odoo.addons.credit_collection."
LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (?P<level>[A-Z]+) \S+ "
    r"(?P<logger>[\w.]+): (?P<message>.*)$"
)
# Warnings that say nothing about this addon and that its tests cannot avoid.
PROBLEM_LEVELS = ("WARNING", "ERROR", "CRITICAL")
TOLERATED_WARNINGS = (
    # Debian's wkhtmltopdf is the unpatched-Qt build: PDFs render all the same.
    "odoo.addons.base.models.ir_actions_report: You need Wkhtmltopdf",
)


def summarize(lines):
    started, failed_tests, skipped = set(), set(), set()
    log_problems, runner_summaries = [], []
    last_level = "INFO"
    for raw in lines:
        line = raw.rstrip()
        if line.startswith("Traceback") and last_level not in PROBLEM_LEVELS:
            # A traceback printed outside of any logged error.
            log_problems.append(line)
            continue
        match = LINE.match(line)
        if not match:
            continue
        level, logger, message = match["level"], match["logger"], match["message"]
        last_level = level
        ours = logger.startswith(ADDON_LOGGER)
        if ours and message.startswith("Starting ") and message.endswith(" ..."):
            started.add(message[len("Starting ") : -len(" ...")])
        elif ours and re.match(r"(FAIL|ERROR): ", message):
            failed_tests.add(message.split(": ", 1)[1])
        elif ours and message.startswith("skipped "):
            skipped.add(message)
        elif logger == "odoo.tests.result" and re.match(r"\d+ failed, ", message):
            failures, errors = re.match(r"(\d+) failed, (\d+) error", message).groups()
            if int(failures) or int(errors):
                runner_summaries.append(line)
        elif level in ("ERROR", "CRITICAL") or (
            level == "WARNING"
            and not any(tolerated in line for tolerated in TOLERATED_WARNINGS)
        ):
            log_problems.append(line)
    if runner_summaries and not failed_tests:
        # The runner saw failures that no test of ours reported (setUpClass...).
        log_problems.extend(runner_summaries)
    return started, failed_tests, skipped, log_problems


def main(path, odoo_status=0):
    with open(path, encoding="utf-8", errors="replace") as log:
        started, failed_tests, skipped, log_problems = summarize(log)
    if odoo_status:
        log_problems.append(f"Odoo exited with status {odoo_status}")
    for name in sorted(failed_tests):
        print(f"FAILED  {name}")
    for message in sorted(skipped):
        print(f"SKIPPED {message}")
    for line in log_problems[:50]:
        print(f"LOG     {line}")
    failed = len(failed_tests) + len(skipped) + (1 if log_problems else 0)
    if not started:
        print("no test of credit_collection ran")
        failed += 1
    passed = max(len(started) - len(failed_tests) - len(skipped), 0)
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 0))
