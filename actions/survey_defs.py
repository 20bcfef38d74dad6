"""Survey definitions (data/surveys/<id>.yml): questions in seven languages, checked on load.

The whole set is refused when any file has an error, and every error is listed as
`FILE:LINE: problem` (an unknown question type, a missing language, duplicate ids, a choice
question without options, …): nothing is half-loaded.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.core.i18n import LANGUAGES

SURVEYS_DIR = Path(__file__).resolve().parent.parent / "data" / "surveys"
TYPES = ("rating", "nps", "choice", "choices", "text")
# The answers a button or a typed number may give, by question type.
SCALES = {"rating": range(1, 6), "nps": range(0, 11)}
MAX_OPTIONS = 10  # LINE shows at most 13 quick replies; with Skip and Done this fits
OPTION_ID_CHARS = 12  # an option id travels in a button payload (64 bytes in all)
OPTION_TEXT_CHARS = 20  # a LINE quick-reply label shows at most 20 characters


class SurveyError(ValueError):
    """One or more survey files are wrong; `problems` lists every error with file and line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Option:
    id: str
    text: dict[str, str]


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    required: bool
    text: dict[str, str]
    options: tuple[Option, ...] = ()

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)


@dataclass(frozen=True)
class Survey:
    id: str
    anonymous: bool
    title: dict[str, str]
    intro: dict[str, str]
    thanks: dict[str, str]
    questions: tuple[Question, ...]

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)


def describe(question: Question, value: object, lang: str) -> str:
    """An answer as a person reads it: a number, the option labels in lang, the text, or —."""
    if value is None:
        return "—"
    if question.type in ("choice", "choices"):
        chosen = value if isinstance(value, list) else [value]
        labels = [
            o.text.get(lang) or o.text["en"] for c in chosen if (o := question.option(str(c)))
        ]
        return ", ".join(labels) or "—"
    return str(value)


