from freezegun import freeze_time

from odoo.fields import Command
from odoo.tests import tagged, users

from .common import CskhCommon


CREATED = '2026-11-20 03:00:00'  # Friday 10:00 in Asia/Ho_Chi_Minh
MOVED = '2026-11-20 04:00:00'


@tagged('post_install', '-at_install', 'cskh', 'cskh_perf')
class TestLoadPerformance(CskhCommon):
    """The screens and batch operations agents use all day cost a number of queries
    that does not depend on the number of tickets: each test measures the same
    operation on 10 and on 100 tickets and pins the count. Screens read a page of 80
    records: they are measured on 100 and 250 tickets, as a full page also counts
    the records (one query more than a partial page)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tag = cls.env['cskh.tag'].create({'name': 'Gấp'})
        cls.customers = cls.env['res.partner'].create([
            {'name': f'Khách {i}', 'email': f'load{i}@example.vn'} for i in range(5)])

    def _make_team(self, name):
        return self.env['cskh.team'].sudo().create({
            'name': name,
            'member_ids': [Command.set((self.user_agent | self.user_agent_2).ids)],
            'stage_ids': [Command.set(self.stages.ids)],
        })

    def _make_tickets(self, team, count):
        users_ = self.user_agent | self.user_agent_2
        with freeze_time(CREATED):
            tickets = self._create_tickets(team, count, users_)
        self.env.flush_all()
        return tickets

    def _create_tickets(self, team, count, users_):
        return self.env['cskh.ticket'].sudo().create([{
            'name': f'Yêu cầu {i}',
            'team_id': team.id,
            'partner_id': self.customers[i % len(self.customers)].id,
            'user_id': users_[i % 2].id,
            'priority': str(i % 4),
            'stage_id': (self.stage_new, self.stage_progress, self.stage_waiting)[i % 3].id,
            'tag_ids': [Command.link(self.tag.id)] if i % 2 else [],
        } for i in range(count)])

    def _count(self, func, *args):
        """Queries of ``func(*args)`` run with an empty record cache, flush included."""
        self.env.flush_all()
        self.env.invalidate_all()
        start = self.env.cr.sql_log_count
        result = func(*args)
        self.env.flush_all()
        return self.env.cr.sql_log_count - start, result

    def _assert_constant(self, func, expected, sizes=(10, 100), tolerance=0):
        """Run ``func(team, tickets)`` once to warm the caches, then twice on teams of 10
        and twice on teams of 100 tickets: the lower count of each size must be equal (up
        to ``tolerance`` more queries for the larger team), and the smaller one equal to
        ``expected``. (The lower of two: a cache filled once in the transaction must not
        make a run look dearer; a query per ticket shows in both.)"""
        func(*self._setup_size(3))
        counts = {
            size: min(self._count(func, *self._setup_size(size))[0] for _run in range(2))
            for size in sizes
        }
        small, large = counts[sizes[0]], counts[sizes[-1]]
        self.assertTrue(small <= large <= small + tolerance,
                        f"query count depends on the number of tickets: {counts}")
        self.assertEqual(small, expected, f"query count changed: {counts}")

    def _setup_size(self, size):
        team = self._make_team(f'Đội {size}')
        tickets = self._make_tickets(team, size)
        self.env.invalidate_all()
        return team, tickets.with_env(self.env)

    @staticmethod
    def _specification(model, view_type):
        """Fields of the view as the web client asks for them (relations by display name)."""
        view = model.get_views([(False, view_type)])
        spec = {}
        for name in view['models'][model._name]['fields']:
            field = model._fields[name]
            if field.type == 'one2many':
                continue
            spec[name] = {'fields': {'display_name': {}}} if field.relational else {}
        return spec

    @users('cskh_agent')
    def test_ticket_kanban_load(self):
        Ticket = self.env['cskh.ticket']
        spec = self._specification(Ticket, 'kanban')

        def load(team, tickets):
            domain = [('team_id', '=', team.id)]
            groups = Ticket.with_context(default_team_id=team.id).web_read_group(
                domain, ['stage_id'], ['__count'])
            records = Ticket.web_search_read(domain, spec, limit=80)
            self.assertEqual(records['length'], len(tickets))
            self.assertEqual(sum(group['__count'] for group in groups['groups']), len(tickets))
        self._assert_constant(load, 11, sizes=(100, 250))

    @users('cskh_agent')
    def test_ticket_list_load(self):
        Ticket = self.env['cskh.ticket']
        spec = self._specification(Ticket, 'list')

        def load(team, tickets):
            records = Ticket.web_search_read([('team_id', '=', team.id)], spec, limit=80)
            self.assertEqual(len(records['records']), min(len(tickets), 80))
        self._assert_constant(load, 10, sizes=(100, 250))

    @users('cskh_agent')
    def test_ticket_stage_write_many(self):
        """Moving many tickets at once (list multi-edit, kanban drag of a selection), a
        third of them leaving a waiting stage. Odoo's tracking messages (one per ticket,
        as for any tracked model) are posted at commit and not counted here."""
        def move(team, tickets):
            # an hour later: the waiting tickets resume and count their paused working time
            with freeze_time(MOVED):
                tickets.write({'stage_id': self.stage_progress.id})
            self.assertEqual(set(tickets.mapped('stage_id')), {self.stage_progress})
        # The ORM flush groups the UPDATE of the moved tickets by the set of columns each
        # one changes (those resuming from the waiting stage change more), and splits it by
        # chunks of 100 rows: a larger batch may cost one UPDATE more. A query per ticket
        # would add dozens.
        self._assert_constant(move, 10, sizes=(10, 100), tolerance=1)

    @users('cskh_manager')
    def test_team_dashboard_load(self):
        Team = self.env['cskh.team']
        spec = self._specification(Team, 'kanban')

        def load(team, tickets):
            records = Team.web_search_read([], spec)
            dashboard = next(r for r in records['records'] if r['id'] == team.id)
            self.assertEqual(dashboard['open_ticket_count'], len(tickets))
        self._assert_constant(load, 16)
