"""NLU benchmark: our pipeline (config.yml) against Rasa's default one, trained on the same data.

Prints, side by side: intent accuracy and macro-F1 per language on the held-out split
(data/heldout/) and on the blind held-out set (data/heldout-blind/, when present); out-of-scope
rejection on the SIB-200 test sentences; parse latency; training time from scratch; server
memory. For our pipeline also: 5-fold cross-validation on the training data and an ablation
(what the linear SVM, DIET and the entity extractors each add, and what each costs to train;
bench/nlu_ablation.py, run in Rasa's env). And, for the pure-Python front end: language
identification on SIB-200, Tatoeba and diacritic-less Vietnamese, and Zawgyi detection. The
last line printed is all the figures as one JSON object.

    .venv/bin/python bench/nlu.py [--only ours|default] [--default-epochs N] [--keep-models]
                                  [--no-ablation] [--ablation-diet-epochs N] [--cv-diet]

Both models are trained from scratch (empty Rasa cache) so training times are honest. On this
machine the default pipeline's 100 epochs take hours (its DIET runs a transformer over
whitespace "words", which for Thai, Lao, Khmer, Burmese and Chinese are whole sentences);
`--default-epochs N` trains it with N epochs instead, and the table says so.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.process import rss_mb
from nlu.client import NluClient
from nlu.evaluate import Example, percentile, predict, read_examples, report
from nlu.langid import identify
from nlu.normalize import is_zawgyi, normalize
from nlu.rasa_env import ROOT, RasaProject
from nlu.server import LocalRasaServer

EVAL = Path(os.environ.get("NLU_EVAL_DIR") or ROOT.parent / "shared" / "eval")
HELDOUT_SETS = {
    "heldout": ROOT / "data" / "heldout",
    "heldout-blind": ROOT / "data" / "heldout-blind",
}
SIB_LANGS = {
    "eng_Latn": "en",
    "zho_Hans": "zh",
    "tha_Thai": "th",
    "vie_Latn": "vi",
    "khm_Khmr": "km",
    "lao_Laoo": "lo",
    "mya_Mymr": "my",
}
TATOEBA = {"cmn": "zh", "khm": "km", "tha": "th", "vie": "vi"}
PIPELINES = {"ours": "config.yml", "default": "bench/rasa_default_config.yml"}


def heldout(name: str = "heldout") -> list[Example]:
    return [e for path in sorted(HELDOUT_SETS[name].glob("*.tsv")) for e in read_examples(path)]


def heldout_sets() -> list[str]:
    """The held-out sets present: the split always, the blind set once it is written."""
    return [name for name, folder in HELDOUT_SETS.items() if any(folder.glob("*.tsv"))]


def sib200(split: str = "test") -> list[Example]:
    examples: list[Example] = []
    for folder, lang in SIB_LANGS.items():
        with (EVAL / "sib200" / folder / f"{split}.tsv").open(encoding="utf-8") as handle:
            examples += [
                Example(lang, "out_of_scope", row["text"])
                for row in csv.DictReader(handle, delimiter="\t")
            ]
    return examples


def strip_diacritics(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def language_id() -> dict[str, float]:
    """Accuracy of nlu.langid (after normalisation) on the public sets."""

    def accuracy(pairs: list[tuple[str, str]]) -> float:
        return sum(identify(normalize(t).text).lang == lang for t, lang in pairs) / len(pairs)

    sib = [(e.text, e.lang) for e in sib200()]
    tatoeba: list[tuple[str, str]] = []
    for xx, lang in TATOEBA.items():
        for side, side_lang in ((xx, lang), ("eng", "en")):
            path = EVAL / "tatoeba" / f"tatoeba.{xx}-eng.{side}"
            tatoeba += [(line, side_lang) for line in path.read_text().splitlines() if line]
    vi_plain = [(strip_diacritics(t), "vi") for t, lang in sib if lang == "vi"]
    zawgyi = (EVAL / "zawgyi" / "ntrex-newstest2019-mya-zawgyi-400.txt").read_text().splitlines()
    zawgyi = [line for line in zawgyi if line.strip()]
    return {
        "sib200_test": accuracy(sib),
        "tatoeba": accuracy(tatoeba),
        "sib200_vi_without_diacritics": accuracy(vi_plain),
        "zawgyi_detected": sum(map(is_zawgyi, zawgyi)) / len(zawgyi),
        "zawgyi_then_burmese": accuracy([(line, "my") for line in zawgyi]),
    }


async def measure(url: str) -> dict[str, Any]:
    client = NluClient(url, read_timeout=30.0)
    try:
        held = {name: report(await predict(client, heldout(name))) for name in heldout_sets()}
        sib = await predict(client, sib200(), concurrency=4)
        rejected: dict[str, list[bool]] = {}
        for p in sib:
            rejected.setdefault(p.example.lang, []).append(p.intent_correct)
        # Latency: one request at a time over the held-out texts, after a warm-up.
        texts = [e.text for e in heldout()]
        for text in texts[:50]:
            await client.parse(text)
        latencies = []
        for text in texts:
            started = time.perf_counter()
            await client.parse(normalize(text).text)
            latencies.append((time.perf_counter() - started) * 1000)
    finally:
        await client.aclose()
    return {
        **held,
        "sib200_rejected": {lang: sum(v) / len(v) for lang, v in sorted(rejected.items())},
        "sib200_rejected_all": sum(p.intent_correct for p in sib) / len(sib),
        "latency_ms": {
            q: round(percentile(latencies, int(q[1:])), 2) for q in ("p50", "p95", "p99")
        },
    }


def run_pipeline(name: str, keep_models: bool, epochs: int | None = None) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-{name}-", dir=ROOT / "var"))
    config = PIPELINES[name]
    if epochs is not None:
        text = re.sub(r"epochs: \d+", f"epochs: {epochs}", (ROOT / config).read_text())
        (workdir / "config.yml").write_text(text)
        config = str(workdir.relative_to(ROOT) / "config.yml")
    project = RasaProject(
        config=config,
        models_dir=str(workdir.relative_to(ROOT) / "models"),
        rasa_cache=str(workdir.relative_to(ROOT) / "cache"),
    )
    try:
        started = time.perf_counter()
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        model = project.train(force=True)
        training_s = time.perf_counter() - started
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        # CPU time of the training process: what the wall time would be on an idle core, less
        # what runs in parallel (a loaded machine stretches the wall time, not this).
        training_cpu_s = (cpu_after.ru_utime - cpu_before.ru_utime) + (
            cpu_after.ru_stime - cpu_before.ru_stime
        )
        # The model just trained, even if a source file changed meanwhile.
        server = LocalRasaServer(project, log_file=workdir / "server.log", model=model)
        with server:
            assert server.pid is not None
            results = asyncio.run(measure(server.url))
            results["server_rss_mb"] = round(rss_mb(server.pid), 1)
        results["training_s"] = round(training_s, 1)
        results["training_cpu_s"] = round(training_cpu_s, 1)
        results["load_average"] = round(os.getloadavg()[0], 1)
        return results
    finally:
        if not keep_models:
            shutil.rmtree(workdir, ignore_errors=True)


def run_ablation(diet_epochs: int, cv_diet: bool) -> dict[str, Any]:
    """bench/nlu_ablation.py in Rasa's env: per-component accuracy and time, and 5-fold CV."""
    project = RasaProject()
    project.require_environment()
    with tempfile.TemporaryDirectory(prefix="ablation-", dir=ROOT / "var") as folder:
        out = Path(folder) / "ablation.json"
        command = [
            str(ROOT / ".venv-rasa" / "bin" / "python"),
            str(ROOT / "bench" / "nlu_ablation.py"),
            "--json",
            str(out),
        ]
        if diet_epochs:
            command += ["--diet-epochs", str(diet_epochs)]
        else:
            command.append("--no-diet")
        if cv_diet:
            command.append("--cv-diet")
        subprocess.run(
            command, check=True, cwd=ROOT, env=project.environment(), stdout=subprocess.DEVNULL
        )
        result: dict[str, Any] = json.loads(out.read_text())
        return result


