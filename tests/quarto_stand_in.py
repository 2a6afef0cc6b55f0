"""A stand-in for the Quarto CLI, for tests/test_reports.py: `quarto render SOURCE --to html|docx|typst --output-dir DIR
--output NAME -P key:value ...` as Quarto runs it (its `typst` format writes a PDF), with what Quarto needs and does
that once broke the pipeline:

- `-P` parameters need papermill in QUARTO_PYTHON ("The papermill package is required for processing
  --execute-params");
- the intermediate notebook SOURCE.quarto_ipynb is written next to the source for the length of the render, so two
  renders of one .qmd in one folder collide.

The document is rendered by the built-in engine (llo.reporting.qmd) in QUARTO_PYTHON to the format asked for (an
unknown `--to` fails as Quarto does), and each call (its arguments
and working directory) is appended to the JSON-lines file STAND_IN_LOG.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path


def main() -> int:
    args = sys.argv[1:]
    if args[:1] != ["render"]:
        print(f"stand-in: only `render`, not {args}", file=sys.stderr)
        return 2
    source, options, parameters = Path(args[1]), {}, {}
    rest = iter(args[2:])
    for flag in rest:
        if flag == "-P":
            key, _, value = next(rest).partition(":")
            parameters[key] = value
        else:
            options[flag] = next(rest)
    python = os.environ.get("QUARTO_PYTHON", "python3")
    if parameters and subprocess.run([python, "-c", "import papermill"], capture_output=True).returncode:
        print("ERROR: The papermill package is required for processing --execute-params", file=sys.stderr)
        return 1
    notebook = source.with_suffix(".quarto_ipynb")
    if notebook.exists():
        print(f"ERROR: {notebook} exists: another render of the same document in the same folder", file=sys.stderr)
        return 1
    notebook.write_text("{}", encoding="utf-8")
    suffix = {"html": "html", "docx": "docx", "typst": "pdf"}.get(options.get("--to", "html"))
    if suffix is None:
        print(f"ERROR: Unknown format {options['--to']}", file=sys.stderr)
        return 1
    target = Path(options["--output-dir"]) / options["--output"]
    # the built-in engine writes the HTML and the other format beside it; only the format asked for is kept
    render = ("import json, sys, yaml; from pathlib import Path; from llo.reporting import qmd; "
              "html = Path(sys.argv[2]).with_suffix('.html'); "
              "qmd.render(Path(sys.argv[1]), html, "
              "{k: yaml.safe_load(v) if k == 'min_deelnemers' else v for k, v in json.loads(sys.argv[3]).items()}, "
              "formats=tuple(dict.fromkeys(('html', sys.argv[4])))); "
              "sys.argv[4] != 'html' and html.unlink()")
    done = subprocess.run([python, "-c", render, str(source), str(target), json.dumps(parameters), suffix],
                          capture_output=True, text=True)
    time.sleep(0.2)
    if not notebook.exists():
        print(f"ERROR: No such file or directory (os error 2): {notebook}", file=sys.stderr)
        return 1
    notebook.unlink()
    with open(os.environ["STAND_IN_LOG"], "a", encoding="utf-8") as log:
        log.write(json.dumps({"cwd": os.getcwd(), "project": Path("_quarto.yml").exists(), "source": str(source),
                              "options": options,
                              "parameters": parameters, "returncode": done.returncode}) + "\n")
    if done.returncode:
        print(done.stderr, file=sys.stderr)
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
