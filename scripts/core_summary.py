"""Reads the logs of scripts/core_tests.sh and prints ``N passed, N failed``
for Odoo core's own tests run with credit_collection installed.

A core test that fails (or skips itself) with the addon is a failure unless
the known-failures file lists it as such *and* it failed (or skipped) the same
way on the database without the addon. A listed test that behaves otherwise
without the addon is a failure as well: a stale entry would hide a regression.
"""

import re
import sys

TEST_LOGGER = re.compile(r"^odoo\.addons\.(?P<module>\w+)\.tests(\.|$)")
LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (?P<level>[A-Z]+) \S+ "
    r"(?P<logger>[\w.]+): (?P<message>.*)$"
)
FAILED = re.compile(r"^(FAIL|ERROR): (?P<test>\S+)")
SKIPPED = re.compile(r"^skipped (?P<test>\S+)")


def read_log(path):
    """{"started", "fail", "skip"}: sets of ``module:Class.method`` (a
    failing setUpClass counts as a failed test)."""
    seen = {"started": set(), "fail": set(), "skip": set()}
    with open(path, encoding="utf-8", errors="replace") as log:
        for raw in log:
            match = LINE.match(raw.rstrip())
            test_logger = match and TEST_LOGGER.match(match["logger"])
            if not test_logger:
                continue
            module, message = test_logger["module"], match["message"]
            if message.startswith("Starting ") and message.endswith(" ..."):
                seen["started"].add(f"{module}:{message[9:-4]}")
            elif result := FAILED.match(message):
                seen["fail"].add(f"{module}:{result['test']}")
            elif result := SKIPPED.match(message):
                seen["skip"].add(f"{module}:{result['test']}")
    return seen


def read_known(path):
    """{test: "fail" or "skip"} from the known-failures file."""
    known = {}
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            if line.strip() and not line.startswith("#"):
                kind, test = line.split()
                known[test] = kind
    return known


def main(log_with, log_without, known_path):
    with_addon, without_addon = read_log(log_with), read_log(log_without)
    problems, proven = [], {}
    for test, kind in sorted(read_known(known_path).items()):
        if test not in without_addon["started"]:
            problems.append(f"KNOWN   {test}: did not run without the addon")
        elif test not in without_addon[kind]:
            problems.append(
                f"KNOWN   {test}: does not {kind} without the addon, "
                "remove it from scripts/odoo_known_failures.txt"
            )
        else:
            proven[test] = kind
    for kind, label in (("fail", "FAILED "), ("skip", "SKIPPED")):
        for test in sorted(with_addon[kind]):
            if proven.get(test) != kind:
                problems.append(f"{label} {test}")
    if not with_addon["started"]:
        problems.append("no core test ran")
    for line in problems:
        print(line)
    tolerated = sorted(
        test for test, kind in proven.items() if test in with_addon[kind]
    )
    print(
        f"Odoo core tests: {len(with_addon['started'])} ran with credit_collection "
        f"installed; {len(tolerated)} known failures or skips of the snapshot, "
        "each proven without the addon:"
    )
    for test in tolerated:
        print(f"  known {proven[test]} {test}")
    ok = with_addon["started"] - with_addon["fail"] - with_addon["skip"]
    print(f"{len(ok)} passed, {len(problems)} failed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
