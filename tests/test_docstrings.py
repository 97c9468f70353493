"""The public API's docstrings are in NumPy style, as mkdocstrings renders them
(``docstring_style: numpy`` in mkdocs.yml).

Checked by hand, without numpydoc, for every name in ``word2vec_numpy.__all__``, the
extension points ``Loss`` and ``Backend``, and the public methods and properties of their
classes:

* there is a docstring; its first line is a one-line summary ending with a period, followed
  by a blank line (or nothing);
* sections are NumPy's (a known name underlined with as many dashes), never Google's
  (``Args:``, ``Returns:``, ...);
* ``Parameters`` lists every parameter of the signature (``self``/``cls`` and the ``*args``,
  ``**kwargs`` catch-alls may be left out) and nothing else, each as ``name : type`` (a
  catch-all may go without a type), with an indented description;
* a function that returns something has ``Returns`` (a generator ``Yields``), one that
  returns None has neither; ``Raises`` lists exception names;
* the examples (``>>>``) run;
* griffe, the parser mkdocstrings uses, reads them without a warning (if it is installed).

``TrainConfig`` is the one exception to "every parameter": its fields (its parameters) carry
their help text where they are defined.
"""

from __future__ import annotations

import dataclasses
import doctest
import inspect
import re
from pathlib import Path
from typing import Any

import pytest

import word2vec_numpy
from word2vec_numpy.model.loss import Loss
from word2vec_numpy.training.backend import Backend

SECTIONS = {
    "Parameters",
    "Other Parameters",
    "Attributes",
    "Returns",
    "Yields",
    "Raises",
    "Warns",
    "Warnings",
    "See Also",
    "Notes",
    "References",
    "Examples",
}
# Sections whose entries are ``name : type`` (or a type) lines with indented descriptions.
ITEM_SECTIONS = {"Parameters", "Other Parameters", "Attributes", "Returns", "Yields", "Raises"}
GOOGLE_HEADER = re.compile(
    r"^\s*(Args|Arguments|Params|Parameters|Keyword Args|Keyword Arguments|Attributes|"
    r"Returns?|Yields?|Raises|Warns|Examples?|Notes?|See Also|References)\s*:\s*$"
)
NAME = r"\*{0,2}[A-Za-z_]\w*"
PARAMETER = re.compile(rf"^(?P<names>{NAME}(, {NAME})*)(?P<type> : \S.*)?$")
EXCEPTION = re.compile(r"^[A-Za-z_][\w.]*$")
# Dataclasses whose fields are documented where they are defined: TrainConfig's fields carry
# their help text (the CLI's --help) in their metadata, and are rendered as its attributes.
FIELDS_DOCUMENTED_ELSEWHERE = {"TrainConfig"}


def public_api() -> list[tuple[str, Any]]:
    """(name, object) of everything the check covers."""
    objects = [(name, getattr(word2vec_numpy, name)) for name in word2vec_numpy.__all__]
    objects += [("Loss", Loss), ("Backend", Backend)]
    members = []
    for name, obj in objects:
        if not inspect.isclass(obj):
            continue
        for attr, value in vars(obj).items():
            if attr.startswith("_"):
                continue
            if isinstance(value, (classmethod, staticmethod)):
                value = value.__func__
            function = value.fget if isinstance(value, property) else value
            # ``word_id = get_index``: an alias is checked under its own name
            if inspect.isfunction(function) and function.__name__ == attr:
                members.append((f"{name}.{attr}", value))
    return objects + members


