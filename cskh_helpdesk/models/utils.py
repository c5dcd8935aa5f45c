from odoo.tools import SQL


def lock_next_batch(records, domain, order, limit):
    """The first ``limit`` records of ``records``' model matching ``domain`` in
    ``order`` that no other transaction holds, locked until this one ends.

    One query (``FOR UPDATE SKIP LOCKED``): rows locked by another cron worker are
    skipped, not waited for, and the batch is filled with the next free rows, so
    several workers share a backlog without ever taking the same row. The rows match
    ``domain`` as this transaction sees them; one changed and committed meanwhile by
    another transaction cannot be locked (serialization error: the batch is retried).
    """
    query = records._search(domain, order=order, limit=limit)
    sql = SQL("%s FOR UPDATE OF %s SKIP LOCKED", query.select(), SQL.identifier(records._table))
    return records.browse(id_ for [id_] in records.env.execute_query(sql))
