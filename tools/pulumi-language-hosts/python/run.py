"""Runs one Pulumi Python program for pulumi-language-python (this project's test host).

Usage: python -u run.py --monitor ADDR --engine ADDR --project P --stack S [--organization O]
       [--root-directory D] [--pwd DIR] [--parallel N] [--dry-run] PROGRAM [ARGS...]

PROGRAM is a file or a folder holding __main__.py. The stack's configuration is in the
environment (PULUMI_CONFIG, PULUMI_CONFIG_SECRET_KEYS), where the SDK reads it. A failure is
reported to the engine as an error and the script exits 32 (the engine then stops quietly);
when even that report fails, the traceback goes to stderr and the exit is 1.
"""

import argparse
import asyncio
import os
import runpy
import sys
import traceback

from pulumi import log
from pulumi.errors import RunError
from pulumi.runtime.settings import Settings, configure
from pulumi.runtime.stack import run_in_stack

BAIL = 32


def main() -> int:
    parser = argparse.ArgumentParser()
    for name in ("monitor", "engine", "project", "stack", "organization", "root-directory", "pwd", "tracing"):
        parser.add_argument("--" + name)
    parser.add_argument("--parallel", type=int)
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("program")
    parser.add_argument("args", nargs=argparse.REMAINDER)
    a = parser.parse_args()

    configure(
        Settings(
            project=a.project,
            stack=a.stack,
            monitor=a.monitor,
            engine=a.engine,
            parallel=a.parallel,
            dry_run=a.dry_run,
            organization=a.organization,
            root_directory=a.root_directory,
        )
    )
    if a.pwd:
        os.chdir(a.pwd)
    program = os.path.abspath(a.program)
    if os.path.isdir(program):
        program = os.path.join(program, "__main__.py")
    sys.path.insert(0, os.path.dirname(program))
    sys.argv = [program, *a.args]

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(run_in_stack(lambda: runpy.run_path(program, run_name="__main__")))
        return 0
    except Exception as e:  # reported to the engine, which shows it
        message = str(e) if isinstance(e, RunError) else "Program failed with an unhandled exception:\n" + traceback.format_exc()
        try:
            log.error(message)
            return BAIL
        except Exception:
            print(message, file=sys.stderr)
            return 1
    finally:
        loop.close()


if __name__ == "__main__":
    sys.exit(main())