def split_sections(lines: list[str]) -> tuple[dict[str, list[str]], list[str]]:
    """The sections of a cleaned docstring (header -> body lines), and the problems found."""
    problems = []
    headers = []
    for i, line in enumerate(lines[1:], 1):
        if len(line) >= 3 and set(line) == {"-"}:
            title = lines[i - 1]
            if title not in SECTIONS:
                problems.append(f"unknown section {title!r} (NumPy's are {sorted(SECTIONS)})")
            elif len(line) != len(title):
                problems.append(f"section {title!r}: underline of {len(line)} dashes")
            if i >= 2 and lines[i - 2].strip():
                problems.append(f"section {title!r} does not follow a blank line")
            headers.append((i - 1, title))
    sections: dict[str, list[str]] = {}
    for k, (start, title) in enumerate(headers):
        end = headers[k + 1][0] if k + 1 < len(headers) else len(lines)
        if title in sections:
            problems.append(f"section {title!r} appears twice")
        sections[title] = lines[start + 2 : end]
    return sections, problems


def items(body: list[str]) -> list[tuple[str, list[str]]]:
    """The entries of a section: each unindented line with the indented lines after it."""
    entries: list[tuple[str, list[str]]] = []
    for line in body:
        if line and not line[0].isspace():
            entries.append((line, []))
        elif entries and line.strip():
            entries[-1][1].append(line)
    return entries


def signature_names(obj: Any) -> tuple[list[str], set[str]] | None:
    """The parameters to document (in order) and the catch-alls (``*args``, ``**kwargs``)
    of a function or class; None for a property."""
    if isinstance(obj, property):
        return None
    params = list(inspect.signature(obj).parameters.values())
    if params and not inspect.isclass(obj) and params[0].name in ("self", "cls"):
        params = params[1:]
    variadic = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    star = {inspect.Parameter.VAR_POSITIONAL: "*", inspect.Parameter.VAR_KEYWORD: "**"}
    named = [p.name for p in params if p.kind not in variadic]
    catch_all = {star[p.kind] + p.name for p in params if p.kind in variadic}
    return named, catch_all


def problems(name: str, obj: Any) -> list[str]:
    """What is not NumPy style in the docstring of ``obj``."""
    doc = obj.__doc__
    if not doc or not doc.strip():
        return ["no docstring"]
    lines = inspect.cleandoc(doc).splitlines()
    found = []
    if not lines[0].strip() or not lines[0].rstrip().endswith("."):
        found.append(f"the first line is not a one-line summary ending with '.': {lines[0]!r}")
    if len(lines) > 1 and lines[1].strip():
        found.append("the summary is not followed by a blank line (or is longer than a line)")
    found += [
        f"Google-style header {line.strip()!r}" for line in lines if GOOGLE_HEADER.match(line)
    ]
    sections, section_problems = split_sections(lines)
    found += section_problems

    for title in ITEM_SECTIONS & sections.keys():
        entries = items(sections[title])
        if not entries:
            found.append(f"empty section {title!r}")
        for head, description in entries:
            if not description:
                found.append(f"{title}: {head!r} has no indented description")
            if title == "Raises" and not EXCEPTION.match(head):
                found.append(f"Raises: {head!r} is not an exception name")

    documented: list[str] = []
    for head, _ in items(sections.get("Parameters", [])):
        match = PARAMETER.match(head)
        if match is None:
            found.append(f"Parameters: {head!r} is not 'name : type'")
            continue
        names = match["names"].split(", ")
        if match["type"] is None and not all(n.startswith("*") for n in names):
            found.append(f"Parameters: {head!r} has no ' : type'")
        documented += names

    signature = signature_names(obj)
    if signature is None:  # a property: a summary (and prose) only
        if "Parameters" in sections or "Returns" in sections:
            found.append("a property documents Parameters or Returns")
        return found
    named, catch_all = signature
    for param in documented:
        if param not in named and param not in catch_all:
            found.append(
                f"Parameters: {param!r} is not in the signature {named + sorted(catch_all)}"
            )
    required = [] if name in FIELDS_DOCUMENTED_ELSEWHERE else named
    missing = [param for param in required if param not in documented]
    if missing:
        found.append(f"parameters not under 'Parameters': {missing}")

    if not inspect.isclass(obj):
        returns = inspect.signature(obj).return_annotation
        if inspect.isgeneratorfunction(obj):
            if "Yields" not in sections or "Returns" in sections:
                found.append("a generator documents Yields, not Returns")
        elif returns in ("None", None):
            if "Returns" in sections or "Yields" in sections:
                found.append("returns None but documents Returns or Yields")
        elif "Returns" not in sections:
            found.append(f"returns {returns} but has no Returns section")
    return found


