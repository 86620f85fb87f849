"""Progress bars for long work (tqdm on standard error, silent when it is not a terminal)."""

from __future__ import annotations

import contextlib
import os
from typing import Iterator

from tqdm import tqdm


class _Bar(tqdm):
    def update_to(self, position: float) -> None:
        """Move the bar to an absolute ``position`` (it never moves backwards)."""
        if position > self.n:
            self.update(position - self.n)


def _disabled(label: str | None) -> bool | None:
    """tqdm's ``disable``: True without a label or with CAPTIONKIT_PROGRESS=off, None (only on a
    terminal) for the default ``auto``, False (always shown) for any other setting."""
    if not label:
        return True
    return {"auto": None, "off": True}.get(os.environ.get("CAPTIONKIT_PROGRESS", "auto"), False)


@contextlib.contextmanager
def progress_bar(total: float, label: str | None, unit: str = "s") -> Iterator[_Bar]:
    """A bar from 0 to ``total``; shown only on an interactive terminal unless forced, never without a label."""
    with _Bar(
        total=total, desc=label, unit=unit, disable=_disabled(label), leave=False, dynamic_ncols=True,
        bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.1f}/{total:.1f}{unit} [{elapsed}<{remaining}]",
    ) as bar:
        yield bar
