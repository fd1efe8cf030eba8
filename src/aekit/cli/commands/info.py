"""``aekit info MODEL``: what a model file holds, how it was trained, what input it takes."""

from __future__ import annotations

import argparse
import json

NAME = "info"
ORDER = 90
HELP = "describe a model file: kind, training, input schema"
DESCRIPTION = """Describe a model file: what the model is, the settings it was trained with,
its network(s) and training record, and the input it expects (column names or
sample shape). Nothing is computed on data.

example:
  aekit info model.aekit
  aekit info model.aekit --json > model-info.json"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="MODEL", help="model file written by `aekit fit`")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")


def _lines(d: dict, indent: int = 0) -> list[str]:
    out, pad = [], " " * indent
    for k, v in d.items():
        if isinstance(v, dict):
            if v:
                out.append(f"{pad}{k}:")
                out.extend(_lines(v, indent + 2))
        elif isinstance(v, list) and v and isinstance(v[0], dict):
            for i, item in enumerate(v):
                out.append(f"{pad}{k} {i + 1}:" if len(v) > 1 else f"{pad}{k}:")
                out.extend(_lines(item, indent + 2))
        elif isinstance(v, list):
            text = ", ".join(map(str, v))
            out.append(f"{pad}{k}: {text if len(text) < 300 else text[:300] + ' ...'}")
        else:
            out.append(f"{pad}{k}: {v:.6g}" if isinstance(v, float) else f"{pad}{k}: {v}")
    return out


def run(args: argparse.Namespace) -> int:
    from aekit.cli._options import load_model
    from aekit.report.summary import describe, file_metadata

    model = load_model(args.model)
    info = {"file": args.model, **describe(model), "saved": file_metadata(args.model)}
    if args.json:
        print(json.dumps(info, indent=2, default=str))
    else:
        print("\n".join(_lines(info)))
    return 0
