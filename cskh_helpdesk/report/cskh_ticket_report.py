from odoo import fields, models
from odoo.tools import SQL

from ..models.cskh_ticket import CUSTOMER_TIERS, TICKET_PRIORITIES


class CskhTicketReport(models.Model):
    """Tickets analysis: one row per ticket with the KPIs of customer care.

    Rates are stored per row as 100 / 0 (NULL when they do not apply), so that
    their average is a percentage: FCR over solved tickets, reopen rate over tickets
    closed at least once, SLA success over tickets whose SLA outcome is known. NPS
    is +100 for a promoter, -100 for a detractor and 0 for a passive answer: its
    average is the Net Promoter Score. Extend the ``_select``/``_from``/``_where``
    parts to add measures or dimensions.
    """
    _name = 'cskh.ticket.report'
    _description = "Tickets Analysis"
    _order = 'create_date desc'
    _auto = False
    _rec_name = 'ticket_id'

    ticket_id = fields.Many2one('cskh.ticket', readonly=True)
    number = fields.Char("Ticket Number", readonly=True)
    name = fields.Char("Subject", readonly=True)
    team_id = fields.Many2one('cskh.team', readonly=True)
    user_id = fields.Many2one('res.users', string="Agent", readonly=True)
    stage_id = fields.Many2one('cskh.stage', readonly=True)
    type_id = fields.Many2one('cskh.ticket.type', readonly=True)
    channel = fields.Selection(
        lambda self: self.env['cskh.ticket']._fields['channel']._description_selection(self.env),
        readonly=True)
    priority = fields.Selection(TICKET_PRIORITIES, readonly=True)
    customer_tier = fields.Selection(CUSTOMER_TIERS, readonly=True)
    partner_id = fields.Many2one('res.partner', string="Customer", readonly=True)
    company_id = fields.Many2one('res.company', readonly=True)
    create_date = fields.Datetime("Created on", readonly=True)
    date_closed = fields.Datetime("Closed on", readonly=True)
    is_closed = fields.Boolean("Closed", readonly=True)
    sla_failed = fields.Boolean("SLA Failed", readonly=True)
    # measures
    frt_hours = fields.Float(
        "First Response Time (Working Hours)", readonly=True, aggregator='avg', digits=(16, 2))
    frt_calendar_hours = fields.Float(
        "First Response Time (Hours)", readonly=True, aggregator='avg', digits=(16, 2))
    resolution_hours = fields.Float(
        "Resolution Time (Working Hours)", readonly=True, aggregator='avg', digits=(16, 2))
    resolution_calendar_hours = fields.Float(
        "Resolution Time (Hours)", readonly=True, aggregator='avg', digits=(16, 2))
    agent_reply_count = fields.Float("Agent Replies", readonly=True, aggregator='avg', digits=(16, 1))
    reopen_count = fields.Integer("Reopenings", readonly=True, aggregator='sum')
    fcr_rate = fields.Float("FCR (%)", readonly=True, aggregator='avg', digits=(16, 1))
    reopen_rate = fields.Float("Reopen Rate (%)", readonly=True, aggregator='avg', digits=(16, 1))
    sla_success_rate = fields.Float("SLA Success (%)", readonly=True, aggregator='avg', digits=(16, 1))
    csat = fields.Float("CSAT", readonly=True, aggregator='avg', digits=(16, 2))
    nps_score = fields.Float("NPS", readonly=True, aggregator='avg', digits=(16, 1))
    ces = fields.Float("CES", readonly=True, aggregator='avg', digits=(16, 2))

    @property
    def _table_query(self):
        return SQL("%s %s %s %s", self._select(), self._from(), self._where(), self._group_by())

    def _select(self) -> SQL:
        return SQL("""
            SELECT t.id AS id,
                   t.id AS ticket_id,
                   t.number,
                   t.name,
                   t.team_id,
                   t.user_id,
                   t.stage_id,
                   t.type_id,
                   t.channel,
                   t.priority,
                   t.customer_tier,
                   t.partner_id,
                   t.company_id,
                   t.create_date,
                   t.date_closed,
                   t.is_closed,
                   t.sla_failed,
                   CASE WHEN t.date_first_response IS NOT NULL THEN t.frt_hours END AS frt_hours,
                   CASE WHEN t.date_first_response IS NOT NULL THEN t.frt_calendar_hours END AS frt_calendar_hours,
                   CASE WHEN t.date_closed IS NOT NULL THEN t.resolution_hours END AS resolution_hours,
                   CASE WHEN t.date_closed IS NOT NULL THEN t.resolution_calendar_hours END AS resolution_calendar_hours,
                   COALESCE(t.agent_reply_count, 0) AS agent_reply_count,
                   COALESCE(t.reopen_count, 0) AS reopen_count,
                   CASE WHEN t.is_closed AND NOT COALESCE(stage.is_cancel, FALSE)
                        THEN CASE WHEN t.fcr THEN 100.0 ELSE 0.0 END END AS fcr_rate,
                   CASE WHEN t.date_closed IS NOT NULL OR t.reopen_count > 0
                        THEN CASE WHEN t.reopen_count > 0 THEN 100.0 ELSE 0.0 END END AS reopen_rate,
                   CASE WHEN t.sla_failed THEN 0.0 WHEN t.sla_success THEN 100.0 END AS sla_success_rate,
                   survey.csat,
                   CASE WHEN survey.has_nps IS NOT TRUE THEN NULL
                        WHEN survey.nps >= 9 THEN 100.0
                        WHEN survey.nps >= 7 THEN 0.0
                        ELSE -100.0 END AS nps_score,
                   survey.ces
        """)

    def _from(self) -> SQL:
        # the latest answered survey of the ticket, as its stored scores (_compute_survey_scores)
        return SQL("""
            FROM cskh_ticket t
            LEFT JOIN cskh_stage stage ON stage.id = t.stage_id
            LEFT JOIN LATERAL (
                SELECT NULLIF(r.csat, 0) AS csat, r.has_nps, r.nps, NULLIF(r.ces, 0) AS ces
                  FROM cskh_survey_response r
                 WHERE r.ticket_id = t.id AND r.state = 'answered'
              ORDER BY r.id DESC
                 LIMIT 1
            ) survey ON TRUE
        """)

    def _where(self) -> SQL:
        return SQL("WHERE t.active")

    def _group_by(self) -> SQL:
        return SQL("")
