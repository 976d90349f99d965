"""Many clerks driving many cases at once over HTTP against PostgreSQL: every row agrees
afterwards."""
from collections import Counter

from tests.concurrency.harness import check_store, drive_cases

THREADS = 8
CASES = 200


def test_eight_threads_drive_two_hundred_cases_to_the_end(pg, pg_url):
    statuses, paths, numbers, conflicts = drive_cases(pg_url, THREADS, CASES // THREADS)
    # each case belongs to one thread: nothing competes for it, so nothing may conflict
    assert not conflicts and not [k for k in statuses if k[1] == 409], conflicts
    assert len(paths) == CASES
    assert Counter(paths.values())["correct_supplement"] >= 20 and Counter(paths.values())["tolerate_supplement"] >= 10
    assert len(set(numbers)) == CASES
    check_store(pg, paths)
