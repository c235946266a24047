"""The command line: thin commands over the release and grading stages."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

import course_config
from autograder import render
from autograder.course import Course


def _release(args: argparse.Namespace) -> int:
    from autograder.release import ReleaseError, release

    course = Course.at(args.course, args.db)
    try:
        path = release(course, args.assignment)
    except ReleaseError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"released {args.assignment}: {path.relative_to(course.root)}")
    return 0


def _grade(args: argparse.Namespace) -> int:
    from rich import progress as bars

    from autograder import feedback
    from autograder.grading import cluster, pipeline

    course = Course.at(args.course, args.db)
    directory = Path(args.submissions).resolve() if args.submissions else None
    if not (directory or course.submitted).is_dir():
        print(f"no submissions folder at {directory or course.submitted}: put each submission "
              f"there as <student>/{args.assignment}/<notebook>.ipynb (nbgrader's layout) or "
              "<student>.ipynb, or pass the folder that holds them", file=sys.stderr)
        return 1
    todo = pipeline.plan(course, args.assignment, directory, args.regrade)
    if not todo.todo and not todo.skipped:
        from autograder.grading.submissions import layout_hint

        print(layout_hint(directory or course.submitted, args.assignment,
                          course_config.ASSIGNMENTS[args.assignment].notebook), file=sys.stderr)
        return 1
    columns = (bars.TextColumn("{task.description}"), bars.BarColumn(),
               bars.MofNCompleteColumn(), bars.TextColumn("elapsed"), bars.TimeElapsedColumn(),
               bars.TextColumn("left"), bars.TimeRemainingColumn())
    with bars.Progress(*columns, console=render.CONSOLE) as progress:
        task = progress.add_task(f"grading {args.assignment}", total=len(todo.todo))

        def done(report) -> None:
            progress.console.print(f"graded {report.student}: {report.score:g}/"
                                   f"{report.max_score:g} ({report.seconds:.0f} s)",
                                   markup=False, highlight=False)
            progress.advance(task)

        if todo.todo:
            with cluster.connect(args.scheduler, args.workers) as client:
                outcome = pipeline.run(todo, client, done)
        else:
            outcome = pipeline.GradingRun(skipped=[s.student for s in todo.skipped])
    if outcome.reports:
        rows = [(r.student, r.results, r.problem or "; ".join(r.notes)) for r in outcome.reports]
        render.print_table(render.scores_table(f"{args.assignment}: scores", rows))
    for line in render.run_summary(outcome):
        print(line)
    print(f"grades: {course.grades_csv(args.assignment)}")
    if not args.no_feedback and outcome.reports:
        written = feedback.generate(course, args.assignment, [r.student for r in outcome.reports])
        print(f"feedback: {course.root / course_config.FEEDBACK_DIR}/<student>/{args.assignment}/"
              f"{feedback.PAGE}")
        if written.failed:
            print(written.summary())
    return 1 if outcome.failed else 0


def _feedback(args: argparse.Namespace) -> int:
    from autograder import feedback
    from autograder.grading.submissions import STUDENT_ID

    course = Course.at(args.course, args.db)
    students = args.students or feedback.graded_students(course, args.assignment)
    missing = [s for s in students if not STUDENT_ID.match(s)
               or not course.results(args.assignment, s).is_file()]
    if missing or not students:
        print(f"no grade of {args.assignment} for {', '.join(missing) or 'any student'}: run "
              f"`autograder grade {args.assignment}` first", file=sys.stderr)
        return 1
    written = feedback.generate(course, args.assignment, students)
    for page in written.pages:
        print(f"feedback: {page}")
    if written.failed:
        print(written.summary(), file=sys.stderr)
        return 1
    return 0


def _calibrate(args: argparse.Namespace) -> int:
    from rich import progress as bars

    from autograder import assignments
    from autograder.calibrate import CalibrationError, calibrate, table

    course = Course.at(args.course, args.db)
    trains = len(assignments.get(args.assignment).TRAINS)
    with bars.Progress(*bars.Progress.get_default_columns(), bars.TimeElapsedColumn(),
                       console=render.CONSOLE) as progress:
        task = progress.add_task(f"training {args.assignment}'s solution ({trains} "
                                 f"function(s)) with {args.seeds} seeds", total=args.seeds)
        try:
            rows = calibrate(course.source(args.assignment), args.assignment, args.seeds,
                             lambda: progress.advance(task))
        except CalibrationError as error:
            print(f"cannot calibrate {args.assignment}: the solution fails a check that is not "
                  f"a threshold ({error}). Fix the solution first.", file=sys.stderr)
            return 1
    render.print_table(table(args.assignment, rows, args.seeds))
    thin = [row.label for row in rows if not row.enough]
    if thin:
        print(f"{len(thin)} threshold(s) cleared by less than "
              f"{course_config.THRESHOLD_MARGIN_SE:g} standard errors: {'; '.join(thin)}. "
              "Train the solution further or move the threshold in course_config.py; release "
              "refuses until then.", file=sys.stderr)
        return 1
    return 0


def _check(args: argparse.Namespace) -> int:
    from autograder.student_check import check_notebook

    checked = check_notebook(Path(args.notebook), args.assignment, full=args.full)
    render.print_table(render.checks_table(checked))
    return 0 if checked.passed else 1


def _demo(args: argparse.Namespace) -> int:
    course = Course.at(args.course, args.db)
    unknown = set(args.assignments) - set(course_config.ASSIGNMENTS)
    if unknown:
        print(f"unknown assignment(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    failed = 0
    for assignment in args.assignments or sorted(course_config.ASSIGNMENTS):
        samples = course.root / course_config.SAMPLES_DIR / assignment
        if not samples.is_dir():
            print(f"{assignment}: no sample submissions in {samples}; skipped")
            continue
        if _release(argparse.Namespace(course=args.course, db=args.db, assignment=assignment)):
            failed += 1
            continue
        print(f"grading the sample submissions in {samples.relative_to(course.root)}/")
        graded = argparse.Namespace(course=args.course, db=args.db, assignment=assignment,
                                    submissions=str(samples), no_feedback=False, regrade=False,
                                    scheduler=None, workers=None)
        failed += _grade(graded) + _report(graded) + _unexpected(course, assignment, samples)
    return 1 if failed else 0


def _unexpected(course: Course, assignment: str, samples: Path) -> int:
    """1 if a sample's score in the gradebook is not the one ``samples/expected.json`` declares."""
    import json

    from autograder import gradebook

    declared = json.loads((samples / "expected.json").read_text())
    found = gradebook.scores(assignment, course.db_url)
    wrong = [f"{student} got {found.get(student, 'no grade')}, expected {score:g}"
             for student, score in sorted(declared.items()) if found.get(student) != score]
    if wrong:
        print(f"{assignment}: samples graded otherwise than samples/{assignment}/expected.json "
              f"declares: {'; '.join(wrong)}", file=sys.stderr)
    return 1 if wrong else 0


