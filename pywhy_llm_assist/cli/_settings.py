"""The command line's settings: options with environment defaults, and the assistant they build."""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import (
    CACHE_MODES,
    Assistant,
    Budget,
    ChatBackend,
)
from ..assistant import MODEL_VARIABLE
from ..core._errors import InputError
from ..llm import (
    CACHE_DIR_VARIABLE,
    CACHE_MODE_VARIABLE,
    check_base_url,
    default_cache_folder,
    is_loopback_url,
    resolve_cache_mode,
)

PROGRAM = "pywhy-llm-assist"
LOCAL_VARIABLE = "PYWHY_LLM_ASSIST_LOCAL"
BASE_URL_VARIABLE = "OPENAI_BASE_URL"
API_KEY_VARIABLE = "OPENAI_API_KEY"
STRATEGIES = ("auto", "per_node", "whole", "pairwise", "data_first")
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"", "0", "false", "no", "off"})
LOCAL_TIMEOUT = 600.0
RATIONALE_WIDTH = 72


# --------------------------------------------------------------------------- settings
@dataclass(frozen=True)
class Setting:
    """An option that an environment variable can set when it is not on the command line."""

    variable: str
    parse: Callable[[str], Any]
    default: Any


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError("must be 1 or more")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value) or value <= 0:
        raise ValueError("must be a finite number above 0")
    return value


def _flag(text: str) -> bool:
    word = text.strip().casefold()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError("use 1/0, true/false, yes/no or on/off")


def _strategy(text: str) -> str:
    name = text.strip().replace("-", "_")
    if name not in STRATEGIES:
        raise ValueError(f"choose one of {', '.join(STRATEGIES)}")
    return name


def _cache_mode(text: str) -> str:
    if text not in CACHE_MODES:
        raise ValueError(f"choose one of {', '.join(CACHE_MODES)}")
    return text


#: option (argparse destination) -> environment variable, parser and default.
SETTINGS: dict[str, Setting] = {
    "model": Setting(MODEL_VARIABLE, str, None),
    "base_url": Setting(BASE_URL_VARIABLE, str, None),
    "local": Setting(LOCAL_VARIABLE, _flag, False),
    "cache": Setting(CACHE_DIR_VARIABLE, str, None),
    "cache_mode": Setting(CACHE_MODE_VARIABLE, _cache_mode, "read_write"),
    "concurrency": Setting("PYWHY_LLM_ASSIST_CONCURRENCY", _positive_int, None),
    "seed": Setting("PYWHY_LLM_ASSIST_SEED", int, None),
    "timeout": Setting("PYWHY_LLM_ASSIST_TIMEOUT", _positive_float, None),
    "strategy": Setting("PYWHY_LLM_ASSIST_STRATEGY", _strategy, "auto"),
    "samples": Setting("PYWHY_LLM_ASSIST_SAMPLES", _positive_int, 1),
    "max_tokens": Setting("PYWHY_LLM_ASSIST_MAX_TOKENS", _positive_int, None),
    "cache_key_server": Setting("PYWHY_LLM_ASSIST_CACHE_KEY_SERVER", _flag, False),
}


def setting(args: argparse.Namespace, name: str) -> Any:
    """The option `name`: from the command line, else its environment variable, else default."""
    given = getattr(args, name, None)
    if given is not None and given is not False:
        return given
    rule = SETTINGS[name]
    text = os.environ.get(rule.variable)
    if text is None or not text.strip():
        return rule.default
    try:
        return rule.parse(text.strip())
    except ValueError as error:
        raise InputError(f"${rule.variable}={text!r} is not valid: {error}") from None


@dataclass(frozen=True)
class ModelSettings:
    """Everything needed to build the `Assistant` a command uses."""

    model: str | None
    base_url: str | None
    api_key: str | None
    local: bool
    cache: Path
    cache_mode: str
    concurrency: int | None
    seed: int | None
    timeout: float | None
    max_tokens: int | None = None
    cache_key_server: bool = False