def print_ablation(ablation: dict[str, Any]) -> None:
    """The ablation and cross-validation tables."""
    times = ablation.get("times_s", {})
    sets = [name for name in ("heldout", "heldout_blind") if name in ablation]
    cv = ablation["cv"]
    print(
        f"\nablation: components trained in one process on the same features, the server's"
        f" fallback thresholds applied ({ablation['training_examples']} training examples;"
        f" DIET {ablation['diet_epochs'] or 'left out'} epochs); train s = on all the training data"
    )
    header = "intent classifier".ljust(26) + "train s".rjust(9)
    header += "".join(name.replace("_", "-").rjust(15) for name in sets)
    header += f"{cv['folds']}-fold CV".rjust(13)
    print(header)
    print(
        "  tokenize + featurize".ljust(26)
        + f"{times.get('tokenize', 0) + times.get('featurize', 0):9.1f}"
    )
    cost = {"linear": ["linear"], "diet": ["diet"], "diet+linear": ["diet", "linear"]}
    for variant, parts in cost.items():
        if not any(variant in ablation[name] for name in sets) and variant not in cv["intent"]:
            continue
        seconds = sum(times.get(p, 0.0) for p in parts)
        line = f"  {variant}".ljust(26) + f"{seconds:9.1f}"
        for name in sets:
            value = ablation[name].get(variant, {}).get("accuracy")
            line += (f"{value:.4f}" if value is not None else "-").rjust(15)
        value = cv["intent"].get(variant, {}).get("accuracy")
        line += (f"{value:.4f}" if value is not None else "-").rjust(13)
        print(line)
    print(f"\nentities, {cv['folds']}-fold CV (precision over all test messages, recall over the")
    print("annotated (entity, value) pairs; EntitySynonymMapper after each)")
    print(
        "extractor".ljust(26)
        + "train s".rjust(9)
        + "entity".rjust(16)
        + "precision".rjust(11)
        + "recall".rjust(9)
        + "pairs".rjust(8)
    )
    for variant, scores in cv["entities"].items():
        rows = [("all", scores), *scores["per_entity"].items()]
        for i, (entity, row) in enumerate(rows):
            label = f"  {variant}" if i == 0 else ""
            seconds = f"{times.get(variant, 0.0):9.1f}" if i == 0 else " " * 9
            print(
                label.ljust(26)
                + seconds
                + entity.rjust(16)
                + f"{row['precision']:11.4f}"
                + f"{row['recall']:9.4f}"
                + f"{row['annotated']:8d}"
            )
    print(
        f"\n{cv['folds']}-fold CV intent accuracy per language (train s for all folds: {cv['seconds']})"
    )
    for variant, scores in cv["intent"].items():
        cells = "  ".join(f"{lang} {acc:.4f}" for lang, acc in scores["per_language"].items())
        print(f"  {variant:<12} {cells}")


