# cskh_helpdesk — run and test targets (Odoo 19, PostgreSQL).
#
#   make run    serve a demo database on http://localhost:$(PORT) (admin / admin)
#   make test   install the add-on on fresh databases and run its tests
#   make lint   OCA's pylint-odoo checks on the add-on (.pylintrc)
#   make screenshots   retake the README screenshots from the running demo (`make run` first)
#
# Any variable below can be overridden: `make run PORT=8070`,
# `make test TAGS=/cskh_helpdesk:TestSlaDeadlines`, `make test MODULE=base TAGS=/base:TestFloatPrecision`.
# PostgreSQL: a throwaway cluster is started by tools/pg.sh unless PGHOST or
# DB_HOST points at a server (see tools/pg.sh).

ROOT           := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))

MODULE         ?= cskh_helpdesk
# bridge add-ons of the repository installed, tested and linted with MODULE (comma-separated)
BRIDGES        ?= $(if $(filter cskh_helpdesk,$(MODULE)),cskh_helpdesk_livechat)
comma          := ,
# odoo command (default: odoo on PATH, else $(PYTHON) -m odoo) and the Python that imports Odoo
ODOO           ?=
PYTHON         ?= python3
ODOO_ARGS      ?=
# extra addons directories (comma-separated), appended to --addons-path after the repo root
EXTRA_ADDONS   ?=

# make run
DB             ?= cskh_demo
PORT           ?= 8069
HTTP_INTERFACE ?= 127.0.0.1

# make test
TEST_DB        ?= cskh_test
TAGS           ?= /$(MODULE)$(foreach bridge,$(subst $(comma), ,$(BRIDGES)),$(comma)/$(bridge))
TEST_DEMO      ?= 1
# install next to OCA's helpdesk_mgmt too (tools/coexist_check.sh); empty: as TEST_DEMO
TEST_COEXIST   ?=
DEMO_TAGS      ?= cskh_demo/$(MODULE)
TEST_PORT      ?= 8169
VERBOSE        ?= 0

export MODULE BRIDGES ODOO PYTHON ODOO_ARGS EXTRA_ADDONS DB PORT HTTP_INTERFACE TEST_DB TAGS TEST_DEMO TEST_COEXIST DEMO_TAGS TEST_PORT VERBOSE

SCREENSHOT_ARGS ?=

.PHONY: help run test lint test-neighbours bench loadtest screenshots pg-start pg-stop pg-status psql reset-demo clean

help:
	@echo "make run     serve database $(DB) with $(MODULE) and demo data on http://localhost:$(PORT) (admin/admin)"
	@echo "make test    run the $(MODULE) tests on fresh databases; last line: 'N passed, M failed'"
	@echo "             (and the bridge add-ons BRIDGES=$(BRIDGES) in the run without demo data)"
	@echo "             variables: MODULE BRIDGES TAGS TEST_DEMO=0|1 TEST_COEXIST=0|1 DEMO_TAGS TEST_DB TEST_PORT VERBOSE=1 ODOO_ARGS EXTRA_ADDONS"
	@echo "make lint    pylint-odoo (OCA's Odoo checks, pinned in tools/lint-requirements.txt) on $(MODULE); must report nothing"
	@echo "make test-neighbours  run Odoo's own mail/resource/crm/rating/portal test classes with and without $(MODULE)"
	@echo "             (databases $(TEST_DB)_nb_with/_without; NB_TAGS, NB_RUNS=with to skip the reference run)"
	@echo "make screenshots  retake cskh_helpdesk/static/description/screenshot_*.png from the demo served by 'make run' (same DB, PORT)"
	@echo "make bench    benchmark cskh.ticket against crm.lead on a fresh database $(BENCH_DB) (BENCH_SIZE records)"
	@echo "make loadtest  Locust clients (mail server, agents, portal, web form) on a prefork server, LOAD_SIZE tickets;"
	@echo "             integrity check at the end. WORKERS DURATION LOAD_SIZE FAULTS=1 (kill a worker, restart"
	@echo "             PostgreSQL, a cron past its limit) SCALING=1 (1, 2, 4 workers and agents alone)"
	@echo "make reset-demo   drop database $(DB) (next 'make run' recreates it)"
	@echo "make pg-start | pg-stop | pg-status | psql   the throwaway PostgreSQL cluster"
	@echo "make clean   drop the test databases and remove .cache/"
	@echo "make i18n    regenerate the .pot from the code and merge it into the .po files (tools/i18n.sh)"