def cache_folder(args: argparse.Namespace) -> Path:
    """The cache folder: ``--cache``, else ``$PYWHY_LLM_ASSIST_CACHE_DIR``, else the default."""
    chosen = setting(args, "cache")
    return Path(chosen).expanduser() if chosen else default_cache_folder()


def model_settings(args: argparse.Namespace, *, prefer_local: bool = False) -> ModelSettings:
    """Resolve the model options of a command (and their environment variables).

    Raises:
        InputError: no model chosen, ``--local`` with a model name, a missing API key, or an
            environment variable with an invalid value.
    """
    explicit_model = getattr(args, "model", None)
    explicit_server = explicit_model or getattr(args, "base_url", None)
    local = bool(setting(args, "local")) or (prefer_local and not explicit_server)
    model = explicit_model if local else setting(args, "model")
    if local and model and not str(model).endswith(".gguf"):
        raise InputError(
            f"--local runs the embedded model: drop --model {model!r}, or give a .gguf file"
        )
    if not local and not model:
        raise InputError(
            "no model chosen: pass --model NAME (with --base-url URL for a local server such "
            f"as Ollama), set ${MODEL_VARIABLE}, or try --local for the embedded model "
            "(no API key)"
        )
    base_url = None if local else setting(args, "base_url")
    if base_url is not None:
        check_base_url(base_url)  # a typo is the first thing to say, before any missing key
    mode = resolve_cache_mode(setting(args, "cache_mode"))
    key_variable = getattr(args, "api_key_env", None)
    api_key: str | None = None
    if key_variable:
        api_key = os.environ.get(key_variable)
        if not api_key:
            raise InputError(f"--api-key-env {key_variable}: ${key_variable} is not set")
    elif (
        not local
        and mode != "replay"  # a replay needs no key: the client is built on the first request
        and not os.environ.get(API_KEY_VARIABLE)
        and not is_loopback_url(base_url)
    ):
        raise InputError(
            f"no API key: set ${API_KEY_VARIABLE} (or name another variable with "
            "--api-key-env NAME), point --base-url at a local server, or use --local"
        )
    max_tokens = setting(args, "max_tokens")
    if max_tokens is not None and max_tokens < 1:
        raise InputError(f"--max-tokens must be 1 or more, not {max_tokens}")
    concurrency = setting(args, "concurrency")
    if concurrency is not None and concurrency < 1:
        raise InputError(f"--concurrency must be 1 or more, not {concurrency}")
    timeout = setting(args, "timeout")
    if timeout is not None and not (math.isfinite(timeout) and timeout > 0):
        raise InputError(f"--timeout must be a finite number of seconds above 0, not {timeout:g}")
    return ModelSettings(
        model=model,
        base_url=base_url,
        api_key=api_key,
        local=local,
        cache=cache_folder(args),
        cache_mode=mode,
        concurrency=concurrency,
        seed=setting(args, "seed"),
        timeout=timeout,
        max_tokens=max_tokens,
        cache_key_server=bool(setting(args, "cache_key_server")),
    )


def make_assistant(settings: ModelSettings, client: ChatBackend | None = None) -> Assistant:
    """Build the assistant for a command. Tests replace this function to inject a backend."""
    options: dict[str, Any] = {
        "cache": settings.cache,
        "cache_mode": settings.cache_mode,
        "seed": settings.seed,
        "timeout": settings.timeout or (LOCAL_TIMEOUT if settings.local else 120.0),
        "cache_key_includes_server": settings.cache_key_server,
    }
    if settings.concurrency is not None:
        options["concurrency"] = settings.concurrency
    if settings.max_tokens is not None:
        options["budget"] = Budget(max_tokens=settings.max_tokens)
    if client is not None:
        return Assistant(settings.model or "scripted", client=client, **options)
    if settings.local:
        return Assistant.local(settings.model, **options)
    return Assistant(
        settings.model, base_url=settings.base_url, api_key=settings.api_key, **options
    )
