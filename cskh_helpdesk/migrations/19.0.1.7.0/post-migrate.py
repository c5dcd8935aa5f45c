from odoo import SUPERUSER_ID, api

# Since 19.0.1.7.0 each member of a team has a cskh.team.member row (availability,
# capacity, skills) that the automatic assignment reads: give one to every member of
# the existing teams, available, without limit nor skills, as they were dispatched so far.


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    teams = env['cskh.team'].with_context(active_test=False).search([])
    teams._sync_team_members()
