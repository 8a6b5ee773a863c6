#!/usr/bin/env python3
"""Write the satisfaction survey's sample answers and their oracle:

- sample_inputs/nso-econ/ — what the unit authorised for client focus at the министерство
  экономического развития НСО holds after two quarters of the survey (п. 11 Порядка): the feedback
  platform's CSV exports of both quarters, the paper questionnaires entered into the entry blank
  (`consolidator survey template`) by quarter, a workbook a municipality made its own way (codes only
  in the header, answers in other spellings), a cover letter and an Excel lock file;
- sample_inputs/nso-econ-list/ — the ministry's approved list of interaction points in the
  Novosibirsk form (п. 3 Порядка), for `--list`; it has no point for «Одноклассники»;
- tests/sample_expectations_nso-econ.json — the oracle: every file's verdict, rows, rows counted and
  remarks [code, cell], and the tally of the counted answers, all worked out here from what was
  generated and planted (not by running the program).

Respondents are drawn with a fixed seed (satisfaction rising month by month, the sources used and rated
as a ministry's are, most answers from Novosibirsk, a few from the small districts); the errors are
planted by hand. Reruns give the same files.

`python scripts/make_samples_survey.py`
"""
from __future__ import annotations

import csv
import io
import random
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_samples import dumps, fix_zip_dates, lock_file  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
INBOX = ROOT / "sample_inputs" / "nso-econ"
LIST_DIR = ROOT / "sample_inputs" / "nso-econ-list"
ORACLE = ROOT / "tests" / "sample_expectations_nso-econ.json"
SEED = 20250707
SAVED = datetime(2025, 7, 4, 9, 30)

sys.path.insert(0, str(ROOT))
from consolidator.outputs.survey_blank import FIRST_DATA_ROW, SUBDIVISION_ROW, write_blank  # noqa: E402
from consolidator.profile import load_profile  # noqa: E402

PROFILE = load_profile("nso-econ")
KEYS = PROFILE.keys
MINISTRY = "Министерство экономического развития Новосибирской области"
SATISFIED, NOT_SATISFIED = "Скорее удовлетворен", "Скорее не удовлетворен"
USE = ("Пользуюсь постоянно", "Пользуюсь время от времени", "Вообще не пользуюсь")
SOURCES = (1, 2, 3, 4)

# Where the answers come from (weights): mostly Novosibirsk and around it, a few small districts.
PLACES = {
    "город Новосибирск": 40, "Новосибирский район": 7, "город Бердск": 5, "город Искитим": 3, "город Обь": 2,
    "рабочий поселок Кольцово": 3, "Искитимский район": 3, "Коченевский район": 2.5, "Колыванский район": 2,
    "Тогучинский район": 2, "Черепановский район": 2, "Куйбышевский район": 2, "Барабинский район": 2,
    "Карасукский район": 1.5, "Купинский район": 1, "Татарский район": 1.2, "Ордынский район": 1.5,
    "Мошковский район": 1.5, "Маслянинский район": 1, "Сузунский район": 1, "Болотнинский район": 1,
    "Чулымский район": 0.8, "Каргатский район": 0.5, "Краснозерский район": 0.6, "Венгеровский район": 0.3,
    "Баганский район": 0.3, "Здвинский район": 0.2, "Кочковский район": 0.3, "Чановский район": 0.4,
    "Убинский район": 0.2, "Чистоозерный район": 0.2,
}
# Usual spellings a person writes (all of them in the profile's aliases).
SPELLINGS = {"город Новосибирск": ["г. Новосибирск", "Новосибирск"], "город Бердск": ["Бердск", "г. Бердск"],
             "город Искитим": ["г. Искитим"], "Коченевский район": ["Коченевский р-н"],
             "Новосибирский район": ["Новосибирский муниципальный район"], "рабочий поселок Кольцово": ["р.п. Кольцово"],
             "Тогучинский район": ["г. Тогучин"]}
USE_P = {1: (0.47, 0.39, 0.14), 2: (0.31, 0.40, 0.29), 3: (0.21, 0.40, 0.39), 4: (0.05, 0.19, 0.76)}
SCORE_P = {1: (0.03, 0.06, 0.13, 0.36, 0.42), 2: (0.02, 0.04, 0.10, 0.31, 0.53),
           3: (0.06, 0.09, 0.18, 0.33, 0.34), 4: (0.13, 0.15, 0.22, 0.27, 0.23)}
