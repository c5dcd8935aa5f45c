# Part of cskh_helpdesk. See LICENSE file for full copyright and licensing details.
from . import models
from . import wizard
from . import controllers
from . import report
