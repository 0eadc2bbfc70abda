#!/usr/bin/env bash
# Quick start, part 1: install pywhy-llm-assist with the embedded local model into .venv and
# run the whole workflow (suggest a graph, critique it, write the review page). No API key.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/_venv.sh"
install_project local
cd "$root"
pywhy-llm-assist demo "$@"