def print_table(results: dict[str, dict[str, Any]], lid: dict[str, float]) -> None:
    names = list(results)
    width = 18
    print("\n" + "metric".ljust(34) + "".join(n.rjust(width) for n in names))

    def row(label: str, values: list[str]) -> None:
        print(label.ljust(34) + "".join(v.rjust(width) for v in values))

    for held in heldout_sets():
        langs = sorted(results[names[0]][held]["per_language"])
        for metric in ("intent_accuracy", "macro_f1"):
            for lang in langs:
                row(
                    f"{held} {metric} {lang}",
                    [f"{r[held]['per_language'][lang][metric]:.3f}" for r in results.values()],
                )
        row(
            f"{held} intent accuracy (all)",
            [f"{r[held]['intent_accuracy']:.3f}" for r in results.values()],
        )
    for lang in langs:
        row(
            f"SIB-200 test rejected {lang}",
            [f"{r['sib200_rejected'][lang]:.3f}" for r in results.values()],
        )
    row(
        "SIB-200 test rejected (all)", [f"{r['sib200_rejected_all']:.3f}" for r in results.values()]
    )
    for q in ("p50", "p95", "p99"):
        row(f"parse latency {q} (ms)", [f"{r['latency_ms'][q]:.1f}" for r in results.values()])
    row("training time (s)", [f"{r['training_s']:.0f}" for r in results.values()])
    row("training CPU time (s)", [f"{r['training_cpu_s']:.0f}" for r in results.values()])
    row("load average after training", [f"{r['load_average']:.1f}" for r in results.values()])
    row("server RSS (MB)", [f"{r['server_rss_mb']:.0f}" for r in results.values()])
    print("\nlanguage id and Zawgyi (nlu/langid.py, nlu/normalize.py; same for both pipelines)")
    for key, value in lid.items():
        print(f"  {key:<32}{value:.4f}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", choices=list(PIPELINES))
    parser.add_argument("--default-epochs", type=int, help="epochs of the default pipeline")
    parser.add_argument("--keep-models", action="store_true")
    parser.add_argument("--no-ablation", action="store_true", help="skip ablation and CV")
    parser.add_argument(
        "--ablation-diet-epochs",
        type=int,
        default=40,
        help="DIET's epochs in the ablation (0: leave DIET out of it)",
    )
    parser.add_argument("--cv-diet", action="store_true", help="DIET in the CV too (slow)")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    lid = language_id()
    results = {}
    for name in PIPELINES:
        if args.only in (None, name):
            epochs = args.default_epochs if name == "default" else None
            label = name if epochs is None else f"{name} ({epochs} ep.)"
            results[label] = run_pipeline(name, args.keep_models, epochs)
    ablation = None
    if not args.no_ablation and args.only in (None, "ours"):
        ablation = run_ablation(args.ablation_diet_epochs, args.cv_diet)
    print_table(results, lid)
    if ablation is not None:
        print_ablation(ablation)
    figures = {"pipelines": results, "language_id": lid, "ablation": ablation}
    print(json.dumps(figures, ensure_ascii=False))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
