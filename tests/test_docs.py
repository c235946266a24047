"""The README and docs/: relative links resolve, every page is linked, commands exist (fast)."""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
DOCS = REPO / "docs"
PAGES = [README, *sorted(DOCS.glob("*.md"))]
README_MAX_LINES = 150

FENCE = re.compile(r"^\s*(```|~~~)")
INLINE_CODE = re.compile(r"(`+)(.+?)\1")
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)  # http:, https:, mailto:, ...


def split_blocks(text: str) -> tuple[list[str], list[str]]:
    """The lines outside fenced code blocks, and the lines inside them."""
    prose, code, fenced = [], [], False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
        elif fenced:
            code.append(line)
        else:
            prose.append(line)
    return prose, code


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lowercase, punctuation but '-' and '_' dropped, spaces
    to '-'."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link's text only
    text = re.sub(r"[^\w\- ]", "", text.lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """The anchors of a page's headings, with GitHub's -1, -2, ... for repeated ones."""
    found, seen = set(), {}
    for line in split_blocks(path.read_text(encoding="utf-8"))[0]:
        match = HEADING.match(line)
        if match:
            base = slug(match.group(2))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
    return found


def relative_links(path: Path) -> list[str]:
    """The relative link targets of a page, outside code blocks and inline code."""
    targets = []
    for line in split_blocks(path.read_text(encoding="utf-8"))[0]:
        for target in LINK.findall(INLINE_CODE.sub("", line)):
            if not EXTERNAL.match(target):
                targets.append(target)
    return targets


def code_texts(path: Path) -> list[str]:
    """Every code line (shell comments dropped) and every inline code span of a page."""
    prose, code = split_blocks(path.read_text(encoding="utf-8"))
    lines = [re.sub(r"(^|\s)#.*$", "", line) for line in code]
    spans = [span for line in prose for _, span in INLINE_CODE.findall(line)]
    return lines + spans


def cli_parser() -> argparse.ArgumentParser:
    """The parser that ``autograder.cli.main`` builds, caught as it starts to parse."""
    from autograder import cli

    class Built(Exception):
        def __init__(self, parser: argparse.ArgumentParser) -> None:
            self.parser = parser

    def catch(self: argparse.ArgumentParser, *args, **kwargs):
        raise Built(self)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(argparse.ArgumentParser, "parse_args", catch)
        try:
            cli.main([])
        except Built as built:
            return built.parser
    raise AssertionError("autograder.cli.main() never parsed its arguments")


def subcommands(parser: argparse.ArgumentParser) -> set[str]:
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    assert actions, "the autograder parser has no subcommands"
    return {name for action in actions for name in action.choices}


def commands_written(path: Path, parser: argparse.ArgumentParser) -> list[str]:
    """The word after each ``autograder`` command (its global options skipped) in code."""
    takes_value = {option for action in parser._actions if action.option_strings
                   and action.nargs != 0 for option in action.option_strings}
    found = []
    for text in code_texts(path):
        try:
            words = shlex.split(text, comments=False)
        except ValueError:
            words = text.split()
        for i, word in enumerate(words):
            if word.rsplit("/", 1)[-1] != "autograder":
                continue
            rest = words[i + 1:]
            while rest and rest[0].startswith("-"):
                option = rest.pop(0)
                if option in takes_value and rest:
                    rest.pop(0)
            if rest:
                found.append(rest[0])
    return found


def test_there_are_docs_pages():
    assert README.is_file()
    assert len(PAGES) > 1, "docs/ holds no Markdown page"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_relative_links_point_to_existing_files_and_headings(page):
    broken = []
    for target in relative_links(page):
        file, _, anchor = target.partition("#")
        linked = (page.parent / file).resolve() if file else page
        if not linked.exists():
            broken.append(f"{target}: no file {linked.relative_to(REPO)}")
        elif anchor and (linked.suffix != ".md" or anchor not in anchors(linked)):
            broken.append(f"{target}: no heading with anchor #{anchor} in "
                          f"{linked.relative_to(REPO)}")
    assert broken == [], f"{page.relative_to(REPO)}: {broken}"


def test_readme_links_every_docs_page():
    linked = {(README.parent / target.partition("#")[0]).resolve()
              for target in relative_links(README) if target.partition("#")[0]}
    missing = [str(path.relative_to(REPO)) for path in sorted(DOCS.iterdir())
               if path.is_file() and path.resolve() not in linked]
    assert missing == [], f"README.md does not link {missing}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_autograder_commands_written_in_code_exist(page):
    parser = cli_parser()
    known = subcommands(parser)
    unknown = sorted(set(commands_written(page, parser)) - known)
    assert unknown == [], (f"{page.relative_to(REPO)} names `autograder` subcommands the CLI "
                           f"does not have: {unknown} (it has {sorted(known)})")


def test_the_commands_are_found_in_the_readme():
    # guards the scan itself: the README's tour names these
    found = set(commands_written(README, cli_parser()))
    assert {"release", "grade", "feedback", "export", "check"} <= found


def test_readme_is_short_and_starts_with_the_two_commands():
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= README_MAX_LINES
    lines = text.splitlines()
    opening = next(i for i, line in enumerate(lines) if FENCE.match(line))
    closing = next(i for i in range(opening + 1, len(lines)) if FENCE.match(lines[i]))
    assert all(line.startswith("# ") or not line.strip() for line in lines[:opening]), (
        "README.md has more than its title before the two-command block")
    block = "\n".join(lines[opening + 1:closing])
    assert re.search(r"^make demo\b", block, re.MULTILINE)
    assert re.search(r"^make test\b", block, re.MULTILINE)


def test_slugs_follow_github():
    assert slug("The assignment `cnn_mnist`") == "the-assignment-cnn_mnist"
    assert slug("Feedback, reports and exports") == "feedback-reports-and-exports"
    assert slug("1. The source notebook") == "1-the-source-notebook"