class _Reader:
    """Reads one file's YAML nodes, collecting problems with their line numbers."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems

    def problem(self, node: Node | None, message: str) -> None:
        line = node.start_mark.line + 1 if node is not None else 1
        self.problems.append(f"{self.path}:{line}: {message}")

    def mapping(self, node: Node, what: str) -> dict[str, tuple[Node, Node]]:
        if not isinstance(node, MappingNode):
            self.problem(node, f"{what} must be a mapping")
            return {}
        items: dict[str, tuple[Node, Node]] = {}
        for key, value in node.value:
            name = str(key.value)
            if name in items:
                self.problem(key, f"{what}: {name!r} is given twice")
            items[name] = (key, value)
        return items

    def scalar(self, items: dict[str, tuple[Node, Node]], name: str, parent: Node) -> str | None:
        if name not in items:
            self.problem(parent, f"{name!r} is missing")
            return None
        node = items[name][1]
        if not isinstance(node, ScalarNode) or not str(node.value).strip():
            self.problem(node, f"{name!r} must be a non-empty text")
            return None
        return str(node.value).strip()

    def flag(self, items: dict[str, tuple[Node, Node]], name: str, default: bool) -> bool:
        if name not in items:
            return default
        node = items[name][1]
        value = str(node.value).lower() if isinstance(node, ScalarNode) else ""
        if value not in ("true", "false"):
            self.problem(node, f"{name!r} must be true or false")
            return default
        return value == "true"

    def texts(self, items: dict[str, tuple[Node, Node]], name: str, parent: Node) -> dict[str, str]:
        if name not in items:
            self.problem(parent, f"{name!r} is missing")
            return {}
        node = items[name][1]
        found: dict[str, str] = {}
        for lang, (key, value) in self.mapping(node, name).items():
            if lang not in LANGUAGES:
                self.problem(key, f"{name}: unknown language {lang!r}")
            elif not isinstance(value, ScalarNode) or not str(value.value).strip():
                self.problem(value, f"{name}: the {lang} text is empty")
            else:
                found[lang] = str(value.value).strip()
        missing = [lang for lang in LANGUAGES if lang not in found]
        if isinstance(node, MappingNode) and missing:
            self.problem(node, f"{name}: missing language(s) {', '.join(missing)}")
        return found


def _option(reader: _Reader, node: Node, seen: set[str]) -> Option | None:
    items = reader.mapping(node, "option")
    option_id = reader.scalar(items, "id", node)
    text = reader.texts(items, "text", node)
    if option_id is None:
        return None
    if option_id in seen:
        reader.problem(items["id"][1], f"option id {option_id!r} is used twice")
    if len(option_id) > OPTION_ID_CHARS or not option_id.replace("_", "").isalnum():
        reader.problem(
            items["id"][1], f"option id {option_id!r}: letters, digits, _ (≤{OPTION_ID_CHARS})"
        )
    seen.add(option_id)
    for lang, label in text.items():
        if len(label) > OPTION_TEXT_CHARS:
            reader.problem(
                items["text"][1],
                f"option {option_id!r}: the {lang} text is over {OPTION_TEXT_CHARS} characters (a LINE button shows no more)",
            )
    return Option(option_id, text)


def _question(reader: _Reader, node: Node, seen: set[str]) -> Question | None:
    items = reader.mapping(node, "question")
    question_id = reader.scalar(items, "id", node)
    kind = reader.scalar(items, "type", node)
    text = reader.texts(items, "text", node)
    required = reader.flag(items, "required", True)
    if question_id is not None:
        if question_id in seen:
            reader.problem(items["id"][1], f"question id {question_id!r} is used twice")
        seen.add(question_id)
    if kind is not None and kind not in TYPES:
        reader.problem(items["type"][1], f"unknown question type {kind!r} ({', '.join(TYPES)})")
    options: list[Option] = []
    if kind in ("choice", "choices"):
        if "options" not in items or not isinstance(items["options"][1], SequenceNode):
            reader.problem(node, f"a {kind} question needs a list of options")
        else:
            option_ids: set[str] = set()
            for child in items["options"][1].value:
                option = _option(reader, child, option_ids)
                if option is not None:
                    options.append(option)
            if not 2 <= len(options) <= MAX_OPTIONS:
                reader.problem(items["options"][1], f"between 2 and {MAX_OPTIONS} options")
    elif "options" in items:
        reader.problem(items["options"][0], f"a {kind} question has no options")
    if question_id is None or kind not in TYPES:
        return None
    return Question(question_id, kind, required, text, tuple(options))


def _survey(path: Path, problems: list[str]) -> Survey | None:
    reader = _Reader(path, problems)
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problems.append(f"{path}:{line}: not valid YAML ({getattr(error, 'problem', error)})")
        return None
    if root is None:
        problems.append(f"{path}:1: the file is empty")
        return None
    items = reader.mapping(root, "survey")
    survey_id = reader.scalar(items, "id", root)
    if survey_id is not None and survey_id != path.stem:
        reader.problem(items["id"][1], f"id {survey_id!r} differs from the file name")
    known = {"id", "anonymous", "title", "intro", "thanks", "questions"}
    for name in sorted(set(items) - known):
        reader.problem(items[name][0], f"unknown field {name!r}")
    anonymous = reader.flag(items, "anonymous", False)
    title = reader.texts(items, "title", root)
    intro = reader.texts(items, "intro", root)
    thanks = reader.texts(items, "thanks", root)
    questions: list[Question] = []
    if "questions" not in items or not isinstance(items["questions"][1], SequenceNode):
        reader.problem(root, "'questions' must be a list")
    else:
        seen: set[str] = set()
        for child in items["questions"][1].value:
            question = _question(reader, child, seen)
            if question is not None:
                questions.append(question)
        if not items["questions"][1].value:
            reader.problem(items["questions"][1], "a survey needs at least one question")
    if survey_id is None:
        return None
    return Survey(survey_id, anonymous, title, intro, thanks, tuple(questions))


def load(directory: Path = SURVEYS_DIR) -> dict[str, Survey]:
    """Every survey of the directory by id; SurveyError listing every problem otherwise."""
    problems: list[str] = []
    surveys: dict[str, Survey] = {}
    for path in sorted(directory.glob("*.yml")):
        survey = _survey(path, problems)
        if survey is not None:
            surveys[survey.id] = survey
    if "general" not in surveys and not problems:
        problems.append(f"{directory}/general.yml:1: the general survey must exist")
    if problems:
        raise SurveyError(problems)
    return surveys


@functools.cache
def catalogue() -> dict[str, Survey]:
    """The surveys (data/surveys, or the directory SURVEYS_DIR names), loaded on first use."""
    return load(Path(os.environ.get("SURVEYS_DIR") or SURVEYS_DIR))
