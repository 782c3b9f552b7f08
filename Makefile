# The two commands: `make run` (local stack with demo data) and `make test` (everything CI runs).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
PORT ?= 8000
STAGE ?= dev
CHECKOV := $(VENV)/tools/checkov/bin/checkov

.PHONY: install run test lint typecheck pytest test-unit test-integration test-web bench clean \
	template deploy destroy localstack bench-load bench-scale bench-smoke fuzz

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# checkov pins boto3 1.35 (we pin 1.44.5): it gets its own virtualenv inside .venv.
$(CHECKOV):
	$(PYTHON) -m venv $(VENV)/tools/checkov
	$(VENV)/tools/checkov/bin/pip install -q checkov==3.3.30

# The VNeID twin's Node packages (oidc-provider), from its lockfile, when node_modules is missing.
TWIN_MODULES := infra/twins/vneid/node_modules/oidc-provider/package.json
$(TWIN_MODULES): infra/twins/vneid/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  (cd infra/twins/vneid && npm ci --no-audit --no-fund --loglevel=error) && touch $@; \
	else echo "npm not found: the VNeID twin is off (make run), its tests are skipped"; fi

install: $(STAMP) $(CHECKOV) $(TWIN_MODULES)

run: install ## start the local stack and print the URL and demo accounts
	$(PY) -m infra.local --port $(PORT)

test: install lint typecheck pytest bench-smoke ## everything CI runs

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-logo
	$(PY) tools/check_imports.py . chalicelib app infra

typecheck: install
	$(VENV)/bin/mypy

# Browser tests run in their own process: their stack talks to a moto server over HTTP, which an
# in-process moto mock (used by the other tests) would intercept if they shared an interpreter.
pytest: install
	$(VENV)/bin/pytest -q -n 2 --dist loadfile -m "not web and not live"
	$(VENV)/bin/pytest -q -m "web or live" tests/web tests/stress tests/fuzz

test-unit: install
	$(VENV)/bin/pytest -m "not integration and not web" tests/unit

test-integration: install
	$(VENV)/bin/pytest tests/integration

test-web: install
	$(VENV)/bin/pytest -m "web or live" tests/web tests/stress tests/fuzz

# Every bench once at a tiny size: each must exit 0, its figures are printed, never judged.
bench-smoke: install
	PY=$(PY) bench/smoke.sh

bench: install ## speed and cost measurements (never part of the tests)
	$(PY) bench/coldstart.py
	$(PY) bench/coldstart.py --requests
	$(PY) bench/cost.py
	$(PY) bench/requests.py
	$(PY) bench/pdf.py
	$(PY) -m bench.pades

bench-load: install ## 1,000 concurrent submissions and 500 racing staff actions on the local stack
	$(PY) bench/load.py --submissions 1000 --races 500 --workers 32 --time-limit 5400

fuzz: install ## schemathesis with N random examples per operation and caller (make test runs 3)
	bench/fuzz.sh $(or $(N),40)

bench-scale: install ## items read at 10,000 and 100,000 stored dossiers (ratio must stay <= 1.1)
	$(PY) -m bench.scale --sizes 10000 100000

template: install ## render STAGE's CloudFormation template to dist/
	mkdir -p dist && $(PY) -m infra.template --stage $(STAGE) > dist/template-$(STAGE).json

# LocalStack (needs Docker: `docker run --rm -p 4566:4566 localstack/localstack`). The same
# provisioning and stack as `make run`, through localstack-client's endpoints (LOCALSTACK_HOST).
localstack: install ## provision and run the stack against LocalStack at LOCALSTACK_HOST
	LOCALSTACK=1 LOCALSTACK_HOST=$${LOCALSTACK_HOST:-localhost:4566} $(PY) -m infra.local --port $(PORT)

deploy: install ## package and deploy STAGE (dev|staging|prod) with the current AWS credentials
	$(PY) -m infra.deploy deploy --stage $(STAGE) $(if $(ALERT_EMAIL),--alert-email $(ALERT_EMAIL))

destroy: install ## delete STAGE's stack (prod is refused; staging needs YES=1)
	$(PY) -m infra.deploy destroy --stage $(STAGE) $(if $(YES),--yes)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
