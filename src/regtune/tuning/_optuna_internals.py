"""The one door to Optuna's private API: every access regtune makes past a leading underscore.

Optuna has no public way to do what these names do. Nothing else in regtune touches an Optuna name
that starts with an underscore; when an Optuna release changes one of them, a test of
``tests/tuning/test_optuna_internals.py`` fails loudly (a missing attribute, another signature, a
wrong result on a real SQLite study) instead of a tuning run misbehaving;
``test_the_private_names_exist_with_their_signatures`` checks every name and signature below. Each
name, what it relies on, and the test that checks its behaviour:

* :func:`storage_of`, :func:`study_id`, :func:`trial_id`: the attributes ``Study._storage``,
  ``Study._study_id`` / ``FrozenStudy._study_id`` and ``Trial._trial_id`` /
  ``FrozenTrial._trial_id`` (``test_handles_of_a_study_and_its_trials``).
* :func:`set_user_attrs`: ``_CachedStorage._backend`` (the ``RDBStorage`` behind a study's
  storage), ``RDBStorage._set_trial_attr_without_commit(session, model_cls, trial_id, key,
  value)``, ``optuna.storages._rdb.storage._create_scoped_session(scoped_session,
  ignore_integrity_error)``, ``optuna.storages._rdb.models.TrialUserAttributeModel`` and
  ``Trial._cached_frozen_trial`` (``test_user_attrs_take_the_one_transaction_path``; the one commit
  is counted in ``test_tuning_storage_locks.py``).
* :func:`set_study_user_attrs`: ``_create_scoped_session``, the models ``StudyModel``
  (``find_or_raise_by_id``) and ``StudyUserAttributeModel`` (``find_by_study_and_key``, columns
  ``study_id``, ``key``, ``value_json``), as ``RDBStorage.set_study_user_attr`` uses them
  (``test_study_user_attrs_in_one_transaction``).
* :func:`running_trials_without_heartbeat`: the models ``TrialModel`` (its column
  ``_datetime_start_utc``: the start in naive UTC), ``TrialHeartbeatModel`` and
  ``_create_scoped_session`` (``test_running_trials_without_heartbeat``).
* :class:`RDBStorageWithStaleRule`: overrides ``RDBStorage._get_stale_trial_ids(study_id)``, which
  ``optuna.storages.fail_stale_trials`` calls through ``_CachedStorage``
  (``test_a_stale_rule_is_applied_by_fail_stale_trials``).
* :data:`READ_ONLY_METHODS` and :func:`wrap_read_only_methods`: the ``RDBStorage`` methods that
  each open one read-only transaction, among them the private ``_get_trials`` (behind
  ``get_all_trials`` and ``_CachedStorage``), ``_get_best_trial_id`` (behind ``get_best_trial``)
  and ``_get_stale_trial_ids`` (``test_every_read_opens_its_transactions_inside_a_read_method``).
* :func:`storage_entry_points`: the public methods of ``RDBStorage`` and the private ones that
  ``_CachedStorage`` calls on its ``_backend`` (``_create_new_trial``, ``_set_trial_param`` and the
  three read-only ones above): every way a study reaches the database, each held safe from Ctrl-C
  (``test_the_storage_entry_points_are_every_call_of_optunas_cache``).
* :func:`queued_trial_attrs` and :func:`fixed_params_of`: the system attribute ``fixed_params``
  of a WAITING trial, which ``Trial.__init__`` reads into ``Trial._fixed_params`` and
  ``Trial._suggest`` returns instead of sampling (the convention of ``Study.enqueue_trial``,
  which regtune's slots need with system attributes of their own)
  (``test_queued_trial_attrs_fix_the_suggested_values``).
* :func:`rdb_storage_logger`: the logger of the private module ``optuna.storages._rdb.storage``,
  which logs the retry warning of ``_get_trials`` (``test_the_rdb_storage_logger_is_optunas``).
"""

import logging

import optuna

from ._interrupts import deferring_interrupts

__all__ = [
    "READ_ONLY_METHODS",
    "RDBStorageWithStaleRule",
    "fixed_params_of",
    "queued_trial_attrs",
    "rdb_storage_logger",
    "running_trials_without_heartbeat",
    "set_study_user_attrs",
    "set_user_attrs",
    "storage_entry_points",
    "storage_of",
    "study_id",
    "trial_id",
    "wrap_read_only_methods",
]


def storage_of(study):
    """The storage ``study`` reads and writes through (``Study._storage``; for an RDB storage,
    Optuna's caching wrapper around the ``RDBStorage``)."""
    return study._storage


def study_id(study):
    """The storage's id of a ``Study`` or of a ``FrozenStudy`` from ``storage.get_all_studies()``."""
    return study._study_id


def trial_id(trial):
    """The storage's id of a ``Trial`` or ``FrozenTrial`` (not its number, which counts per study)."""
    return trial._trial_id


def queued_trial_attrs(fixed_params=None):
    """System attributes of a queued (WAITING) trial whose ``suggest_*`` calls return
    ``fixed_params[name]`` instead of sampling (the other names are sampled as usual)."""
    return {"fixed_params": dict(fixed_params or {})}


def fixed_params_of(trial):
    """The ``fixed_params`` a queued trial was given (``{}`` when none)."""
    return dict(trial.system_attrs.get("fixed_params", {}))


