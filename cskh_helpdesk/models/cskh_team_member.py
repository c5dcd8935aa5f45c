from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.fields import Command

from .cskh_ticket import CUSTOMER_TIERS

# what an agent may change on his own membership (the rest is the leader's or a manager's)
AGENT_WRITABLE_FIELDS = frozenset({'is_available'})
# what only a helpdesk manager changes: moving a membership to another team or user
MANAGER_ONLY_FIELDS = frozenset({'team_id', 'user_id'})


class CskhTeamMember(models.Model):
    """One agent in one team: his availability, capacity and optional skills, which the
    automatic assignment (``cskh.team._route_tickets``) looks at. The rows follow the
    team's ``member_ids``, both ways: adding a user to the team creates his row, deleting
    a row removes him from the team."""
    _name = 'cskh.team.member'
    _description = "Helpdesk Team Member"
    _order = 'team_id, user_id, id'
    _rec_name = 'user_id'
    _check_company_auto = True

    # Membership
    team_id = fields.Many2one('cskh.team', required=True, index=True, ondelete='cascade')
    user_id = fields.Many2one(
        'res.users', string="Agent", required=True, index=True, ondelete='cascade',
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]")
    company_id = fields.Many2one(related='team_id.company_id', store=True, index=True)
    # Availability
    is_available = fields.Boolean(
        "Available", default=True,
        help="Receives new tickets. Agents switch it off when they step away; "
             "an approved time off takes them out of the assignment as well.")
    is_on_leave = fields.Boolean(
        "On Time Off", compute='_compute_is_on_leave',
        help="The agent has a time off covering the current moment (Time Off app or "
             "the leaves of his working schedule).")
    # Capacity
    max_open_tickets = fields.Integer(
        "Capacity",
        help="Maximum open tickets of the agent in this team, weighted by priority "
             "(a low or medium ticket counts 1, a high one 2, an urgent one 3). 0 means no limit.")
    open_ticket_load = fields.Integer(
        "Current Load", compute='_compute_open_ticket_load',
        help="Open tickets of the agent in this team, weighted by priority.")
    # whether the current user may hand the member's tickets over (his leader, a manager)
    can_hand_over = fields.Boolean(
        compute='_compute_can_hand_over', export_string_translation=False)
    # Skills: a member without any skill of a kind takes every ticket of that kind
    handles_vip = fields.Boolean(
        "VIP Customers", help="Tickets of VIP customers go to the available agents with this option first.")
    type_ids = fields.Many2many(
        'cskh.ticket.type', 'cskh_team_member_ticket_type_rel', 'member_id', 'type_id', string="Ticket Types",
        help="Only tickets of these types are assigned to the agent. Empty: all types.")
    tag_ids = fields.Many2many(
        'cskh.tag', 'cskh_team_member_tag_rel', 'member_id', 'tag_id', string="Tags",
        help="Only tickets with one of these tags are assigned to the agent. Empty: all tickets.")
    lang_ids = fields.Many2many(
        'res.lang', 'cskh_team_member_lang_rel', 'member_id', 'lang_id', string="Languages",
        help="Only tickets of customers speaking one of these languages are assigned to the agent. "
             "Empty: all languages. Tickets of customers without a language go to anyone.")
    customer_tier = fields.Selection(
        CUSTOMER_TIERS,
        help="Only tickets of customers of this tier are assigned to the agent. Empty: all customers.")
    has_skills = fields.Boolean(
        compute='_compute_has_skills', store=True,
        help="Ticket types, tags, languages or a customer tier restrict what the agent receives.")

    _team_user_uniq = models.Constraint(
        'unique (team_id, user_id)', "An agent is a member of a team only once.")

    def _compute_is_on_leave(self):
        on_leave = self.env['cskh.team']._get_users_on_leave(self.user_id._origin)
        for member in self:
            member.is_on_leave = member.user_id._origin in on_leave

    def _compute_open_ticket_load(self):
        """Weighted open tickets, in one grouped query whatever the number of members."""
        # _origin: rows added in the team form belong to the team being edited
        load = self.team_id._origin._get_open_ticket_load(self.user_id._origin)
        for member in self:
            member.open_ticket_load = load.get((member.team_id._origin.id, member.user_id._origin.id), 0)

    @api.depends_context('uid')
    @api.depends('team_id.leader_id')
    def _compute_can_hand_over(self):
        is_manager = self.env.user.has_group('cskh_helpdesk.cskh_helpdesk_group_manager')
        for member in self:
            member.can_hand_over = is_manager or member.team_id.leader_id == self.env.user

    @api.depends('type_ids', 'tag_ids', 'lang_ids', 'customer_tier')
    def _compute_has_skills(self):
        for member in self:
            member.has_skills = bool(member.type_ids or member.tag_ids or member.lang_ids or member.customer_tier)

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        members = super().create(vals_list)
        if not self.env.context.get('cskh_skip_member_sync'):
            members._link_team_users()
        return members

    def write(self, vals):
        self._check_member_write(vals)
        previous = {member: (member.team_id, member.user_id) for member in self} \
            if MANAGER_ONLY_FIELDS & set(vals) else None
        res = super().write(vals)
        if previous:
            self.env['cskh.team.member']._unlink_team_users(list(previous.values()))
            self._link_team_users()
        return res

    def unlink(self):
        pairs = [(member.team_id, member.user_id) for member in self]
        res = super().unlink()
        if not self.env.context.get('cskh_skip_member_sync'):
            self._unlink_team_users(pairs)
        return res

    def _check_member_write(self, vals):
        """Agents change only their availability (the record rules limit them to their own
        rows and the rows of the teams they lead); a team leader also sets the capacity
        and skills of his members; moving a membership is for managers."""
        if self.env.su or self.env.user.has_group('cskh_helpdesk.cskh_helpdesk_group_manager'):
            return
        fields_ = set(vals)
        if fields_ & MANAGER_ONLY_FIELDS or (
                fields_ - AGENT_WRITABLE_FIELDS and self.team_id.leader_id != self.env.user):
            raise AccessError(self.env._(
                "Only the team leader or a helpdesk manager can change the capacity and skills "
                "of a team member; agents only switch their own availability."))

    def _link_team_users(self):
        """Add the users of the rows to their team's members (without syncing back)."""
        for team, members in self.grouped('team_id').items():
            missing = members.user_id - team.member_ids
            if missing:
                team.sudo().with_context(cskh_skip_member_sync=True).member_ids = [
                    Command.link(user.id) for user in missing]

    @api.model
    def _unlink_team_users(self, pairs):
        """Remove the users of deleted rows from their team's members, unless another
        row still makes them members."""
        remaining = self.sudo().search_fetch(
            [('team_id', 'in', [team.id for team, _user in pairs])], ['team_id', 'user_id'])
        kept = {(member.team_id, member.user_id) for member in remaining}
        for team, user in set(pairs) - kept:
            if team.exists() and user in team.member_ids:
                team.sudo().with_context(cskh_skip_member_sync=True).member_ids = [Command.unlink(user.id)]

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_toggle_available(self):
        for member in self:
            member.is_available = not member.is_available
        return True

    def action_redistribute_tickets(self):
        """Hand the open tickets of these members over to the other eligible members of
        their team (team leader or helpdesk manager)."""
        self.team_id._check_leader_rights()
        tickets = self.env['cskh.ticket']
        for team, members in self.grouped('team_id').items():
            tickets |= team._get_open_tickets_of(members.user_id)
        return self.team_id._reassign_tickets_notification(
            self.team_id._reassign_tickets(tickets, self.user_id.ids))

    # ------------------------------------------------------------
    # ROUTING
    # ------------------------------------------------------------

    def _accepts(self, info):
        """Whether the member has the skills for a ticket described by ``info`` (see
        ``cskh.ticket._get_routing_infos``): a member without any skill of a kind
        accepts every ticket of that kind."""
        self.ensure_one()
        if not self.has_skills:  # stored: the skills are not even read
            return True
        if self.type_ids and info['type_id'] not in self.type_ids.ids:
            return False
        if self.tag_ids and not set(info['tag_ids']) & set(self.tag_ids.ids):
            return False
        if self.lang_ids and info['lang'] and info['lang'] not in self.lang_ids.mapped('code'):
            return False
        return not self.customer_tier or self.customer_tier == info['customer_tier']
