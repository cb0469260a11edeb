"""``--engine ray`` on a local Ray cluster gives exactly the local engine's records."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import SEEDS

pytest.importorskip("ray", reason="Ray is the optional extra unspun[ray]")


def test_ray_engine_writes_the_local_records_as_shards(tmp_path: Path) -> None:
    shards = tmp_path / "shards"
    shards.mkdir()
    for i in range(3):
        lines = [
            json.dumps({"id": f"{i}/{p.name}", "text": p.read_bytes().decode()})
            for p in sorted(SEEDS.glob("*.txt"))
        ]
        if i == 1:
            lines.insert(2, "{broken")
        (shards / f"shard-{i}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    exe = str(Path(sys.executable).with_name("unspun"))
    out = tmp_path / "out"
    ray_run = subprocess.run(
        [exe, "score", str(shards), "--engine", "ray", "--jobs", "2", "--output", str(out)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    # Ray records carry no `related` links (they need the whole batch in one process).
    local = subprocess.run(
        [exe, "score", str(shards), "--quiet", "--no-related"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ray_run.returncode == local.returncode == 1, ray_run.stderr[-2000:]
    parts = sorted(out.glob("part-*.jsonl"))
    assert [p.name for p in parts] == ["part-00000.jsonl", "part-00001.jsonl", "part-00002.jsonl"]
    assert "".join(p.read_text(encoding="utf-8") for p in parts) == local.stdout
    assert "shard-1.jsonl:3: malformed JSON" in ray_run.stderr
    assert "Traceback" not in ray_run.stderr


def test_ray_engine_needs_an_output_folder() -> None:
    exe = str(Path(sys.executable).with_name("unspun"))
    result = subprocess.run(
        [exe, "score", str(SEEDS), "--engine", "ray"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2 and "--engine ray needs --output DIR" in result.stderr
