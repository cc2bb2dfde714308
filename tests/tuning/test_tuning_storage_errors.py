"""A storage that fails mid-study is reported in one line with the database's own reason."""

import logging

import pytest
import sqlalchemy.exc
from optuna.exceptions import StorageInternalError

from regtune.tuning import storage_error_reason
from regtune.tuning._storage import quiet_storage_retries

LOST = "server closed the connection unexpectedly\n\tThis probably means the server terminated"


def _wrapped():
    """A StorageInternalError as Optuna raises it: from SQLAlchemy's error, from the driver's."""
    driver = RuntimeError(LOST)
    try:
        try:
            raise sqlalchemy.exc.OperationalError("UPDATE trials ...", {}, driver)
        except sqlalchemy.exc.OperationalError as error:
            raise StorageInternalError("An exception is raised during the commit.") from error
    except StorageInternalError as error:
        return error


def test_the_reason_is_the_database_message_not_optunas_wrapper():
    assert storage_error_reason(_wrapped()) == "server closed the connection unexpectedly"
    assert storage_error_reason(_wrapped().__cause__) == "server closed the connection unexpectedly"
    assert storage_error_reason(StorageInternalError("no cause")) == "no cause"
    assert storage_error_reason(ValueError("")) == "ValueError"


def test_the_cli_names_the_storage_and_the_reason():
    from regtune.cli._studies import storage_errors

    url = "postgresql://ana:secret@db.example.org/studies"
    with pytest.raises(ConnectionError) as caught, storage_errors(url):
        raise _wrapped()
    assert str(caught.value) == (
        "cannot use the storage postgresql://ana:***@db.example.org/studies: "
        "server closed the connection unexpectedly"
    )


def test_optunas_retry_warning_is_silenced_while_trials_run_and_restored_after(caplog):
    logger = logging.getLogger("optuna.storages._rdb.storage")
    level = logger.level
    with caplog.at_level(logging.WARNING, logger="optuna"):
        with quiet_storage_retries():
            logger.warning("Caught an error from sqlalchemy: ... Falling back to a slower alternative.")
            logger.error("a real error still shows")
        assert logger.level == level
        logger.warning("shown again")
    assert [r.getMessage() for r in caplog.records] == ["a real error still shows", "shown again"]
