#!/usr/bin/env python3
"""Compare the runs of tools/test_neighbours.sh: which of Odoo's own tests fail
with cskh_helpdesk installed, and whether they also fail without it.

Usage: compare.py with:LOG:EXITCODE [without:LOG:EXITCODE]

A test is identified by its class and method ("TestMailgateway.test_xyz"). For each
run, the failing tests are the FAIL/ERROR records of Odoo's test result; a run
without its final summary line ("... tests when loading database") crashed.

Prints the tests failing with the add-on only (ours to fix), the tests failing in
both runs (upstream), the tests failing without the add-on only (fixed or hidden by
the add-on: shown so that a difference is never silent), then, as the last line,
"N passed, M failed" for the run with the add-on, M counting the tests failing with
the add-on only (and 1 for a crashed run). Exit status 0 when M is 0.
"""
import re
import sys

RECORD_RE = re.compile(
    r'^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (?P<level>[A-Z_]+) (?P<db>\S+) (?P<logger>[^\s:]+): (?P<msg>.*)$')
FAILURE_RE = re.compile(r'^(?:FAIL|ERROR): (?:Subtest )?(?P<test>\S+)')
SUMMARY_RE = re.compile(r'(?P<failed>\d+) failed, (?P<errors>\d+) error\(s\) of (?P<total>\d+) tests when loading')


def read_run(path):
    failing, summary = set(), None
    with open(path, encoding='utf-8', errors='replace') as log:
        for line in log:
            record = RECORD_RE.match(line)
            if not record:
                continue
            if record['logger'] == 'odoo.tests.result':
                match = SUMMARY_RE.search(record['msg'])
                if match:
                    summary = {key: int(value) for key, value in match.groupdict().items()}
            elif record['level'] == 'ERROR':
                match = FAILURE_RE.match(record['msg'])
                if match:
                    failing.add(match['test'])
    return failing, summary


def main(argv):
    runs = {}
    for arg in argv:
        label, path, rc = arg.rsplit(':', 2)
        failing, summary = read_run(path)
        runs[label] = {'path': path, 'rc': int(rc), 'failing': failing, 'summary': summary}
    if 'with' not in runs:
        sys.exit(__doc__)
    with_run, without_run = runs['with'], runs.get('without')
    crashed = 0
    for label, run in runs.items():
        if run['summary'] is None:
            crashed += label == 'with'
            print(f"[{label}] no test summary in {run['path']}: Odoo stopped before the end (see the log)")
        else:
            total, failed = run['summary']['total'], run['summary']['failed'] + run['summary']['errors']
            print(f"[{label} cskh_helpdesk] {total} tests, {failed} failed (log: {run['path']})")
    baseline = without_run['failing'] if without_run else set()
    ours = sorted(with_run['failing'] - baseline)
    for title, tests in (
        ("failing WITH cskh_helpdesk only (ours to fix)", ours),
        ("failing in both runs (upstream, not caused by the add-on)", sorted(with_run['failing'] & baseline)),
        ("failing WITHOUT cskh_helpdesk only", sorted(baseline - with_run['failing'])),
    ):
        if tests:
            print(f"{title}:")
            for test in tests:
                print(f"  {test}")
    if without_run is None:
        print("(no run without the add-on: every failure is counted)")
    summary = with_run['summary'] or {'total': 0, 'failed': 0, 'errors': 0}
    failed = len(ours) + crashed
    passed = max(summary['total'] - len(with_run['failing']), 0)
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
