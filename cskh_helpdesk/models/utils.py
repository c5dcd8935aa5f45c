import logging
import random
import time

from psycopg2 import errorcodes

from odoo.service.model import MAX_TRIES_ON_CONCURRENCY_FAILURE, PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import SQL

_logger = logging.getLogger(__name__)


def prefetch_empty_many2many(records, fnames):
    """Put in cache the empty values of the many2many fields ``fnames`` of ``records``
    that have no row in their relation, in one query: reading each relation costs a
    query, and conditions or attachments left empty are the usual case (SLA policies'
    types and tags, a template's attachments and reports, read for every new ticket).
    The others are left to the ORM, that reads them (with their access and active
    filtering) when used."""
    if not records:
        return
    fields_ = [records._fields[fname] for fname in fnames]
    records.flush_recordset(fnames)
    records.env.cr.execute(SQL(" UNION ").join(
        SQL("SELECT %s FROM %s WHERE %s IN %s",
            SQL.identifier(field.column1), SQL.identifier(field.relation),
            SQL.identifier(field.column1), tuple(records.ids))
        for field in fields_
    ))
    not_empty = {record_id for record_id, in records.env.cr.fetchall()}
    empty = records.filtered(lambda record: record.id not in not_empty)
    for field in fields_:
        # the field's own cache update: the record's would read the current value first
        field._update_cache(empty, ())


def lock_next_batch(records, domain, order, limit, lock_also=()):
    """The first ``limit`` records of ``records``' model matching ``domain`` in
    ``order`` that no other transaction holds, locked until this one ends.

    One query (``FOR NO KEY UPDATE ... SKIP LOCKED``): rows locked by another cron
    worker are skipped, not waited for, and the batch is filled with the next free
    rows, so several workers share a backlog without ever taking the same row. The
    rows match ``domain`` as this transaction sees them; one changed and committed
    meanwhile by another transaction cannot be locked (serialization error: the batch
    is retried, see ``run_batch``).

    :param lock_also: many2one fields of ``records`` whose target rows the batch
        updates too (the tickets of SLA lines or surveys): they are locked in the
        same statement, so that the cron never waits for a row while holding
        another, whatever order other transactions lock them in (an agent's write
        locks the ticket, then its SLA lines and surveys). A record whose target
        another transaction holds is skipped for this run.

    ``NO KEY UPDATE`` is the lock of an UPDATE that keeps the row's id, as Odoo's
    ``try_lock_for_update(allow_referencing=True)``: records created meanwhile can
    still reference the locked rows (a new SLA line or survey of a locked ticket).
    """
    query = records._search(domain, order=order, limit=limit)
    aliases = [records._table]
    for fname in lock_also:
        field = records._fields[fname]
        assert field.type == 'many2one' and field.store, f"{fname} must be a stored many2one"
        # an inner join of its own: the domain may have left-joined the same table, and
        # the nullable side of an outer join cannot be locked
        aliases.append(query.join(
            records._table, fname, records.env[field.comodel_name]._table, 'id', f'{fname}__lock'))
    sql = SQL(
        "%s FOR NO KEY UPDATE OF %s SKIP LOCKED",
        query.select(), SQL(", ").join(SQL.identifier(alias) for alias in aliases))
    return records.browse(id_ for [id_] in records.env.execute_query(sql))


def run_batch(env, process, tries=MAX_TRIES_ON_CONCURRENCY_FAILURE):
    """Run ``process()``, one batch of a cron (lock its records, process them),
    flushed to the database, and return its result.

    On a concurrency error (deadlock, lock timeout, serialization failure: another
    transaction changed a row the batch updates), the transaction is rolled back and
    the batch runs again from the start, on a fresh snapshot, after a short random
    wait, as Odoo retries an RPC call. Only the batch in progress is lost: the cron
    commits after each batch (``ir.cron._commit_progress``), so the caller must not
    have uncommitted work when calling this. After ``tries`` failures the error is
    raised (the cron run stops; the next run takes the batch again).
    """
    for attempt in range(1, tries + 1):
        try:
            result = process()
            env.cr.flush()
            return result
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY as error:
            env.cr.rollback()
            env.transaction.reset()
            error_name = errorcodes.lookup(error.pgcode)
            if attempt == tries:
                _logger.info("Cron batch: %s, maximum number of tries reached", error_name)
                raise
            wait = random.uniform(0.0, 0.5 * 2 ** attempt)
            _logger.info("Cron batch: %s, %s tries left, batch retried in %.2f s",
                         error_name, tries - attempt, wait)
            time.sleep(wait)
    raise RuntimeError("unreachable")


def run_cron_batches(env, remaining, process_batch, when_idle=None):
    """The loop of a batched cron: run ``process_batch()`` (lock the next batch with
    ``lock_next_batch``, process it, return how many records it took) through
    ``run_batch`` and commit it through the cron progress API, until a batch comes back
    empty or the cron's time is up (the scheduler then runs it again at once).

    ``remaining`` is the number of records to do, counted once at the start for the
    progress report. On an empty batch, ``when_idle(left)`` is called with how many of
    them were not taken: held by another worker (which commits them) or by a user
    writing them, for the cron to schedule a run a little later.
    """
    Cron = env['ir.cron']
    Cron._commit_progress(remaining=remaining)
    while True:
        done = run_batch(env, process_batch)
        remaining -= done
        if not done:
            if when_idle:
                when_idle(remaining)
            # not "partially done": the scheduler would run the cron again at once
            Cron._commit_progress(remaining=0)
            return
        if not Cron._commit_progress(done):
            return
