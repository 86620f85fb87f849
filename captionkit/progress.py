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


def progress_enabled() -> bool:
    return os.environ.get("CAPTIONKIT_PROGRESS", "auto") != "off"


@contextlib.contextmanager
def progress_bar(total: float, label: str, unit: str = "s") -> Iterator[_Bar]:
    """A bar from 0 to ``total``; shown only on an interactive terminal unless forced."""
    disable = None if os.environ.get("CAPTIONKIT_PROGRESS", "auto") == "auto" else not progress_enabled()
    with _Bar(
        total=total, desc=label, unit=unit, disable=disable, leave=False, dynamic_ncols=True,
        bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.1f}/{total:.1f}{unit} [{elapsed}<{remaining}]",
    ) as bar:
        yield bar