@deferring_interrupts
def set_user_attrs(trial, attrs):
    """Record several user attributes of a running trial, in one transaction on an RDB storage.

    ``trial.set_user_attr`` commits each attribute in a transaction of its own; on a shared SQLite
    file each one queues for the write lock. Storages other than Optuna's ``RDBStorage`` (and an
    Optuna without its internal helper) get one ``set_user_attr`` per attribute. Like
    ``set_user_attr``, it refuses a finished trial (``RuntimeError``).
    """
    storage = storage_of(trial.study)
    backend = getattr(storage, "_backend", storage)
    write = getattr(backend, "_set_trial_attr_without_commit", None)
    if not isinstance(backend, optuna.storages.RDBStorage) or write is None:
        for key, value in attrs.items():
            trial.set_user_attr(key, value)
        return
    from optuna.storages._rdb import models
    from optuna.storages._rdb.storage import _create_scoped_session

    with _create_scoped_session(backend.scoped_session, True) as session:
        for key, value in attrs.items():
            write(session, models.TrialUserAttributeModel, trial_id(trial), key, value)
    trial._cached_frozen_trial.user_attrs.update(attrs)


@deferring_interrupts
def set_study_user_attrs(study, attrs):
    """Record several user attributes of ``study`` in one transaction on an RDB storage.

    ``study.set_user_attr`` commits each in a transaction of its own (``tune`` records about 30
    settings at the start of a run). Other storages get one ``set_user_attr`` per attribute.
    """
    storage = storage_of(study)
    backend = getattr(storage, "_backend", storage)
    if not isinstance(backend, optuna.storages.RDBStorage):
        for key, value in attrs.items():
            study.set_user_attr(key, value)
        return
    import json

    from optuna.storages._rdb import models
    from optuna.storages._rdb.storage import _create_scoped_session

    with _create_scoped_session(backend.scoped_session, True) as session:
        model = models.StudyModel.find_or_raise_by_id(study_id(study), session)
        for key, value in attrs.items():
            attribute = models.StudyUserAttributeModel.find_by_study_and_key(model, key, session)
            if attribute is None:
                session.add(
                    models.StudyUserAttributeModel(
                        study_id=study_id(study), key=key, value_json=json.dumps(value)
                    )
                )
            else:
                attribute.value_json = json.dumps(value)


def running_trials_without_heartbeat(storage, study_id, started_before):
    """Ids of the RUNNING trials of study ``study_id`` in ``storage`` (an ``RDBStorage``) that
    never recorded a heartbeat and started before ``started_before`` (a naive UTC datetime, as
    Optuna stores ``datetime_start``)."""
    from optuna.storages._rdb import models
    from optuna.storages._rdb.storage import _create_scoped_session

    with _create_scoped_session(storage.scoped_session) as session:
        silent = (
            session.query(models.TrialModel.trial_id)
            .outerjoin(models.TrialHeartbeatModel)
            .filter(models.TrialModel.study_id == study_id)
            .filter(models.TrialModel.state == optuna.trial.TrialState.RUNNING)
            .filter(models.TrialHeartbeatModel.trial_heartbeat_id.is_(None))
            .filter(models.TrialModel._datetime_start_utc < started_before)
            .all()
        )
    return [found for (found,) in silent]


class RDBStorageWithStaleRule(optuna.storages.RDBStorage):
    """Optuna's ``RDBStorage`` where a subclass adds trials to those Optuna finds stale.

    ``optuna.storages.fail_stale_trials`` fails the trials that ``_get_stale_trial_ids`` returns:
    those whose last heartbeat is older than the grace period. A subclass names more in
    :meth:`more_stale_trial_ids`.
    """

    def more_stale_trial_ids(self, study_id):
        """Ids of trials that are stale besides Optuna's (none here)."""
        return []

    def _get_stale_trial_ids(self, study_id):
        stale = super()._get_stale_trial_ids(study_id)
        return stale + [t for t in self.more_stale_trial_ids(study_id) if t not in stale]


# RDBStorage methods that only read, each in one transaction of its own (the others that read,
# get_all_trials and get_best_trial, do so through these).
READ_ONLY_METHODS = (
    "get_study_id_from_name",
    "get_study_name_from_id",
    "get_study_directions",
    "get_study_user_attrs",
    "get_study_system_attrs",
    "get_trial_user_attrs",
    "get_trial_system_attrs",
    "get_all_studies",
    "get_trial_param",
    "get_trial_id_from_study_id_trial_number",
    "get_trial",
    "_get_trials",
    "_get_best_trial_id",
    "_get_stale_trial_ids",
)


# The private RDBStorage methods that Optuna's _CachedStorage calls on its backend directly.
_CACHED_STORAGE_CALLS = (
    "_create_new_trial",
    "_set_trial_param",
    "_get_trials",
    "_get_best_trial_id",
    "_get_stale_trial_ids",
)


def storage_entry_points():
    """Names of the ``RDBStorage`` methods through which a study reaches the database: every
    public method and the private ones Optuna's ``_CachedStorage`` calls directly."""
    rdb = optuna.storages.RDBStorage
    public = [name for name in dir(rdb) if not name.startswith("_") and callable(getattr(rdb, name))]
    return (*public, *_CACHED_STORAGE_CALLS)


def wrap_read_only_methods(storage_class, wrap):
    """Replace each of :data:`READ_ONLY_METHODS` of ``storage_class`` (a subclass of
    ``RDBStorage``) by ``wrap(method)``."""
    for name in READ_ONLY_METHODS:
        setattr(storage_class, name, wrap(getattr(storage_class, name)))


def rdb_storage_logger():
    """The logger of Optuna's RDB storage module (it warns before retrying a failed read)."""
    return logging.getLogger("optuna.storages._rdb.storage")
