# The README's commands. `make run` and `make test` set everything up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt constraints.txt | cksum | cut -d' ' -f1)

# The translations, compiled from the catalogs we write (locale/<code>/LC_MESSAGES/*.po).
PO := $(wildcard locale/*/LC_MESSAGES/*.po)
MO := $(PO:.po=.mo)
# What `make messages` passes to makemessages: the same for every run, so a catalog it did not
# change is byte for byte the same (tests/test_translations.py checks that nothing is stale).
MESSAGES_OPTIONS := --all --add-location=file --no-obsolete \
	--ignore=.venv --ignore=tests --ignore=bench --ignore=staticfiles --ignore=test-artifacts

.PHONY: setup run test lint format messages gettext bench bench-scale bench-deps clean constraints

setup: $(STAMP) $(MO)

%.mo: %.po
	@command -v msgfmt >/dev/null || $(MAKE) --no-print-directory gettext
	msgfmt --check --output-file=$@ $<

# Extracts every marked string into the catalogs; then translate what is new in the .po files.
messages: setup
	DEBUG=1 $(BIN)/python manage.py makemessages $(MESSAGES_OPTIONS)
	DEBUG=1 $(BIN)/python manage.py makemessages -d djangojs $(MESSAGES_OPTIONS) --ignore=static/bootstrap
	$(MAKE) --no-print-directory setup

# GNU gettext (msgfmt, xgettext): installed from Debian when missing and run as root.
gettext:
	@command -v msgfmt >/dev/null && exit 0; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1 apt-get install -y -qq gettext; \
	else \
		echo "the translations need GNU gettext: run 'make gettext' as root on Debian, or install it" >&2; \
		exit 1; \
	fi

$(STAMP): requirements.txt constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -c constraints.txt
	rm -f $(VENV)/.installed-*
	touch $@

run: setup
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py load_demo
	DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:8000

test: setup
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: setup bench-deps
	$(BIN)/python bench/run.py
	$(BIN)/python bench/newsletter.py
	$(BIN)/python bench/enumeration.py
	$(BIN)/python bench/pictures.py
	$(BIN)/python -m bench.load

# The same load on the large set too (a copy of the database kindred_large, made by
# `manage.py make_large_community`), and its CPU per request against the demo set's.
.PHONY: bench-load-large
bench-load-large: setup
	$(BIN)/python -m bench.load --data demo large --skip-ratios

# Each page on a demo-sized and a large community (PostgreSQL at 127.0.0.1:5432, user postgres):
# the demo set is made afresh; the large one is kindred_large, made first when missing (about
# 70 s, 1.2 GB). Not in `make bench`, which makes all its own data in a minute or two.
bench-scale: setup
	$(BIN)/python bench/scale.py

# What bench/load runs besides Python: installed from Debian when missing and run as root.
bench-deps:
	@PATH="$$PATH:/usr/sbin:/sbin"; missing=""; for tool in nginx wrk openssl; do \
		command -v $$tool >/dev/null || missing="$$missing $$tool"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1 apt-get install -y -qq$$missing; \
		else \
			echo "make bench needs$$missing: run 'make bench-deps' as root on Debian, or install them" >&2; \
			exit 1; \
		fi; \
	fi

constraints: setup
	{ head -n 2 constraints.txt; $(BIN)/pip freeze --exclude-editable; } > constraints.new
	mv constraints.new constraints.txt

clean:
	rm -rf $(VENV) staticfiles test-artifacts $(MO)
