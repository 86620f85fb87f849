"""What the preflight checks found: problems (each with a concrete fix) and the measurements behind them."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["fail", "warn"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input: ``fail`` stops ``render`` (unless ``--force``), ``warn`` does not."""

    severity: Severity
    subject: str  # "portrait", "audio" or "script"
    message: str
    fix: str

    def to_dict(self) -> dict[str, str]:
        return {"severity": self.severity, "subject": self.subject, "message": self.message, "fix": self.fix}


@dataclass(slots=True)
class SubjectReport:
    """The checks of one input: its path, what was measured, and the problems found."""

    subject: str
    path: str
    summary: str = "not checked"  # the measurements in one line, for the table
    measured: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def fail(self, message: str, fix: str) -> None:
        self.problems.append(Problem("fail", self.subject, message, fix))

    def warn(self, message: str, fix: str) -> None:
        self.problems.append(Problem("warn", self.subject, message, fix))


@dataclass(slots=True)
class CheckReport:
    """Every subject checked, in order; ``ok`` when nothing failed."""

    avatar: str
    subjects: list[SubjectReport] = field(default_factory=list)

    @property
    def problems(self) -> list[Problem]:
        """All problems, failures first (in subject order within each severity)."""
        found = [problem for subject in self.subjects for problem in subject.problems]
        return [p for p in found if p.severity == "fail"] + [p for p in found if p.severity == "warn"]

    @property
    def ok(self) -> bool:
        return not any(problem.severity == "fail" for problem in self.problems)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "avatar": self.avatar,
            "checked": {s.subject: {"path": s.path, "summary": s.summary, **s.measured} for s in self.subjects},
            "problems": [problem.to_dict() for problem in self.problems],
        }

    def table(self, width: int = 100) -> str:
        """A readable report: one summary line per subject, then each problem with its fix."""
        lines = [f"{s.subject:<8}  {s.path}: {s.summary}" for s in self.subjects]
        failures = sum(problem.severity == "fail" for problem in self.problems)
        warnings = len(self.problems) - failures
        lines.append("")
        if not self.problems:
            lines.append(f"ready for {self.avatar}: no problems found")
            return "\n".join(lines)
        lines.append(f"{_count(failures, 'failure')}, {_count(warnings, 'warning')} for {self.avatar}:")
        indent = " " * 20
        for problem in self.problems:
            head = f"  {problem.severity.upper():<5} {problem.subject:<10}  "
            lines += textwrap.wrap(problem.message, width, initial_indent=head, subsequent_indent=indent,
                                   break_long_words=False, break_on_hyphens=False)
            lines += textwrap.wrap(f"fix: {problem.fix}", width, initial_indent=indent, subsequent_indent=indent + "     ",
                                   break_long_words=False, break_on_hyphens=False)
        return "\n".join(lines)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
