# Part of cskh_helpdesk. See LICENSE file for full copyright and licensing details.
from . import models
