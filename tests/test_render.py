"""What people read: the summary at the end of ``autograder grade``."""

from autograder import render
from autograder.checks.results import CheckResult, FunctionResult
from autograder.grading.pipeline import GradingRun
from autograder.grading.record import SubmissionReport


def _report(student: str, seconds: float) -> SubmissionReport:
    return SubmissionReport(student, [FunctionResult("get_model", 2)], seconds=seconds)


def test_the_summary_counts_lists_failures_and_gives_median_and_slowest():
    outcome = GradingRun(
        reports=[_report("ada", 61.2), _report("alan", 58.0), _report("grace", 125.4)],
        skipped=["edsger", "barbara"],
        failed={"linus": "its grading worker died each time it ran (KilledWorker: ...)"},
        seconds=190.6)
    assert render.run_summary(outcome) == [
        "graded 3 submission(s) in 3 min 11 s",
        "2 already graded and unchanged, not graded again (--regrade grades them again)",
        "failed to grade 1:",
        "  linus: its grading worker died each time it ran (KilledWorker: ...)",
        "time per submission: median 1 min 1 s, slowest 2 min 5 s (grace)"]


def test_a_run_with_nothing_to_grade_says_so_without_times():
    assert render.run_summary(GradingRun(skipped=["ada"])) == [
        "graded 0 submission(s) in 0 s",
        "1 already graded and unchanged, not graded again (--regrade grades them again)"]


def test_what_students_wrote_prints_as_written_in_the_scores_table():
    from rich.console import Console

    failed = FunctionResult("get_model", 2, [
        CheckResult("get_model", "model", False, "get_model: [/x] [bold]")])
    console = Console(width=200, record=True)
    console.print(render.scores_table("cnn_mnist", [("[/x]", [failed], "[red]note[/red]")]))
    shown = console.export_text()
    assert "[/x]" in shown and "get_model: [/x] [bold]" in shown and "[red]note[/red]" in shown
