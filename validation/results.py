"""What a validation case returns: each published number compared with simcoh's, and the case's status."""

from __future__ import annotations

from dataclasses import dataclass, field

#: Case status values.
PASS, FAIL, NOT_RUN, INFO = "pass", "fail", "not run", "info"


@dataclass
class Comparison:
    """One published number against simcoh.

    ``published_unc`` is the published (or stated) 1σ uncertainty used for ``n_sigma``; ``stat`` is simcoh's
    statistical uncertainty from the sample size (0 for numbers computed without sampling). ``passed`` is
    None for informational rows (no criterion)."""

    quantity: str
    unit: str
    published: float | None
    published_unc: float | None
    source: str
    simcoh: float | None
    stat: float | None
    criterion: str
    passed: bool | None
    note: str = ""

    @property
    def difference(self) -> float | None:
        if self.published is None or self.simcoh is None:
            return None
        return self.simcoh - self.published

    @property
    def n_sigma(self) -> float | None:
        d = self.difference
        if d is None or not self.published_unc:
            return None
        return d / self.published_unc


@dataclass
class CaseResult:
    """The outcome of one validation case.

    status: "pass" (every criterion met), "fail" (at least one not met), "not run" (a missing piece,
    named in ``reason``) or "info" (no pass criterion). ``not_run`` lists parts of a case that could not
    run, with the missing piece."""

    key: str
    title: str
    status: str
    comparisons: list[Comparison] = field(default_factory=list)
    tables: list[tuple[str, list[str], list[list[str]]]] = field(default_factory=list)  # (caption, header, rows)
    plots: list[tuple[str, str]] = field(default_factory=list)  # (path relative to the report, caption)
    notes: list[str] = field(default_factory=list)
    not_run: list[str] = field(default_factory=list)
    reason: str = ""
    runtime_s: float = 0.0
    data: dict = field(default_factory=dict)  # numbers for tests (not written to the report)

    def finish(self) -> "CaseResult":
        """Set the status from the comparisons (unless the case was not run)."""
        if self.status == NOT_RUN:
            return self
        judged = [c.passed for c in self.comparisons if c.passed is not None]
        if not judged:
            self.status = INFO
        else:
            self.status = PASS if all(judged) else FAIL
        return self
