"""Time `consolidator survey run` on many answers: the whole command, and each stage of it.

    python benchmarks/survey.py --answers 100000 --files 10 [--stress]

Writes `--answers` questionnaires over the first half of 2025 into `--files` files, with a fixed seed,
as the ministry gets them: most from the feedback platform, as CSV exports (the platform checks its
own form: no answer is wrong, but the last export runs a few days past the period, and 3 % of the open
answers asked for are skipped), the rest entered from paper questionnaires into two workbooks (one
questionnaire in a hundred with an error, 10 % of the open answers skipped). With --stress every file
gets the paper rate of errors and of skipped open answers: every file is returned, with thousands of
remarks.
Then runs the command `--repeat` times, each in a fresh process (interpreter start included), timed
from outside (wall and CPU of the process and its workers; the machine's load average beside each,
since a shared machine's other work shows in the wall time), and once more in this process for the
stages (`Batch.timings`). Prints the figures (median and best); with --json, writes them there too.

Run it with the interpreter of an environment that has only the package installed (`pip install .`),
as a user's has.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

PLACES = ["город Новосибирск"] * 8 + ["Новосибирский район", "город Бердск", "Искитимский район", "Коченевский р-н",
                                      "г. Искитим", "Тогучинский район", "Карасукский район", "Баганский район"]
USE = ["Пользуюсь постоянно", "Пользуюсь время от времени", "Вообще не пользуюсь", "1", "2", "3"]
OPEN = ["Не нашел сроки приема заявок", "Сложная навигация", "Нет информации о грантах", "Публикаций почти нет"]


def answers(rng: random.Random, n: int, errors: float, skipped: float, late: float = 0.0) -> list[list]:
    start = datetime(2025, 1, 1, 8)
    rows = []
    for i in range(n):
        when = start + timedelta(minutes=rng.randrange(180 * 24 * 60))
        if rng.random() < late:
            when = datetime(2025, 7, rng.randint(1, 4), 10)  # past the period: an error, the row left out
        row = ["Министерство экономического развития Новосибирской области", rng.choice(PLACES), when,
               rng.choice(["Скорее удовлетворен", "Скорее не удовлетворен", "1"])]
        row += [rng.choice(USE) for _ in range(4)]
        for _ in range(4):
            score = rng.choice([1, 2, 3, 4, 5, 5, 4, 4, None])
            row += [score, rng.choice(OPEN) if score is not None and score <= 3 and rng.random() >= skipped else ""]
        if rng.random() < errors:
            row[8] = 6  # a score out of the scale: an error, the row left out
        rows.append(row)
    return rows


def generate(work: Path, total: int, files: int, stress: bool = False, seed: int = 16) -> Path:
    from openpyxl import Workbook

    from consolidator.profile import load_profile

    profile = load_profile("nso-econ")
    # The columns in the blank's order: ministry, municipality, date, (21), (22.N)…, then (23.N) with its open answer.
    order = profile.keys
    base = ["ministry", "municipality", "when", "satisfied", "use_1", "use_2", "use_3", "use_4",
            "score_1", "open_1", "score_2", "open_2", "score_3", "open_3", "score_4", "open_4"]
    inbox = work / "ответы"
    shutil.rmtree(inbox, ignore_errors=True)
    rng = random.Random(seed)
    # Two files of paper questionnaires (8 % of the answers), the rest the platform's exports.
    paper = min(2, files - 1) if files > 1 else 0
    exports = files - paper
    per_file = [round(total * 0.04) if i < paper else 0 for i in range(files)]
    rest = total - sum(per_file)
    for j in range(exports):
        per_file[paper + j] = rest // exports + (1 if j < rest % exports else 0)
    for i, n in enumerate(per_file):
        is_paper = i < paper
        errors, skipped = (0.01, 0.10) if is_paper or stress else (0.0, 0.03)
        late = 0.003 if i == files - 1 and not stress else 0.0
        rows = [[dict(zip(base, r))[k] for k in order] for r in answers(rng, n, errors, skipped, late)]
        headers = [c.header for c in profile.columns]
        if not is_paper:
            path = inbox / "Платформа обратной связи" / f"выгрузка {i + 1 - paper}.csv"
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "w", encoding="utf-8-sig", newline="") as fh:
                w = csv.writer(fh, delimiter=";")
                w.writerow(headers)
                w.writerows([[v.strftime("%Y-%m-%d %H:%M:%S") if isinstance(v, datetime) else ("" if v is None else v)
                              for v in r] for r in rows])
        else:
            path = inbox / f"Подразделение {i + 1}" / "бумажные анкеты.xlsx"
            path.parent.mkdir(parents=True, exist_ok=True)
            wb = Workbook(write_only=True)
            ws = wb.create_sheet("Ответы")
            ws.append(headers)
            for r in rows:
                ws.append(r)
            wb.save(path)
    return inbox


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--answers", type=int, default=100_000)
    parser.add_argument("--files", type=int, default=10)
    parser.add_argument("--work", type=Path, default=None, help="Where to write the answers and results.")
    parser.add_argument("--stress", action="store_true", help="Every file with the paper rate of errors.")
    parser.add_argument("--repeat", type=int, default=3, help="How many times the command is run.")
    parser.add_argument("--jobs", type=int, default=None, help="The command's --jobs (default: its own).")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="survey_bench_"))
    started = time.perf_counter()
    inbox = generate(work, args.answers, args.files, args.stress)
    print(f"{args.answers} анкет в {args.files} файлах записаны за {time.perf_counter() - started:.1f} с: {inbox}")

    out = work / "результаты"
    # -P: the package installed, not this checkout's sources from the folder it is run in.
    command = [sys.executable, "-P", "-m", "consolidator", "survey", "run", str(inbox), "--out", str(out),
               "--period", "2025-01..2025-06", "--date", "2025-07-07"]
    if args.jobs:
        command += ["--jobs", str(args.jobs)]
    runs = []
    for _ in range(max(1, args.repeat)):
        started, before = time.perf_counter(), os.times()
        done = subprocess.run(command, capture_output=True, text=True)
        wall, after = time.perf_counter() - started, os.times()
        if done.returncode not in (0, 1):  # 1: files with errors returned, as generated
            sys.exit(f"the command failed with exit code {done.returncode}:\n{done.stderr}")
        cpu = (after.children_user + after.children_system) - (before.children_user + before.children_system)
        runs.append({"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "load_average": round(os.getloadavg()[0], 2)})
        print(f"  запуск: {wall:.1f} с, процессор {cpu:.1f} с, средняя загрузка машины {os.getloadavg()[0]:.1f}")
    walls = sorted(r["wall_s"] for r in runs)
    wall, best = walls[len(walls) // 2], walls[0]
    cpu = sorted(r["cpu_s"] for r in runs)[len(runs) // 2]

    from consolidator.survey import SurveySettings, run_survey

    settings = SurveySettings.make(inbox, work / "результаты-этапы", date(2025, 7, 7), "nso-econ", "2025-01..2025-06")
    started = time.perf_counter()
    result = run_survey(settings)
    in_process = time.perf_counter() - started
    stages = {k: round(v, 2) for k, v in result.batch.timings.items()}
    figures = {"answers": args.answers, "files": args.files, "stress": args.stress, "counted": result.counted_total,
               "remarks": sum(len(f.remarks) for f in result.batch.files),
               "returned": sum(f.verdict == "returned" for f in result.batch.files),
               "command_median_s": wall, "command_best_s": best, "command_cpu_median_s": cpu, "runs": runs,
               "in_process_s": round(in_process, 2), "stages_s": stages,
               "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} ядер, Python "
                          f"{platform.python_version()}"}
    print(f"consolidator survey run: медиана {wall:.1f} с, лучший {best:.1f} с из {len(runs)} (отдельный процесс, с "
          f"запуском Python; процессор — {cpu:.1f} с); в этом процессе {in_process:.1f} с; учтено анкет: "
          f"{result.counted_total} из {args.answers}; замечаний: {figures['remarks']}, файлов возвращено: "
          f"{figures['returned']}.")
    print("Этапы, с: " + "; ".join(f"{k} {v}" for k, v in stages.items()))
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