OPEN = {
    1: ["Не нашел сроки приема заявок на субсидию", "Сложная навигация, долго искал нужный раздел",
        "Поиск по сайту не находит документы", "Устаревшая информация о мерах поддержки",
        "Нет информации о мерах поддержки для самозанятых", "Документы открываются только после скачивания"],
    2: ["Мало подробностей о программах поддержки", "Нет ссылок на документы и формы",
        "Публикации дублируют сайт без пояснений"],
    3: ["Страница редко обновляется", "Не отвечают на вопросы в комментариях", "Нет информации о грантах",
        "Сложно найти нужный пост"],
    4: ["Публикаций почти нет", "Не нашел страницу министерства", "Информация устаревшая",
        "Не знал, что такая страница есть"],
}


@dataclass
class Answer:
    """One respondent: canonical answers, as the generator drew them."""
    municipality: str
    when: datetime
    satisfied: str
    use: dict[int, str]
    score: dict[int, int | None]
    open: dict[int, str]
    errors: list[tuple[str, str]] = field(default_factory=list)  # planted: (code, column key)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    shown: dict[str, object] = field(default_factory=dict)  # a cell written otherwise than canonical

    def counted(self) -> bool:
        return not self.errors


def draw(rng: random.Random, start: datetime, days: int, time: bool, open_p: float) -> Answer:
    when = start + timedelta(days=rng.randrange(days))
    if time:
        when = when.replace(hour=rng.randint(8, 19), minute=rng.randrange(60))
    month = when.month - 1
    satisfied = SATISFIED if rng.random() < 0.70 + 0.025 * month else NOT_SATISFIED
    shift = 0 if satisfied == SATISFIED else 1
    a = Answer(rng.choices(list(PLACES), list(PLACES.values()))[0], when, satisfied, {}, {}, {})
    for s in SOURCES:
        a.use[s] = rng.choices(USE, USE_P[s])[0]
        if a.use[s] == USE[2] and rng.random() < 0.55:
            a.score[s] = None  # a source never used is often not rated
        else:
            score = rng.choices((1, 2, 3, 4, 5), SCORE_P[s])[0]
            a.score[s] = max(1, score - shift) if rng.random() < 0.6 else score
        low = a.score[s] is not None and a.score[s] <= 3
        a.open[s] = rng.choice(OPEN[s]) if low and rng.random() < open_p else ""
        if low and not a.open[s]:
            a.warnings.append(("ECON-OPEN", f"open_{s}"))
    return a


def draw_many(rng, n, start, days, time, open_p) -> list[Answer]:
    out, seen = [], set()
    while len(out) < n:
        a = draw(rng, start, days, time, open_p)
        key = canonical_key(a)
        if key not in seen:  # an accidental repeat would be a remark nobody planted
            seen.add(key)
            out.append(a)
    return out


def canonical_key(a: Answer) -> tuple:
    return (a.municipality, a.when, a.satisfied, tuple(a.use.values()), tuple(a.score.values()), tuple(a.open.values()))


def values_of(a: Answer, codes: bool, spelling: random.Random | None, time: bool) -> dict[str, object]:
    """The cells of one respondent's row, by column key."""
    municipality = a.municipality
    if spelling is not None and municipality in SPELLINGS and spelling.random() < 0.5:
        municipality = spelling.choice(SPELLINGS[municipality])
    out = {"ministry": MINISTRY, "municipality": municipality,
           "when": a.when if time is None else (a.when.strftime("%Y-%m-%d %H:%M:%S") if time else a.when),
           "satisfied": ("1" if a.satisfied == SATISFIED else "2") if codes else a.satisfied}
    for s in SOURCES:
        out[f"use_{s}"] = str(USE.index(a.use[s]) + 1) if codes else a.use[s]
        out[f"score_{s}"] = a.score[s]
        out[f"open_{s}"] = a.open[s]
    out.update(a.shown)
    return out


# --- the files ---------------------------------------------------------------------------------------

@dataclass
class File:
    path: str
    subdivision: str
    sheet: str
    columns: list[str]  # column keys, in the file's order
    first_row: int  # Excel row of the first answer
    answers: list[Answer]
    file_remarks: list[str] = field(default_factory=list)

    def cell(self, index: int, key: str) -> str:
        return f"{get_column_letter(self.columns.index(key) + 1)}{self.first_row + index}"


CSV_HEADERS = {"ministry": "11 Министерство", "municipality": "12 Муниципальный район или городской округ",
               "when": "13 Дата и время получения услуги / заполнения анкеты",
               "satisfied": "21 Удовлетворенность информацией о деятельности ведомства в целом"}