def _report(args: argparse.Namespace) -> int:
    from autograder.class_report import report_command

    return report_command(Course.at(args.course, args.db), args.assignment)


def _export(args: argparse.Namespace) -> int:
    from autograder.exports import export_command

    return export_command(Course.at(args.course, args.db), args.assignment)


def _gradescope(args: argparse.Namespace) -> int:
    from autograder.gradescope import gradescope_command

    return gradescope_command(Path(args.submission), Path(args.results), args.assignment)


def _similar(args: argparse.Namespace) -> int:
    from autograder.similarity import similarity_command  # lazy: copydetect loads matplotlib

    directory = Path(args.submissions).resolve() if args.submissions else None
    return similarity_command(Course.at(args.course, args.db), args.assignment, directory,
                              args.threshold)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="autograder", description=__doc__)
    parser.add_argument("--course", default=str(course_config.COURSE_ROOT),
                        help="course folder (default: this repository)")
    parser.add_argument("--db", default=None, help="gradebook database URL "
                        f"(default: sqlite:///<course>/{course_config.GRADEBOOK_FILE})")
    sub = parser.add_subparsers(dest="command", required=True)
    release = sub.add_parser("release", help="verify the solution and write the student version")
    release.add_argument("assignment", choices=sorted(course_config.ASSIGNMENTS))
    release.set_defaults(run=_release)
    grade = sub.add_parser("grade", help="grade every submission of an assignment")
    grade.add_argument("assignment", choices=sorted(course_config.ASSIGNMENTS))
    grade.add_argument("submissions", nargs="?", help="folder of submissions (default: "
                       f"<course>/{course_config.SUBMITTED_DIR})")
    grade.add_argument("--no-feedback", action="store_true", help="skip the HTML feedback")
    grade.add_argument("--regrade", action="store_true", help="grade every submission again, "
                       "not only those that are new or changed")
    grade.add_argument("--scheduler", metavar="ADDRESS", help="grade on this running Dask "
                       "cluster (e.g. tcp://10.0.0.5:8786) instead of a local one")
    grade.add_argument("--workers", type=int, metavar="N", help="workers of the local cluster "
                       "(default: one per core, fewer if memory is short)")
    grade.set_defaults(run=_grade)
    feedback = sub.add_parser("feedback", help="write each graded student's feedback pages "
                              "again (grade writes them too)")
    feedback.add_argument("assignment", choices=sorted(course_config.ASSIGNMENTS))
    feedback.add_argument("students", nargs="*", help="only these students (default: all "
                          "graded)")
    feedback.set_defaults(run=_feedback)
    calibrate = sub.add_parser("calibrate", help="train the solution with several seeds and "
                               "show by how much it clears each threshold")
    calibrate.add_argument("assignment", choices=sorted(course_config.ASSIGNMENTS))
    calibrate.add_argument("--seeds", type=int, default=course_config.CALIBRATION_SEEDS,
                           metavar="N", help="seeds 0 to N-1 (default: "
                           f"{course_config.CALIBRATION_SEEDS})")
    calibrate.set_defaults(run=_calibrate)
    check = sub.add_parser("check", help="run a notebook's visible checks and show a table")
    check.add_argument("notebook")
    check.add_argument("--assignment", choices=sorted(course_config.ASSIGNMENTS))
    check.add_argument("--full", action="store_true", help="run the whole notebook, training "
                       "included (by default the functions that train are left out)")
    check.set_defaults(run=_check)
    report = sub.add_parser("report", help="write the class report of an assignment (HTML and "
                            "PNG plots in <course>/reports/<assignment>/)")
    report.add_argument("assignment", choices=sorted(course_config.ASSIGNMENTS))
    report.set_defaults(run=_report)
    export = sub.add_parser("export", help="write an assignment's grades for nbgrader, Canvas "
                            "or Moodle, and Gradescope")
    export.add_argument("assignment", choices=sorted(course_config.ASSIGNMENTS))
    export.set_defaults(run=_export)
    gradescope = sub.add_parser("gradescope", help="grade one submission as a Gradescope "
                                "autograder and write its results.json")
    submission, results = (course_config.GRADESCOPE_SUBMISSION_DIR,
                           course_config.GRADESCOPE_RESULTS_FILE)
    gradescope.add_argument("--submission", metavar="DIR", default=str(submission),
                            help=f"folder of the submission (default: {submission})")
    gradescope.add_argument("--results", metavar="FILE", default=str(results),
                            help=f"where results.json goes (default: {results})")
    gradescope.add_argument("--assignment", choices=sorted(course_config.ASSIGNMENTS),
                            help="default: the one whose notebook the submission holds")
    gradescope.set_defaults(run=_gradescope)
    similar = sub.add_parser("similar", help="list pairs of submissions whose graded code is "
                             "similar, and write an HTML report of them")
    similar.add_argument("assignment", choices=sorted(course_config.ASSIGNMENTS))
    similar.add_argument("submissions", nargs="?", help="folder of submissions (default: "
                         f"<course>/{course_config.SUBMITTED_DIR})")
    similar.add_argument("--threshold", type=float, metavar="X", help="share of both "
                         "submissions' code that must be shared, in (0, 1] (default: "
                         f"{course_config.SIMILARITY_THRESHOLD:g})")
    similar.set_defaults(run=_similar)
    demo = sub.add_parser("demo", help="release each assignment and grade its sample "
                          "submissions")
    demo.add_argument("assignments", nargs="*", metavar="assignment",
                      help="assignments to run (default: every one with samples): "
                      + ", ".join(sorted(course_config.ASSIGNMENTS)))
    demo.set_defaults(run=_demo)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    # quiet Dask (it logs its start at INFO) and TensorFlow (C++ banners) here and in workers
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