run:
	@"$(ROOT)/tools/run.sh"

test:
	@"$(ROOT)/tools/test.sh"

# OCA's Odoo checks (pylint --load-plugins=pylint_odoo --disable=all --enable=odoolint,
# settings and justified exceptions in .pylintrc)
lint:
	@$(PYTHON) -c 'import pylint_odoo' 2>/dev/null || { echo "error: pylint-odoo is missing:" \
	    "$(PYTHON) -m pip install -r tools/lint-requirements.txt" >&2; exit 2; }
	@cd "$(ROOT)" && $(PYTHON) -m pylint --rcfile=.pylintrc $(MODULE) $(subst $(comma), ,$(BRIDGES)) \
	    && echo "lint: $(MODULE) $(subst $(comma), ,$(BRIDGES)) clean"

# Odoo's own test classes of the apps sharing the mail gateway and the models the add-on
# extends (test_mail, mail rendering, resource calendars, crm, rating,
# portal), run post-install with the add-on and without it (tools/test_neighbours.sh)
NB_TAGS        ?= /cskh_neighbour_tests
NB_RUNS        ?= with without
export NB_TAGS NB_RUNS

test-neighbours:
	@"$(ROOT)/tools/test_neighbours.sh"

screenshots:
	@$(PYTHON) "$(ROOT)/tools/screenshots.py" --url "http://127.0.0.1:$(PORT)" --db "$(DB)" $(SCREENSHOT_ARGS)

# benchmark against crm.lead on a fresh database (see README.md, "Scale")
BENCH_DB       ?= cskh_bench
BENCH_EMAILS   ?= 30
BENCH_SIZE     ?= 100000
export BENCH_DB BENCH_EMAILS BENCH_SIZE

bench:
	@"$(ROOT)/tools/bench.sh"

# load test with real clients on a prefork server (see README.md, "Load test")
WORKERS        ?= 2
DURATION       ?= 120
LOAD_SIZE      ?= 50000
FAULTS         ?= 0
SCALING        ?= 0
export WORKERS DURATION LOAD_SIZE FAULTS SCALING

loadtest:
	@"$(ROOT)/tools/loadtest.sh"

pg-start:
	@"$(ROOT)/tools/pg.sh" start >/dev/null && "$(ROOT)/tools/pg.sh" status

pg-stop:
	@"$(ROOT)/tools/pg.sh" stop

pg-status:
	@"$(ROOT)/tools/pg.sh" status

psql:
	@"$(ROOT)/tools/pg.sh" start >/dev/null && "$(ROOT)/tools/pg.sh" psql

reset-demo:
	@"$(ROOT)/tools/pg.sh" start >/dev/null && "$(ROOT)/tools/pg.sh" drop-db "$(DB)"
	@rm -rf "$(ROOT)/.cache/odoo-data/filestore/$(DB)"

clean:
	@if "$(ROOT)/tools/pg.sh" status >/dev/null 2>&1; then \
	    for db in "$(TEST_DB)" "$(TEST_DB)_demo" "$(TEST_DB)_coexist_a" "$(TEST_DB)_coexist_b" \
	              "$(TEST_DB)_nb_with" "$(TEST_DB)_nb_without"; do \
	        "$(ROOT)/tools/pg.sh" drop-db "$$db"; done; fi
	rm -rf "$(ROOT)/.cache"

# make i18n   regenerate $(MODULE)/i18n/$(MODULE).pot from the code (fresh database I18N_DB,
#             no demo data) and merge it into the .po files, listing what is left to translate.
#             I18N_KEEP_DB=1 reuses the database, FILL=new.json applies {msgid: msgstr}, CHECK=1 fails
#             when something is untranslated.
I18N_DB        ?= cskh_i18n
export I18N_DB

.PHONY: i18n
i18n:
	@"$(ROOT)/tools/i18n.sh"