SOURCE_NAMES = {s.number: s.name for s in PROFILE.survey.sources}


def csv_header(key: str) -> str:
    if key in CSV_HEADERS:
        return CSV_HEADERS[key]
    kind, n = key.rsplit("_", 1)
    code = {"use": "22", "score": "23", "open": "23"}[kind] + "." + n
    return f"{code} уточнение" if kind == "open" else f"{code} {SOURCE_NAMES[int(n)]}"


def platform_export(path: Path, f: File) -> None:
    """The feedback platform's CSV: «;», UTF-8 with a BOM, one line a questionnaire."""
    out = io.StringIO()
    w = csv.writer(out, delimiter=";", lineterminator="\r\n")
    w.writerow([csv_header(k) for k in f.columns])
    for a in f.answers:
        v = values_of(a, codes=False, spelling=None, time=True)
        w.writerow(["" if v[k] is None else v[k] for k in f.columns])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xef\xbb\xbf" + out.getvalue().encode("utf-8"))


def entry_blank(path: Path, f: File, rng: random.Random) -> None:
    """The entry blank of `consolidator survey template`, filled as an official would: codes for the
    closed answers, dates of the questionnaires."""
    with tempfile.TemporaryDirectory() as tmp:
        blank = write_blank(PROFILE, Path(tmp) / "blank.xlsx", rows=max(100, len(f.answers) + 20))
        wb = openpyxl.load_workbook(blank)
    ws = wb["Ответы"]
    ws.cell(SUBDIVISION_ROW, 3).value = f.subdivision
    for i, a in enumerate(f.answers):
        v = values_of(a, codes=True, spelling=rng, time=False)
        for c, key in enumerate(f.columns, 1):
            value = v[key]
            if key.startswith("use_") or key == "satisfied":
                value = int(value) if isinstance(value, str) and value.isdigit() else value
            cell = ws.cell(FIRST_DATA_ROW + i, c)
            cell.value = value if value != "" else None
            if isinstance(value, str):
                cell.data_type = "s"
    save(wb, path)


