"""Many clerks driving many cases at once over HTTP against PostgreSQL: every row agrees
afterwards."""
import threading
from collections import Counter
from functools import partial

from tests.concurrency.harness import Driver, check_store, in_threads, path_for, person

THREADS = 8
CASES = 200


def test_eight_threads_drive_two_hundred_cases_to_the_end(pg, pg_url):
    per_thread = CASES // THREADS
    drivers = in_threads([partial(Driver, pg_url) for _ in range(THREADS)])
    barrier = threading.Barrier(THREADS, timeout=30)

    def work(index: int, driver: Driver):
        barrier.wait()
        for n in range(per_thread):
            number = index * per_thread + n
            # each thread serves a few applicants of its own, who come back for new cases
            driver.run_case(path_for(number), person(index * 10 + n % 3))

    try:
        in_threads([partial(work, i, d) for i, d in enumerate(drivers)], timeout=170)
    finally:
        for driver in drivers:
            driver.close()

    statuses = Counter()
    for driver in drivers:
        statuses.update(driver.statuses)
    assert not [k for k in statuses if k[1] >= 500], statuses
    # each case belongs to one thread: nothing competes for it, so nothing may conflict
    assert not [k for k in statuses if k[1] == 409], [d.conflicts for d in drivers]

    paths = {case_id: info["path"] for d in drivers for case_id, info in d.finished.items()}
    assert len(paths) == CASES
    assert Counter(paths.values())["correct_supplement"] >= 20 and Counter(paths.values())["tolerate_supplement"] >= 10
    numbers = [info["case_no"] for d in drivers for info in d.finished.values()]
    assert len(set(numbers)) == CASES
    check_store(pg, paths)
