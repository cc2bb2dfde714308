"""Processes opening one new SQLite file at the same moment all get a working storage."""

import multiprocessing
import traceback

from regtune.tuning import open_storage


def _open(url, barrier, results):
    barrier.wait()  # everyone creates the tables at the same moment
    try:
        storage = open_storage(url)
        storage.get_all_studies()
        results.put("ok")
    except Exception as error:  # reported to the test, which shows it and where it was raised
        where = traceback.extract_tb(error.__traceback__)[-1]
        results.put(f"{type(error).__name__}: {error} ({where.filename}:{where.lineno})")


def test_concurrent_first_opens_of_a_new_sqlite_file(tmp_path):
    context = multiprocessing.get_context("spawn")
    for round_ in range(3):
        url = f"sqlite:///{tmp_path / f'new{round_}.db'}"
        barrier, results = context.Barrier(4), context.Queue()
        processes = [context.Process(target=_open, args=(url, barrier, results)) for _ in range(4)]
        for process in processes:
            process.start()
        outcomes = [results.get(timeout=120) for _ in processes]
        for process in processes:
            process.join(timeout=60)
        assert outcomes == ["ok"] * 4, outcomes
