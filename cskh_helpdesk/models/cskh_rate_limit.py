from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL


class CskhRateLimit(models.Model):
    """Hits per key and fixed time window, for the public routes that answer without
    creating anything (the form's article suggestions): one atomic UPSERT per hit."""
    _name = 'cskh.rate.limit'
    _description = "Helpdesk Rate Limit Counter"
    _log_access = False

    key = fields.Char(required=True)
    window_start = fields.Datetime(required=True)
    count = fields.Integer(default=0)

    _key_window_unique = models.Constraint('UNIQUE(key, window_start)', "One counter per key and window.")

    @api.model
    def _cskh_hit(self, key, limit, window_seconds=60):
        """Count a hit of ``key``; whether it is within ``limit`` hits of the current window."""
        self.env.cr.execute(SQL(
            """INSERT INTO cskh_rate_limit (key, window_start, count)
               VALUES (%(key)s, to_timestamp(floor(extract(epoch FROM now()) / %(window)s) * %(window)s)
                                at time zone 'UTC', 1)
               ON CONFLICT (key, window_start) DO UPDATE SET count = cskh_rate_limit.count + 1
               RETURNING count""",
            key=key, window=window_seconds))
        return self.env.cr.fetchone()[0] <= limit

    @api.autovacuum
    def _gc_windows(self):
        self.env.cr.execute(SQL(
            "DELETE FROM cskh_rate_limit WHERE window_start < %s",
            fields.Datetime.now() - timedelta(days=1)))
