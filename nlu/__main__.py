"""Command line of the NLU: train, serve, parse, evaluate (docs/architecture.md, "Contracts")."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from nlu.client import NluClient
from nlu.evaluate import confusions, predict, read_examples, report, table, write_confusion_png
from nlu.rasa_env import RasaProject
from nlu.server import LocalRasaServer
from nlu.understand import understand


@asynccontextmanager
async def _client(url: str | None, project: RasaProject) -> AsyncIterator[NluClient]:
    """A client of the configured Rasa server, or of a local one started for this command."""
    url = url or os.environ.get("RASA_URL") or None
    server = None
    if url is None:
        server = LocalRasaServer(project)
        url = await asyncio.to_thread(server.start)
    client = NluClient(url, read_timeout=30.0)
    try:
        yield client
    finally:
        await client.aclose()
        if server:
            server.stop()


class _Stop(Exception):
    """SIGTERM or SIGINT arrived."""


def _stop(signum: int, frame: object) -> None:
    raise _Stop(signum)


def _serve(server: LocalRasaServer) -> int:
    """Run the Rasa server until it exits, or until SIGTERM/SIGINT: then stop it and wait."""
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        server.start()  # in this (main) thread: the server dies with this process
        print(f"Rasa NLU server at {server.url} (Ctrl-C stops it)", file=sys.stderr)
        return server.wait()
    except _Stop:
        return 0
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        server.stop()


async def _parse(args: argparse.Namespace, project: RasaProject) -> int:
    async with _client(args.url, project) as client:
        result = await understand(client, args.text)
    print(json.dumps(result.as_json(), ensure_ascii=False))
    return 0


async def _evaluate(args: argparse.Namespace, project: RasaProject) -> int:
    examples = read_examples(Path(args.data))
    async with _client(args.url, project) as client:
        predictions = await predict(client, examples, concurrency=args.concurrency)
    summary = report(predictions)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    else:
        print(table(summary))
        for gold, guess, n in confusions(predictions):
            print(f"  {n:>3} × {gold} → {guess}")
    if args.png:
        write_confusion_png(predictions, Path(args.png))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nlu", description=__doc__)
    parser.add_argument("--config", default="config.yml", help="Rasa pipeline (config.yml)")
    parser.add_argument("-v", "--verbose", action="store_true")
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train unless data/ and config are unchanged")
    train.add_argument("--force", action="store_true")
    serve = commands.add_parser("serve", help="run the Rasa server (trains first if needed)")
    serve.add_argument("--port", type=int, default=int(os.environ.get("RASA_PORT", "5005")))
    parse = commands.add_parser("parse", help="print what the NLU makes of TEXT as JSON")
    parse.add_argument("text")
    parse.add_argument("--url", help="Rasa server URL (default: $RASA_URL, else start one)")
    evaluate = commands.add_parser("evaluate", help="accuracy on a lang/intent/text TSV file")
    evaluate.add_argument("--data", required=True)
    evaluate.add_argument("--json", action="store_true")
    evaluate.add_argument("--png", help="write a confusion-matrix PNG here")
    evaluate.add_argument("--url", help="Rasa server URL (default: $RASA_URL, else start one)")
    evaluate.add_argument("--concurrency", type=int, default=1)
    args = parser.parse_args(argv)

    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    project = RasaProject(config=args.config)

    if args.command == "train":
        print(project.train(force=args.force))
        return 0
    if args.command == "serve":
        return _serve(LocalRasaServer(project, port=args.port))
    if args.command == "parse":
        return asyncio.run(_parse(args, project))
    return asyncio.run(_evaluate(args, project))


if __name__ == "__main__":
    sys.exit(main())
