"""`taawun`: the command line. Thin: parses arguments and calls the assistant service."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import assistant  # noqa: F401  (offline defaults)

EXIT_USAGE = 2
EXIT_FAIL = 1


def _settings(args: argparse.Namespace) -> Any:
    from assistant.core.settings import load_settings

    over: dict[str, Any] = {}
    if getattr(args, "index", None):
        over["index"] = {"dir": Path(args.index)}
    if getattr(args, "sources", None):
        over["sources"] = {"dir": Path(args.sources)}
    if getattr(args, "generator", None):
        over["generator"] = args.generator
    if not over:
        return load_settings()
    base = load_settings()
    data = base.model_dump()
    for k, v in over.items():
        if isinstance(v, dict):
            data[k].update(v)
        else:
            data[k] = v
    return load_settings(**data)


def _progress_bar(enabled: bool) -> Callable[[str, int, int], None] | None:
    if not enabled:
        return None
    from tqdm import tqdm

    bars: dict[str, Any] = {}
    labels = {"scan": "reading sources", "embed": "embedding", "write": "writing index"}

    def progress(stage: str, done: int, total: int) -> None:
        if stage not in bars:
            bars[stage] = tqdm(
                total=total,
                desc=labels.get(stage, stage),
                unit="passage" if stage == "embed" else "item",
                file=sys.stderr,
                leave=stage == "embed",
                disable=not total,
            )
        bar = bars[stage]
        bar.total = total
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()

    return progress


def _print_report(report: Any, as_json: bool) -> None:
    if as_json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        print(report.summary())


def cmd_provision(args: argparse.Namespace) -> int:
    from ingest.embed import resolve_model

    s = _settings(args)
    model_id, path = resolve_model(s.embedding)
    print(f"{model_id}: {path}")
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    from assistant.app.compose import build_assistant
    from ingest.library import rebuild

    s = _settings(args)
    _clean_leftovers(s)
    progress = _progress_bar(not args.json and not args.quiet)
    if args.rebuild:
        report = rebuild(s, build_assistant, progress)
    else:
        report = build_assistant(s).refresh([Path(p) for p in args.paths] or None, progress=progress)
    _print_report(report, args.json)
    return 0


def _clean_leftovers(settings: Any) -> None:
    """A killed `ingest --rebuild` is cleaned up by the next run (see clean_rebuild_leftovers)."""
    from ingest.library import clean_rebuild_leftovers

    for note in clean_rebuild_leftovers(settings.index_dir):
        print(f"taawun: {note}", file=sys.stderr)


def cmd_add(args: argparse.Namespace) -> int:
    from assistant.app.compose import build_assistant

    s = _settings(args)
    a = build_assistant(s)
    progress = _progress_bar(not args.json)
    files: list[tuple[str, bytes]] = []
    reports = []
    for item in args.items:
        if item.startswith(("http://", "https://")) or "://" in item:
            reports.append(a.add_url(item, progress=progress))
        else:
            p = Path(item)
            if not p.is_file():
                raise FileNotFoundError(f"{item}: no such file")
            files.append((p.name, p.read_bytes()))
    if files:
        reports.append(a.add_files(files, progress=progress))
    for r in reports:
        _print_report(r, args.json)
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from assistant.app.compose import build_assistant

    report = build_assistant(_settings(args)).remove(args.doc_id, progress=_progress_bar(not args.json))
    _print_report(report, args.json)
    return 0


def _filters(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "language": args.lang,
        "doc_id": args.doc,
        "date_from": args.since,
        "date_to": args.until,
        "country": args.country,
    }


def _print_answer(ans: Any, as_json: bool, end: str = "\n") -> None:
    from assistant.core.records import render_plain

    if as_json:
        # the same `status` field as the API's objects
        print(json.dumps({**ans.contract(), "status": ans.status}, ensure_ascii=False), flush=True)
    else:
        print(render_plain(ans.answer, ans.citations), end=end, flush=True)


def cmd_ask(args: argparse.Namespace) -> int:
    from assistant.app.compose import build_assistant

    a = build_assistant(_settings(args))
    filters = _filters(args)
    if args.question == "-" or (args.question is None and not sys.stdin.isatty()):
        # One question per line, one answer per line (blank lines are answered `invalid`, so a
        # client can zip its input with our output); models load once.
        for line in sys.stdin:
            _print_answer(a.ask(line.rstrip("\r\n"), filters=filters), args.json)
        return 0
    if args.question is None:
        print("taawun ask: give a question, or - to read questions from stdin", file=sys.stderr)
        return EXIT_USAGE
    _print_answer(a.ask(args.question, filters=filters), args.json, end="")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from assistant.app.compose import build_assistant
    from ui.app import serve

    s = _settings(args)
    a = build_assistant(s)
    if args.ingest:
        _clean_leftovers(s)
        report = a.refresh(progress=_progress_bar(True))
        print(report.summary().split("\n")[0], file=sys.stderr)
    serve(a, host=args.host or s.ui.host, port=args.port or s.ui.port)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from assistant.app.evaluate import main as eval_main

    return eval_main(_settings(args), tune=args.tune, out=args.out, as_json=args.json)


def cmd_agreements(args: argparse.Namespace) -> int:
    from assistant.app.compose import build_assistant
    from assistant.query.agreements import render_table

    a = build_assistant(_settings(args))
    rows = a.agreements(country=args.country, type=args.type, since=args.since)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=None))
    else:
        print(render_table(rows), end="")
    return 0


def cmd_library(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from assistant.app.compose import build_assistant

    docs = build_assistant(_settings(args)).library()
    if args.json:
        print(json.dumps([asdict(d) for d in docs], ensure_ascii=False))
    else:
        for d in docs:
            tr = f" ↔ {d.translation_of}" if d.translation_of else ""
            print(f"{d.doc_id}\t{d.language}\t{d.chunks} chunks\t{d.date or '-'}\t{d.title}{tr}")
    return 0


def cmd_llm_server(argv: Sequence[str]) -> int:
    from assistant.app.llm_server import main as llm_main

    return llm_main(argv, prog="taawun llm-server")


def cmd_status(args: argparse.Namespace) -> int:
    from assistant.app.compose import build_assistant

    status = build_assistant(_settings(args)).status()
    print(json.dumps(status, ensure_ascii=False, indent=2))
    return EXIT_FAIL if "error" in status or "problem" in status else 0


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--index", help="index directory (TAAWUN_INDEX_DIR)")
    common.add_argument("--sources", help="sources folder (TAAWUN_SOURCES_DIR)")
    common.add_argument("--debug", action="store_true", help="show tracebacks")

    p = argparse.ArgumentParser(
        prog="taawun", description="Ta'awun (تعاون): bilingual Q&A over Egypt's ICT cooperation."
    )
    sub = p.add_subparsers(dest="command", required=True)

    sp = sub.add_parser("provision", parents=[common], help="build the offline embedding model (once)")
    sp.set_defaults(func=cmd_provision)

    sp = sub.add_parser("ingest", parents=[common], help="refresh the index from the sources folder")
    sp.add_argument("paths", nargs="*", help="only these files/folders (inside the sources folder)")
    sp.add_argument("--json", action="store_true", help="print the report as one JSON object")
    sp.add_argument("--rebuild", action="store_true", help="re-embed everything into a fresh index (recovery)")
    sp.add_argument("--quiet", action="store_true", help="no progress bar")
    sp.set_defaults(func=cmd_ingest)

    sp = sub.add_parser("add", parents=[common], help="copy files or fetch URLs into the sources folder and index them")
    sp.add_argument("items", nargs="+", metavar="FILE|URL")
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(func=cmd_add)

    sp = sub.add_parser("remove", parents=[common], help="delete a document from the sources and the index")
    sp.add_argument("doc_id")
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(func=cmd_remove)

    sp = sub.add_parser("ask", parents=[common], help="answer a question with citations")
    sp.add_argument("question", nargs="?", help="the question, or - to read one per line from stdin")
    sp.add_argument("--json", action="store_true", help="one JSON object per answer")
    sp.add_argument("--generator", choices=["extractive", "llm"], help="TAAWUN_GENERATOR")
    sp.add_argument("--lang", choices=["ar", "en"], help="only sources in this language")
    sp.add_argument("--doc", action="append", help="only this document (repeatable)")
    sp.add_argument("--since", help="only documents mentioning a date on/after YYYY[-MM[-DD]]")
    sp.add_argument("--until", help="only documents mentioning a date on/before YYYY[-MM[-DD]]")
    sp.add_argument("--country", action="append", help="only documents about this partner (repeatable)")
    sp.set_defaults(func=cmd_ask)

    sp = sub.add_parser("serve", parents=[common], help="serve the chat UI on 127.0.0.1")
    sp.add_argument("--host")
    sp.add_argument("--port", type=int)
    sp.add_argument("--no-ingest", dest="ingest", action="store_false", help="do not refresh the index first")
    sp.set_defaults(func=cmd_serve)

    sp = sub.add_parser("eval", parents=[common], help="run the bilingual gold set and write a report")
    sp.add_argument("--tune", action="store_true", help="also sweep the abstention threshold")
    sp.add_argument("--out", help="report name under bench/results/ (default: eval)")
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(func=cmd_eval)

    sp = sub.add_parser("agreements", parents=[common], help="list MoUs, agreements, meetings and initiatives")
    sp.add_argument("--country", help="partner country or organisation (English or Arabic name)")
    sp.add_argument("--type", choices=["mou", "agreement", "meeting", "initiative"])
    sp.add_argument("--since", type=int, help="year")
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(func=cmd_agreements)

    sp = sub.add_parser("library", parents=[common], help="list indexed documents")
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(func=cmd_library)

    # listed for `taawun --help` only: main() hands its arguments to the server's own parser
    sub.add_parser("llm-server", help="run a local llama.cpp OpenAI-compatible server (see --help)", add_help=False)

    sp = sub.add_parser("status", parents=[common], help="index status")
    sp.set_defaults(func=cmd_status)
    return p


def _utf8_streams() -> None:
    """Undecodable input becomes U+FFFD (answered `invalid`), and output is always valid UTF-8."""
    for stream, errors in ((sys.stdin, "replace"), (sys.stdout, "replace"), (sys.stderr, "backslashreplace")):
        with contextlib.suppress(AttributeError, ValueError, OSError):  # a replaced or already-read stream
            stream.reconfigure(encoding="utf-8", errors=errors)  # type: ignore[union-attr]


def _configure_cpu(args: argparse.Namespace) -> None:
    """Thread counts and the OpenMP wait policy, in the environment before any command imports torch."""
    from assistant.core.cpu import configure_process

    s = _settings(args)
    configure_process(s.cpu, s.embedding.threads or s.cpu.threads)


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(
        level=os.environ.get("TAAWUN_LOG_LEVEL", "WARNING"), format="%(levelname)s %(name)s: %(message)s"
    )
    argv = list(sys.argv[1:] if argv is None else argv)
    _utf8_streams()
    if argv[:1] == ["llm-server"]:
        # argparse rejects options (--model, --help) meant for a REMAINDER sub-command: parse them there
        return cmd_llm_server(argv[1:])
    args = parser().parse_args(argv)
    try:
        _configure_cpu(args)
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the CLI reports every failure as one clear line
        if getattr(args, "debug", False):
            traceback.print_exc()
        print(f"taawun {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_FAIL


if __name__ == "__main__":
    raise SystemExit(main())
