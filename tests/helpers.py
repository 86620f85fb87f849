"""Small helpers shared by tests: running the CLI as a user would, and word error rate."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

PANGRAM_TEXT = (
    "Welcome to the product tour. Today I will show you three features that save time. "
    "First, captions follow the script exactly. Second, they land on the right frame."
)


def run_cli(*args: str | os.PathLike, input: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m captionkit ARGS`` in a subprocess and capture its output."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "CAPTIONKIT_PROGRESS": "off"}
    return subprocess.run(
        [sys.executable, "-m", "captionkit", *map(str, args)],
        capture_output=True, text=True, input=input, env=env, cwd=cwd, timeout=600,
    )


def run_main(*args: str | os.PathLike, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``captionkit ARGS`` in this process (fast, for checks that stop before the slow work)."""
    import contextlib
    import io

    from captionkit.cli import main

    out, err = io.StringIO(), io.StringIO()
    previous = Path.cwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main([str(arg) for arg in args])
            except SystemExit as exit_:  # argparse's own exits (--help, bad options)
                code = exit_.code if isinstance(exit_.code, int) else 2
    finally:
        os.chdir(previous)
    return subprocess.CompletedProcess(list(map(str, args)), code, out.getvalue(), err.getvalue())


def assert_one_line_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    """A user error: non-zero exit, one ``captionkit: error:`` line, no traceback."""
    assert result.returncode != 0, result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert "Traceback" not in result.stderr, result.stderr
    assert len(lines) == 1 and lines[0].startswith("captionkit: error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def normalise(text: str) -> list[str]:
    """Lower-case words without punctuation, for word error rate."""
    return re.sub(r"[^\w\s']", " ", text.lower().replace("-", " ")).split()


def word_error_rate(reference: str, hypothesis: str) -> float:
    """(substitutions + deletions + insertions) / reference words, by edit distance."""
    ref, hyp = normalise(reference), normalise(hypothesis)
    previous = list(range(len(hyp) + 1))
    for i, ref_word in enumerate(ref, 1):
        current = [i]
        for j, hyp_word in enumerate(hyp, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref_word != hyp_word)))
        previous = current
    return previous[-1] / max(len(ref), 1)