API = public_api()


@pytest.mark.parametrize(("name", "obj"), API, ids=[name for name, _ in API])
def test_docstring_is_numpy_style(name: str, obj: Any) -> None:
    assert problems(name, obj) == []


def test_the_check_covers_the_api() -> None:
    names = {name for name, _ in API}
    assert set(word2vec_numpy.__all__) <= names
    for member in ("Word2Vec.most_similar", "Word2Vec.wv", "KeyedVectors.evaluate_word_pairs"):
        assert member in names
    assert dataclasses.is_dataclass(word2vec_numpy.TrainConfig)


def _google_style(words: list[str], topn: int = 10) -> list[str]:
    """Nearest words.

    Args:
        words: The words.
        topn: How many.

    Returns:
        The words.
    """
    return words[:topn]


def _unknown_parameter(words: list[str]) -> list[str]:
    """Nearest words.

    Parameters
    ----------
    words : list of str
        The words.
    topn : int
        A parameter that is not there.

    Returns
    -------
    list of str
        The words.
    """
    return words


def _untyped_and_missing(words: list[str], topn: int = 10) -> list[str]:
    """Nearest words.
    More summary.

    Parameters
    ----------
    words
        The words.
    """
    return words[:topn]


def _numpy_style(words: list[str], *args: Any, topn: int = 10, **kwargs: Any) -> list[str]:
    """Nearest words.

    Parameters
    ----------
    words : list of str
        The words.
    *args, **kwargs
        Ignored.
    topn : int, default 10
        How many.

    Returns
    -------
    list of str
        The words.

    Raises
    ------
    ValueError
        Never.
    """
    return words[:topn]


def test_the_check_rejects_what_is_not_numpy_style() -> None:
    assert problems("f", _numpy_style) == []
    google = problems("f", _google_style)
    assert any("Google-style header 'Args:'" in p for p in google)
    assert any("not under 'Parameters'" in p for p in google)
    assert any("'topn' is not in the signature" in p for p in problems("f", _unknown_parameter))
    untyped = problems("f", _untyped_and_missing)
    assert any("no ' : type'" in p for p in untyped)
    assert any("['topn']" in p for p in untyped)
    assert any("not followed by a blank line" in p for p in untyped)
    assert any("no Returns section" in p for p in untyped)


def test_examples_run() -> None:
    parser, runner = doctest.DocTestParser(), doctest.DocTestRunner(verbose=False)
    globs = {name: getattr(word2vec_numpy, name) for name in word2vec_numpy.__all__}
    n_examples = 0
    for name, obj in API:
        test = parser.get_doctest(obj.__doc__ or "", dict(globs), name, None, 0)
        n_examples += len(test.examples)
        runner.run(test)
    assert n_examples > 0
    assert runner.failures == 0


def test_griffe_reads_the_docstrings_without_warnings(caplog: pytest.LogCaptureFixture) -> None:
    """What mkdocstrings would warn about (e.g. a documented parameter that does not exist)."""
    griffe = pytest.importorskip("griffe")
    source = Path(word2vec_numpy.__file__).resolve().parents[1]  # the code imported here
    package = griffe.load("word2vec_numpy", search_paths=[source], docstring_parser="numpy")
    where = {"Loss": "model.loss.Loss", "Backend": "training.backend.Backend"}
    with caplog.at_level("WARNING"):
        for name, _ in API:
            head, _, rest = name.partition(".")
            obj = package[".".join(filter(None, [where.get(head, head), rest]))]
            assert obj.docstring is not None, name
            assert obj.docstring.parsed, name
    assert [r.getMessage() for r in caplog.records if r.name.startswith("griffe")] == []
