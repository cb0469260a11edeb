"""Model files on disk: where the shipped model is, its card, and hashes.

Kept apart from :mod:`pipeline.model` (which needs scikit-learn) so that scoring can find and
verify the compiled runtime model without importing scikit-learn or scipy.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import sys
from pathlib import Path
from typing import Any

CARD_SUFFIX = ".card.json"
RUNTIME_SUFFIX = ".runtime.pkl.gz"


class ModelError(RuntimeError):
    """The model file cannot be used; the message says which file and why."""


def _default_model() -> Path:
    """``$UNSPUN_MODEL``; else ``models/`` of a source checkout; else the copy a wheel
    installs under ``<prefix>/share/unspun/models`` (pre-commit and pip installs)."""
    if os.environ.get("UNSPUN_MODEL"):
        return Path(os.environ["UNSPUN_MODEL"])
    checkout = Path(__file__).resolve().parent.parent / "models" / "unspun.joblib"
    if checkout.is_file():
        return checkout
    return Path(sys.prefix) / "share" / "unspun" / "models" / "unspun.joblib"


DEFAULT_MODEL = _default_model()


def _stem(model_path: Path) -> str:
    return model_path.name.removesuffix(".joblib")


def card_path(model_path: Path) -> Path:
    return model_path.with_name(_stem(model_path) + CARD_SUFFIX)


def runtime_path(model_path: Path) -> Path:
    """Where the compiled runtime twin of a (scikit-learn) model file is written."""
    return model_path.with_name(_stem(model_path) + RUNTIME_SUFFIX)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_card(path: Path) -> dict[str, Any]:
    """The card beside model file ``path``."""
    card_file = card_path(path)
    try:
        card: dict[str, Any] = json.loads(card_file.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ModelError(f"{path}: no model card {card_file.name} beside it") from exc
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelError(f"{card_file}: unreadable model card: {exc}") from exc
    return card


def write_card(path: Path, card: dict[str, Any]) -> None:
    card_path(path).write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")


def check_sha256(path: Path, expected: object, data: bytes | None = None) -> None:
    """Refuse a file whose sha256 is not the one its card records (``data``: its bytes,
    when already read)."""
    actual = sha256_file(path) if data is None else hashlib.sha256(data).hexdigest()
    if expected != actual:
        raise ModelError(
            f"{path}: sha256 {actual[:12]}… does not match its card "
            f"({str(expected)[:12]}…); the file is corrupt or was replaced"
        )


def library_versions(names: tuple[str, ...]) -> dict[str, str]:
    from importlib import metadata  # only when saving: its import costs scoring start-up

    versions = {"python": platform.python_version()}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions
