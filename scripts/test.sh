#!/usr/bin/env bash
# Quick start, part 2: install the project with every test extra into .venv and run the suite:
# unit tests (offline), end-to-end tests on the embedded llama.cpp model, DoWhy and
# causal-learn integration tests, and the review page in a real headless Chromium.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/_venv.sh"
install_project "test,local,dowhy,causallearn" editable
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "warning: could not install Debian's chromium; browser tests will fail" >&2
  else
    echo "note: /usr/bin/chromium is missing; install Debian's chromium (apt-get install chromium)" >&2
  fi
fi
cd "$root"
# Lint, format and strict types first: a failure here fails the run, as in CI.
python -m ruff check --quiet .
python -m ruff format --check --quiet .
python -m mypy --no-error-summary
# Every optional part must run here: a test skipped for a missing dependency is a failure.
export PYWHY_LLM_ASSIST_REQUIRE_ALL=1
python -m pytest "$@"
