from markupsafe import Markup

from odoo import models
from odoo.tools import html2plaintext

TICKET_COMMAND = '/ticket'


class DiscussChannel(models.Model):
    _inherit = 'discuss.channel'

    def execute_command_ticket(self, **kwargs):
        """``/ticket <subject>``: create a helpdesk ticket from the conversation and show its
        link to the operator only (as ``/lead`` of crm_livechat)."""
        key = kwargs['body']
        if not self.env.user.has_group('cskh_helpdesk.cskh_helpdesk_group_agent'):
            msg = self.env._("Only helpdesk agents can create a ticket from a conversation.")
        elif not html2plaintext(key).strip()[len(TICKET_COMMAND):].strip():
            msg = self.env._(
                "Create a new ticket with: "
                "%(pre_start)s%(ticket_command)s %(i_start)sticket subject%(i_end)s%(pre_end)s",
                ticket_command=TICKET_COMMAND,
                pre_start=Markup("<pre>"),
                pre_end=Markup("</pre>"),
                i_start=Markup("<i>"),
                i_end=Markup("</i>"),
            )
        else:
            ticket = self._convert_visitor_to_cskh_ticket(self.env.user.partner_id, key)
            msg = self.env._("Created a new ticket: %(ticket)s", ticket=ticket._get_html_link())
        self.env.user._bus_send_transient_message(self, msg)

    def _convert_visitor_to_cskh_ticket(self, partner, key):
        """Create a ticket from the ``/ticket`` command.

        :param partner: partner of the operator typing the command;
        :param key: the operator's input (``/ticket Cannot log in``).
        """
        self.ensure_one()
        return self.env['cskh.ticket'].create(self._prepare_cskh_ticket_values(partner, key))

    def _prepare_cskh_ticket_values(self, partner, key):
        """Values of the ticket of the conversation: the visitor as customer, the transcript
        as description, the team of the live chat channel. Override to add values."""
        values = {
            'name': html2plaintext(key).strip()[len(TICKET_COMMAND):].strip(),
            'channel': 'chat',
            'origin_channel_id': self.id,
            'description': self._get_channel_history(),
            'user_id': self.env.user.id,
        }
        # sudo: the team set on the live chat channel, for agents who are not live chat operators
        team = self.sudo().livechat_channel_id.cskh_team_id
        if team:
            values['team_id'] = team.id
        customer = self._get_cskh_ticket_customer(partner)
        if customer:
            values['partner_id'] = customer.id
        elif guest := self.channel_member_ids.guest_id[:1]:
            values['partner_name'] = guest.name
        return values

    def _get_cskh_ticket_customer(self, partner):
        """The visitor as a contact: the first external (share) partner of the conversation
        other than ``partner``; none when the visitor is the public user (anonymous)."""
        # as crm_livechat's /lead: with the public user among the members, the visitor is
        # anonymous whoever else joined
        customers = self.with_context(active_test=False).channel_partner_ids.filtered(
            lambda p: p != partner and p.partner_share)
        if any(customer.is_public for customer in customers):
            return self.env['res.partner']
        return customers[:1]
