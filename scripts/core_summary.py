"""Reads the logs of scripts/core_tests.sh and prints ``N passed, N failed``
for Odoo core's own tests run with credit_collection installed.

A core test that fails with the addon is a failure unless it is listed in the
known-failures file *and* failed on the database without the addon too. A
listed test that passes without the addon is a failure as well (a stale entry
would hide a regression), as is one that did not run there.
"""

import re
import sys

TEST_LOGGER = re.compile(r"^odoo\.addons\.(?P<module>\w+)\.tests(\.|$)")
LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (?P<level>[A-Z]+) \S+ "
    r"(?P<logger>[\w.]+): (?P<message>.*)$"
)
RESULT = re.compile(r"^(FAIL|ERROR): (?P<test>\S+)")


def read_log(path):
    """(tests started, tests failed or errored, skipped): sets of
    ``module:Class.method`` (a failing setUpClass counts as a failed test)."""
    started, failed, skipped = set(), set(), set()
    with open(path, encoding="utf-8", errors="replace") as log:
        for raw in log:
            match = LINE.match(raw.rstrip())
            if not match:
                continue
            test_logger = TEST_LOGGER.match(match["logger"])
            if not test_logger:
                continue
            module, message = test_logger["module"], match["message"]
            if message.startswith("Starting ") and message.endswith(" ..."):
                started.add(f"{module}:{message[9:-4]}")
            elif result := RESULT.match(message):
                failed.add(f"{module}:{result['test']}")
            elif message.startswith("skipped "):
                skipped.add(f"{module}: {message}")
    return started, failed, skipped


def read_known(path):
    with open(path, encoding="utf-8") as known:
        return {
            line.strip() for line in known if line.strip() and not line.startswith("#")
        }


def main(log_with, log_without, known_path):
    started, failed, skipped = read_log(log_with)
    started_without, failed_without, _skipped = read_log(log_without)
    known = read_known(known_path)
    problems = []
    for test in sorted(known):
        if test not in started_without:
            problems.append(f"KNOWN   {test}: did not run without the addon")
        elif test not in failed_without:
            problems.append(
                f"KNOWN   {test}: passes without the addon, remove it from the list"
            )
    proven = (known & failed_without) - {p.split(": ")[0][8:] for p in problems}
    unexpected = sorted(failed - proven)
    for test in unexpected:
        problems.append(f"FAILED  {test}")
    for message in sorted(skipped):
        problems.append(f"SKIPPED {message}")
    if not started:
        problems.append("no core test ran")
    for line in problems:
        print(line)
    tolerated = sorted(failed & proven)
    print(
        f"core tests: {len(started)} ran with credit_collection installed; "
        f"{len(tolerated)} known Odoo failures, each failing without the addon too:"
    )
    for test in tolerated:
        print(f"  known   {test}")
    passed = len(started - failed)
    print(f"{passed} passed, {len(problems)} failed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