def own_workbook(path: Path, f: File) -> None:
    """A municipality's own workbook: a title, the codes alone as the header, answers in words."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = f.sheet
    ws["A1"] = "Результаты анкетирования посетителей МФЦ г. Бердска, II квартал 2025 г."
    ws["A1"].font = openpyxl.styles.Font(bold=True, size=12)
    header = {"ministry": "(11)", "municipality": "(12)", "when": "(13)", "satisfied": "(21)"}
    for c, key in enumerate(f.columns, 1):
        kind, _, n = key.partition("_")
        text = header.get(key) or (f"({'22' if kind == 'use' else '23'}.{n})" + (" уточнение" if kind == "open" else ""))
        ws.cell(3, c, text).font = openpyxl.styles.Font(bold=True)
        ws.column_dimensions[get_column_letter(c)].width = 16
    for i, a in enumerate(f.answers):
        v = values_of(a, codes=False, spelling=None, time=False)
        v["ministry"] = "Минэкономразвития НСО"
        v["municipality"] = "г. Бердск"
        v["when"] = a.when.strftime("%d.%m.%Y")
        v["satisfied"] = "Скорее удовлетворена" if a.satisfied == SATISFIED and i % 2 else v["satisfied"]
        v.update(a.shown)
        for c, key in enumerate(f.columns, 1):
            value = v[key]
            cell = ws.cell(f.first_row + i, c, None if value in ("", None) else value)
            if isinstance(value, str):
                cell.data_type = "s"
    last = f.first_row + len(f.answers) + 1
    ws.cell(last, 1, "Ответственный: специалист МФЦ Петрова А.С.")
    save(wb, path)


def save(wb, path: Path) -> None:
    wb.properties.creator = wb.properties.lastModifiedBy = "Специалист"
    wb.properties.created = wb.properties.modified = SAVED
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    fix_zip_dates(path, SAVED)


# --- planting ----------------------------------------------------------------------------------------

def plant(a: Answer, code: str, key: str, shown: object, error: bool = True) -> None:
    a.shown[key] = shown
    (a.errors if error else a.warnings).append((code, key))
    if key.startswith("score_"):
        # The open answer is asked after a score of 1–3 only: a score that is no score asks for none.
        a.warnings = [w for w in a.warnings if w != ("ECON-OPEN", "open_" + key.split("_")[1])]


def files(rng: random.Random) -> list[tuple[File, str]]:
    q1, q2 = datetime(2025, 1, 9), datetime(2025, 4, 1)
    platform = "Платформа обратной связи"
    small_business = "Отдел развития малого и среднего предпринимательства"
    berdsk = "Администрация города Бердска"
    out = []

    # The platform's exports: clean but for a tester's answer and one dated before the period.
    f = File(f"{platform}/Выгрузка ПОС 1 квартал 2025.csv", platform, "CSV", list(KEYS), 2,
             draw_many(rng, 230, q1, 82, True, 0.95))
    plant(f.answers[17], "ECON-MUNICIPALITY", "municipality", "Тестовый район")
    f.answers[118].when = datetime(2024, 12, 30, 16, 5)
    f.answers[118].errors.append(("ECON-PERIOD", "when"))
    out.append((f, "csv"))
    out.append((File(f"{platform}/Выгрузка ПОС 2 квартал 2025.csv", platform, "CSV", list(KEYS), 2,
                     draw_many(rng, 250, q2, 91, True, 0.95)), "csv"))

    # Paper questionnaires of the first quarter, entered with mistakes.
    f = File(f"{small_business}/Бумажные анкеты январь–март 2025.xlsx", small_business, "Ответы", list(KEYS),
             FIRST_DATA_ROW, draw_many(rng, 55, q1, 82, False, 0.85))
    plant(f.answers[4], "ECON-MUNICIPALITY", "municipality", "Маслянинскй район")
    plant(f.answers[11], "ECON-SCORE", "score_1", 6)
    plant(f.answers[19], "ECON-USE", "use_2", "редко")
    plant(f.answers[27], "ECON-EMPTY-MUNICIPALITY", "municipality", "")
    plant(f.answers[33], "ECON-SATISFIED", "satisfied", "3")
    # A questionnaire entered twice: the same cells (the municipality spelt the same way) in both rows.
    f.answers[8].shown["municipality"] = f.answers[8].municipality
    f.answers[40] = Answer(**{**f.answers[8].__dict__, "errors": [], "warnings": list(f.answers[8].warnings),
                              "shown": dict(f.answers[8].shown)})
    f.answers[40].warnings.append(("ECON-DUP", "municipality"))
    out.append((f, "blank"))
    out.append((File(f"{small_business}/Бумажные анкеты апрель–июнь 2025.xlsx", small_business, "Ответы",
                     list(KEYS), FIRST_DATA_ROW, draw_many(rng, 60, q2, 91, False, 0.85)), "blank"))

    # Berdsk's MFC: its own workbook.
    answers = draw_many(rng, 28, datetime(2025, 4, 7), 80, False, 0.9)
    for a in answers:
        a.municipality = "город Бердск"
    f = File(f"{berdsk}/анкеты МФЦ Бердск.xlsx", berdsk, "Анкеты", list(KEYS), 4, answers)
    plant(answers[6], "ECON-SCORE", "score_3", "4,5")
    plant(answers[15], "ECON-DATE", "when", "31.04.2025")
    out.append((f, "own"))
    return out


def expectation(f: File) -> dict:
    remarks = []
    for i, a in enumerate(f.answers):
        for code, key in a.errors + a.warnings:
            remarks.append([code, f.cell(i, key)])
    errors = any(a.errors for a in f.answers)
    return {"verdict": "returned" if errors else "accepted", "subdivision": f.subdivision, "sheet": f.sheet,
            "rows": len(f.answers), "counted": sum(a.counted() for a in f.answers),
            "remarks": sorted(remarks, key=lambda r: (int("".join(ch for ch in r[1] if ch.isdigit())), r[1], r[0]))}


def tally(answers: list[Answer]) -> dict:
    """What the results must say, counted here from the generated answers."""
    counted = [a for a in answers if a.counted()]
    out = {"answers": len(answers), "counted": len(counted),
           "satisfied": [sum(a.satisfied == SATISFIED for a in counted), len(counted)],
           "scores": {}, "use": {}}
    for s in SOURCES:
        scores = [a.score[s] for a in counted if a.score[s] is not None]
        out["scores"][str(s)] = [scores.count(k) for k in range(1, 6)]
        out["use"][str(s)] = [sum(a.use[s] == u for a in counted) for u in USE]
    return out


# --- the approved list -------------------------------------------------------------------------------

LIST_POINTS = [
    ("3", "Обеспечение доступа к информации о деятельности министерства", "Размещение информации о деятельности министерства",
     "Официальный сайт министерства экономического развития Новосибирской области (econom.nso.ru)",
     "Размещение новостей, нормативных правовых актов, информации о мерах поддержки", "Взаимодействие в цифровой точке"),
    ("3", "Обеспечение доступа к информации о деятельности министерства", "Размещение информации о деятельности министерства",
     "Официальный канал министерства в мессенджере «Телеграм»", "Размещение новостей и анонсов мероприятий",
     "Взаимодействие в цифровой точке"),
    ("3", "Обеспечение доступа к информации о деятельности министерства", "Размещение информации о деятельности министерства",
     "Официальная страница министерства в социальной сети «ВКонтакте»", "Размещение новостей, ответы на комментарии",
     "Взаимодействие в цифровой точке"),
    ("2", "Рассмотрение обращений и запросов", "Рассмотрение обращений граждан",
     "Электронная почта министерства", "Направление обращения, получение ответа", "Взаимодействие в цифровой точке"),
    ("2", "Рассмотрение обращений и запросов", "Рассмотрение обращений граждан",
     "Платформа обратной связи", "Направление сообщения, получение ответа", "Взаимодействие в цифровой точке"),
    ("2", "Рассмотрение обращений и запросов", "Рассмотрение обращений граждан",
     "Личный прием в министерстве", "Консультирование, прием обращений", "Взаимодействие в офлайн точке"),
]
LIST_HEADERS = ["Номер группы процессов", "Направление деятельности министерства", "Наименование конкретного процесса",
                "Точка взаимодействия", "Осуществляемое взаимодействие с клиентом", "Особенности взаимодействия с клиентом"]


def approved_list(path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Перечень"
    ws["A1"] = ("ПЕРЕЧЕНЬ точек взаимодействия с внешними и внутренними клиентами в министерстве экономического "
                "развития Новосибирской области (утвержден приказом министерства от 15.02.2024 № 27)")
    for c, h in enumerate(LIST_HEADERS, 1):
        ws.cell(3, c, h).font = openpyxl.styles.Font(bold=True)
        ws.cell(4, c, c)
        ws.column_dimensions[get_column_letter(c)].width = 34
    for r, values in enumerate(LIST_POINTS, 5):
        for c, v in enumerate(values, 1):
            ws.cell(r, c, v)
    save(wb, path)


def main() -> int:
    rng = random.Random(SEED)
    stage = Path(tempfile.mkdtemp(prefix="econ_inbox_"))
    try:
        oracle, everyone = {}, []
        for f, kind in files(rng):
            target = stage / f.path
            if kind == "csv":
                platform_export(target, f)
            elif kind == "blank":
                entry_blank(target, f, rng)
            else:
                own_workbook(target, f)
            oracle[f.path] = expectation(f)
            everyone += f.answers
        letter = stage / "Отдел развития малого и среднего предпринимательства" / "Сопроводительное письмо.txt"
        letter.write_text("Направляем ответы бумажных анкет опроса удовлетворенности за I и II кварталы 2025 г.\n",
                          encoding="utf-8")
        oracle[str(letter.relative_to(stage))] = {"verdict": "skipped"}
        lock = stage / "Отдел развития малого и среднего предпринимательства" / "~$Бумажные анкеты апрель–июнь 2025.xlsx"
        lock.write_bytes(lock_file("Специалист"))
        oracle[str(lock.relative_to(stage))] = {"verdict": "skipped"}
        shutil.rmtree(INBOX, ignore_errors=True)
        shutil.copytree(stage, INBOX)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    shutil.rmtree(LIST_DIR, ignore_errors=True)
    approved_list(LIST_DIR / "Перечень точек взаимодействия (приказ № 27).xlsx")
    ORACLE.write_text(dumps({
        "_about": "Written by scripts/make_samples_survey.py: the expected result of `consolidator survey run "
                  "sample_inputs/nso-econ --period 2025-01..2025-06 --date 2025-07-07`. Keys are paths relative to "
                  "the answers folder; rows: questionnaires read, counted: those counted in the results; remarks "
                  "are [code, cell]. `tally` is counted from the generated answers.",
        "period": "2025-01..2025-06", "date": "2025-07-07",
        "files": dict(sorted(oracle.items())),
        "tally": tally(everyone),
        "list_missing": [4],
    }), encoding="utf-8")
    print(f"{INBOX.relative_to(ROOT)}: {len(oracle)} files, {len(everyone)} questionnaires; oracle {ORACLE.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
