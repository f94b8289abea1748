"""Export: a million feedback responses and a million reactions from SQLite to CSV.

Setup bulk-inserts the rows with the sqlite3 module's executemany (the example paper, 4
channels, 20 posts, 20,000 participants). Then, each in a subprocess of its own whose peak
memory is read with getrusage(RUSAGE_CHILDREN).ru_maxrss:

- baseline: the `sqlite3` command-line shell dumping both tables with `-csv -header`
  (`apt-get install -y sqlite3` if it is missing; without it the baseline is Python's sqlite3
  module and csv writer, and the output says so);
- second baseline: Python's sqlite3 module and csv writer dumping the same tables;
- engage: `engage export --format csv` (the real command, joins, privacy and formula
  neutralisation included), then `--format xlsx`.

Targets: engage's CSV export within 2x the sqlite3 shell's time, under 200 MB peak memory.

    .venv/bin/python -m bench.export [--rows 1000000] [--xlsx-rows N] [--skip-xlsx]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.config import EXAMPLE_PAPER
from bot.domain import Platform, PostKind
from bot.forms import NATURE_OPTIONS, ROLE_OPTIONS
from bot.paper import load_paper
from bot.ports import NewPost
from storage.migrate import upgrade
from storage.store import SqlStore

PARTICIPANTS = 20_000
EMOJI = ("👍", "🤔", "👎", "💡", "🎉", "+1")
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
DUMPS = {"feedback": "SELECT * FROM feedback", "reactions": "SELECT * FROM reactions"}

# Runs `argv` and prints its time and peak memory as JSON; a process of its own, so that
# RUSAGE_CHILDREN covers exactly the one command.
MEASURE = textwrap.dedent(
    """
    import json, resource, subprocess, sys, time
    start = time.perf_counter()
    with open(sys.argv[1], "wb") as out:
        done = subprocess.run(sys.argv[2:], stdout=out, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
                      "peak_mb": usage.ru_maxrss / 1024, "status": done.returncode,
                      "stderr": done.stderr.decode()[-2000:]}))
    """
)

PYTHON_DUMP = textwrap.dedent(
    """
    import csv, sqlite3, sys
    db = sqlite3.connect(sys.argv[1])
    for table in ("feedback", "reactions"):
        cursor = db.execute(f"SELECT * FROM {table}")
        with open(f"{sys.argv[2]}/{table}.csv", "w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow([c[0] for c in cursor.description])
            while rows := cursor.fetchmany(5000):
                writer.writerows(rows)
    """
)


@dataclass(frozen=True, kw_only=True)
class Run:
    """One measured command."""

    name: str
    wall: float
    cpu: float
    peak_mb: float


def _stamp(when: datetime) -> str:
    # storage.types stores UTC as naive text in SQLAlchemy's SQLite format.
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


async def _skeleton(url: str) -> list[int]:
    """The paper, channels and sent posts, through the store; returns the post ids."""
    store = SqlStore.open(url)
    paper = load_paper(EXAMPLE_PAPER)
    post_ids = []
    try:
        async with store.transaction() as tx:
            await tx.save_paper(paper=paper, now=T0)
            for c in range(4):
                platform = Platform.SLACK if c % 2 == 0 else Platform.TEAMS
                channel = await tx.upsert_channel(
                    platform=platform, workspace_id=f"W{c}", external_id=f"C{c}", name=f"ch-{c}"
                )
                for section in paper.sections:
                    post, _ = await tx.enqueue_post(
                        new=NewPost(
                            kind=PostKind.SECTION,
                            channel_id=channel.id,
                            idempotency_key=f"{section.id}:{c}",
                            paper_id=paper.id,
                            section_id=section.id,
                            section_version=section.version,
                        ),
                        now=T0,
                    )
                    sent = await tx.mark_post_sent(
                        post_id=post.id, message_ids=[f"m{post.id}"], now=T0
                    )
                    post_ids.append(sent.id)
    finally:
        await store.close()
    return post_ids


def populate(path: Path, *, rows: int) -> None:
    """A database with `rows` feedback responses and `rows` reactions."""
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url)
    post_ids = asyncio.run(_skeleton(url))
    db = sqlite3.connect(path)
    with db:
        db.executemany(
            "INSERT INTO participants (id, key, platform, workspace_id, user_id, display_name,"
            " organisation, created_at) VALUES (?, ?, 'slack', 'W0', ?, ?, ?, ?)",
            (
                (i, f"p_{i:012x}", f"U{i:08d}", f"Member {i}", f"Council {i % 300}", _stamp(T0))
                for i in range(1, PARTICIPANTS + 1)
            ),
        )
        posts = db.execute("SELECT id, paper_id, section_id, section_version FROM posts").fetchall()
        db.executemany(
            "INSERT INTO feedback (post_id, participant_id, paper_id, section_id,"
            " section_version, answers, nature, role, event_id, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (_feedback(i, posts) for i in range(rows)),
        )
        db.executemany(
            "INSERT INTO reactions (post_id, participant_id, emoji, message_id, added_at,"
            " removed_at) VALUES (?, ?, ?, 'm', ?, ?)",
            (_reaction(i, post_ids) for i in range(rows)),
        )
    db.execute("ANALYZE")
    db.close()


def _feedback(i: int, posts: list[tuple[int, str, str, str]]) -> tuple[object, ...]:
    post_id, paper_id, section_id, version = posts[i % len(posts)]
    nature, role = NATURE_OPTIONS[i % len(NATURE_OPTIONS)], ROLE_OPTIONS[i % len(ROLE_OPTIONS)]
    answers = {
        "nature": nature,
        "summary": f"{'=' if i % 50 == 0 else ''}Point {i} about shared costs and data",
        "details": 'Longer thoughts, with commas, "quotes" and a second line.\n' * 3,
        "role": role,
        "org": f"Council {i % 300}",
        "email": f"member{i % PARTICIPANTS}@example.org",
    }
    participant = i % PARTICIPANTS + 1
    when = _stamp(T0 + timedelta(seconds=i))
    return (
        post_id,
        participant,
        paper_id,
        section_id,
        version,
        json.dumps(answers),
        nature,
        role,
        f"e{i}",
        when,
    )


def _reaction(i: int, post_ids: list[int]) -> tuple[object, ...]:
    # Unique (post, participant, emoji) for up to posts × participants × emoji rows.
    post = post_ids[i % len(post_ids)]
    participant = (i // len(post_ids)) % PARTICIPANTS + 1
    emoji = EMOJI[i // (len(post_ids) * PARTICIPANTS)]
    removed = _stamp(T0 + timedelta(seconds=i + 60)) if i % 10 == 0 else None
    return (post, participant, emoji, _stamp(T0 + timedelta(seconds=i)), removed)


def measure(name: str, argv: list[str], *, stdout: Path, env: dict[str, str]) -> Run:
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(stdout), *argv],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    figures = json.loads(done.stdout)
    if figures["status"] != 0:
        raise SystemExit(f"{name} failed:\n{figures['stderr']}")
    run = Run(name=name, wall=figures["wall"], cpu=figures["cpu"], peak_mb=figures["peak_mb"])
    print(f"{run.name:<24}{run.wall:>10.2f}{run.cpu:>10.2f}{run.peak_mb:>10.0f}", flush=True)
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--skip-xlsx", action="store_true")
    args = parser.parse_args()
    if args.rows > 20 * PARTICIPANTS * len(EMOJI):
        raise SystemExit(f"--rows is at most {20 * PARTICIPANTS * len(EMOJI)}")
    work = Path(tempfile.mkdtemp(prefix="engage-bench-export-"))
    try:
        database = work / "engage.db"
        started = time.perf_counter()
        populate(database, rows=args.rows)
        print(
            f"setup: {args.rows:,} feedback + {args.rows:,} reactions "
            f"in {time.perf_counter() - started:.1f} s "
            f"({database.stat().st_size / 2**20:.0f} MB database)",
            flush=True,
        )
        env = {**os.environ, "ENGAGE_DATABASE_URL": f"sqlite+aiosqlite:///{database}"}
        print(f"{'run':<24}{'wall s':>10}{'cpu s':>10}{'peak MB':>10}", flush=True)
        runs = []
        shell = shutil.which("sqlite3")
        if shell:
            for table, query in DUMPS.items():
                runs.append(
                    measure(
                        f"sqlite3 -csv {table}",
                        [shell, "-csv", "-header", str(database), query],
                        stdout=work / f"shell-{table}.csv",
                        env=env,
                    )
                )
        else:
            print(
                "the sqlite3 shell is missing (apt-get install -y sqlite3): "
                "the baseline is Python's sqlite3 module and csv writer"
            )
        (work / "python").mkdir()
        runs.append(
            measure(
                "python sqlite3+csv",
                [sys.executable, "-c", PYTHON_DUMP, str(database), str(work / "python")],
                stdout=work / "python.log",
                env=env,
            )
        )
        engage = [sys.executable, "-m", "bot.cli", "export"]
        runs.append(
            measure(
                "engage export csv",
                [*engage, "--format", "csv", "-o", str(work / "csv")],
                stdout=work / "csv.log",
                env=env,
            )
        )
        if not args.skip_xlsx:
            runs.append(
                measure(
                    "engage export xlsx",
                    [*engage, "--format", "xlsx", "-o", str(work / "out.xlsx")],
                    stdout=work / "xlsx.log",
                    env=env,
                )
            )
        report(runs, shell_used=bool(shell))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report(runs: list[Run], *, shell_used: bool) -> None:
    shell = [r for r in runs if r.name.startswith("sqlite3")]
    baseline_name = "sqlite3 shell" if shell_used else "python sqlite3+csv"
    baseline = shell or [r for r in runs if r.name == "python sqlite3+csv"]
    base_wall = sum(r.wall for r in baseline)
    base_cpu = sum(r.cpu for r in baseline)
    python = next(r for r in runs if r.name == "python sqlite3+csv")
    ours = next(r for r in runs if r.name == "engage export csv")
    print(
        f"csv vs {baseline_name}: {ours.wall / base_wall:.2f}x wall, "
        f"{ours.cpu / base_cpu:.2f}x cpu (target at most 2x); "
        f"peak {ours.peak_mb:.0f} MB (target under 200 MB)"
    )
    print(
        f"csv vs python sqlite3+csv: {ours.wall / python.wall:.2f}x wall, "
        f"{ours.cpu / python.cpu:.2f}x cpu"
    )


if __name__ == "__main__":
    main()
