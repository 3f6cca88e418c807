#!/usr/bin/env python3
"""Execute notebooks/queuecast.ipynb headless with nbclient; fail when any cell fails.

Usage:
    QUEUECAST_STORE=DIR QUEUECAST_EXPORT=DIR python3 notebooks/run_notebook.py [OUT.ipynb]

Runs every cell in a fresh kernel of this interpreter (cwd: notebooks/), with a 20-minute
limit per cell, and writes the executed notebook to OUT.ipynb (default: the system temp
directory). Exit code 0 when every cell ran, 1 when one raised (its traceback is printed),
2 on bad arguments. Without QUEUECAST_STORE/QUEUECAST_EXPORT the notebook builds both from
the bundled sample with the queuecast binary.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

HERE = Path(__file__).resolve().parent


def main() -> int:
    if len(sys.argv) > 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(sys.argv[1]) if len(sys.argv) == 2 else Path(tempfile.gettempdir()) / "queuecast-executed.ipynb"
    nb = nbformat.read(HERE / "queuecast.ipynb", as_version=4)
    client = NotebookClient(nb, timeout=1200, kernel_name="python3", resources={"metadata": {"path": str(HERE)}})
    try:
        client.execute()
    except CellExecutionError as e:
        nbformat.write(nb, out)
        print(f"notebook failed (executed copy: {out}):\n{e}", file=sys.stderr)
        return 1
    nbformat.write(nb, out)
    figures = sum(1 for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {}))
    last = "".join(o.get("text", "") for o in nb.cells[-1].get("outputs", []) if o.get("output_type") == "stream")
    print(f"notebook ran: {len(nb.cells)} cells, {figures} figures; {last.strip()}")
    print(f"executed copy: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
