#!/usr/bin/env python3
"""Write the Novosibirsk sample inboxes and their oracles:

- sample_inputs/nso-minreg/ and tests/sample_expectations_nso-minreg.json — what the deputy minister
  responsible for the list at the министерство региональной политики НСО would find after the
  subdivisions sent their parts of the «перечень точек взаимодействия» (п. 2.4 Порядка);
- sample_inputs/nso-gsn/ and tests/sample_expectations_nso-gsn.json — the same at the инспекция
  государственного строительного надзора НСО (п. 2.4 Порядка инспекции).

One folder per subdivision, each workbook laid out its own way (title rows, merged cells, a signature,
the header with line breaks or in the other Novosibirsk wording, .ods), a few clean, a few with the
defects the rules of rules/nso-minreg.yaml and rules/nso-gsn.yaml catch, a workbook filled in the
inspection's form sent to the ministry, an Excel lock file and a cover letter.

The writing helpers are those of scripts/make_samples.py (its own output is unchanged); the script
places every defect itself and writes the oracle in the format of tests/sample_expectations.json. The
verdict comes from the severities in the profile files. Reruns give the same files (fixed
timestamps); .ods is converted with LibreOffice and kept as committed when `soffice` is absent.

`python scripts/make_samples_nso.py`
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
from datetime import datetime
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_samples as ms  # noqa: E402
from make_samples import Book, Row, Sheet, dumps, lock_file, write_book  # noqa: E402

ROOT = ms.ROOT
FILE = None  # a file-level remark

# Column widths of the Novosibirsk form (the Udmurt script's widths are for its own form).
ms.WIDTHS = {"num": 10, "group": 30, "service": 36, "point": 32, "interaction": 44, "kind": 30}

HEADERS_MINREG = {
    "num": "Номер группы процессов",
    "group": "Направление деятельности министерства",
    "service": "Наименование конкретного процесса",
    "point": "Точка взаимодействия",
    "interaction": "Осуществляемое взаимодействие с клиентом",
    "kind": "Особенности взаимодействия с клиентом",
}
HEADERS_GSN = dict(HEADERS_MINREG, group="Наименование группы процессов")

DIGITAL = "Взаимодействие в цифровой точке"
OFFLINE = "Взаимодействие в офлайн точке"


def row(number, group, service, point, interaction, kind, *expect) -> Row:
    """A data row; `number` is the group's number as the author wrote it."""
    return Row(group, service, point, interaction, kind, number, tuple(expect))


def top(title: str, subdivision: str, label: str = "Структурное подразделение") -> list:
    return [("title", "ПЕРЕЧЕНЬ"), ("line", title), ("line", f"{label}: {subdivision}"), None]


# --- министерство региональной политики НСО ----------------------------------------------------

M1 = "Предоставление мер государственной поддержки"
M2 = "Рассмотрение обращений и запросов"
M3 = "Обеспечение доступа к информации о деятельности министерства"
M4 = "Организация взаимодействия с внутренним клиентом (сотрудником)"
M5A = ("Обеспечение деятельности министерства с внутренним клиентом (сотрудником) по вопросам "
       "информационно-технического обеспечения")
M5B = ("Обеспечение деятельности министерства с внутренним клиентом (сотрудником) по вопросам ведения "
       "бухгалтерского учета")
M5V = ("Обеспечение деятельности министерства с внутренним клиентом (сотрудником) по вопросам "
       "осуществления административно-хозяйственной деятельности")
MINREG_TITLE = ("точек взаимодействия министерства региональной политики Новосибирской области с внешним "
                "и внутренним клиентом")

M_SITE = "Официальный сайт министерства региональной политики Новосибирской области"
M_EMAIL = "Электронная почта министерства"
M_PERSONAL = "Личный прием граждан в министерстве"
M_PHONE = "Телефон приемной министерства"
M_EPGU = "Единый портал государственных и муниципальных услуг (функций)"
M_BUDGET = "ГИС «Электронный бюджет»"
M_SED = "Система электронного документооборота Правительства Новосибирской области"
M_VK = "Официальная страница министерства в социальной сети «ВКонтакте»"
M_TG = "Telegram-канал министерства"
M_POS = "Платформа обратной связи (ПОС) Единого портала государственных услуг"


def minreg_books() -> list[Book]:
    out = []

    # 1. Clean. Title, subdivision line, header on row 5, numbering row, direction and process merged,
    # particulars or the kind in column 6; a signature under the table; a lock file beside it.
    name = "Управление по взаимодействию с органами местного самоуправления"
    s_subs = "Предоставление субсидий местным бюджетам на реализацию инициативных проектов"
    s_award = "Проведение конкурса «Лучшее муниципальное образование Новосибирской области»"
    s_info = "Информирование органов местного самоуправления о мерах государственной поддержки"
    out.append(Book(name, "Перечень точек взаимодействия.xlsx", [Sheet(
        "Лист1", headers=dict(HEADERS_MINREG), top=top(MINREG_TITLE, name),
        footer=[None, ("signature", "Начальник управления", "____________  О.В. Смирнова")],
        rows=[
            row(1, M1, s_subs, M_BUDGET, "Представление заявки на предоставление субсидии, заключение "
                "соглашения, представление отчетности", "Заявки принимаются в сроки, установленные "
                "объявлением об отборе"),
            row(1, M1, s_subs, M_EMAIL, "Получение консультации по подготовке заявки, получение "
                "уведомления о результатах отбора", DIGITAL),
            row(1, M1, s_subs, M_PERSONAL, "Представление документов на бумажном носителе, получение "
                "консультации", "Прием по предварительной записи по телефону"),
            row(1, M1, s_award, M_SITE, "Получение информации о конкурсе, получение форм документов "
                "для участия", DIGITAL),
            row(1, M1, s_award, M_PHONE, "Получение консультации по условиям конкурса",
                "Консультации в рабочие дни с 9:00 до 18:00"),
            row(3, M3, s_info, M_SITE, "Получение информации о мерах поддержки и результатах отборов",
                DIGITAL),
            row(3, M3, s_info, M_TG, "Получение новостей министерства, предоставление обратной связи "
                "в комментариях", DIGITAL),
        ])], datetime(2024, 9, 16, 11, 20), "Смирнова Ольга Викторовна"))

    # 2. Returned. Header on row 4 with line breaks, only the direction merged. A group number that
    # does not agree with the direction (2 under direction 1), the same point twice in one process,
    # a dash instead of particulars, a site said to be an offline point, an interaction that names
    # no need of п. 2.7 (a schedule).
    name = "Отдел развития территориального общественного самоуправления"
    headers = dict(HEADERS_MINREG, group="Направление деятельности\nминистерства",
                   service="Наименование конкретного\nпроцесса", interaction="Осуществляемое\nвзаимодействие с клиентом")
    s_tos = "Предоставление субсидий на реализацию проектов территориального общественного самоуправления"
    s_method = "Оказание методической помощи территориальному общественному самоуправлению"
    out.append(Book(name, "перечень ТОС.xlsx", [Sheet(
        "Перечень", headers=headers, merge=("group",), top=top(MINREG_TITLE, name)[:3],
        rows=[
            row(1, M1, s_tos, M_SITE, "Получение информации о конкурсном отборе проектов, получение форм "
                "документов", OFFLINE, ("MINREG-KIND-AGREE", "kind")),
            row(1, M1, s_tos, M_EMAIL, "Представление заявки и документов, получение уведомления о "
                "результатах отбора", DIGITAL),
            row(2, M1, s_tos, M_PERSONAL, "Представление заявки на бумажном носителе", "-",
                ("MINREG-GROUP-NUM", "num"), ("MINREG-FEATURES-STUB", "kind")),
            row(1, M1, s_tos, "электронная почта министерства", "Получение разъяснений по отчетности",
                DIGITAL, ("MINREG-DUP", "point")),
            row(1, M1, s_method, M_PHONE, "Ежедневно с 9:00 до 18:00, кроме выходных",
                "Консультации ведут специалисты отдела", ("MINREG-NEEDS", "interaction")),
            row(1, M1, s_method, "Семинары для председателей ТОС в муниципальных районах",
                "Получение консультации, получение методических материалов",
                "Проводятся по графику, утвержденному министерством"),
        ])], datetime(2024, 9, 17, 16, 5), "Кузьмина Анна Сергеевна"))

    # 3. Accepted with warnings, .ods. The header in the inspection's wording of column 2 («Наименование
    # группы процессов»), the label «Исполнитель:». A point that is no point (a letter box), a Latin
    # «о» in a process name.
    name = "Отдел по работе с обращениями граждан"
    headers = dict(HEADERS_MINREG, group="Наименование группы процессов")
    s_appeals = "Рассмотрение обращений граждан и организаций"
    out.append(Book(name, "обращения.ods", [Sheet(
        "Лист1", headers=headers, top=top(MINREG_TITLE, name, "Исполнитель"),
        rows=[
            row(2, M2, s_appeals, M_PERSONAL, "Представление устного обращения, получение разъяснения",
                "Прием по графику, размещенному на официальном сайте"),
            row(2, M2, s_appeals, "Интернет-приемная на официальном сайте министерства", "Представление "
                "обращения в форме электронного документа, получение ответа", DIGITAL),
            row(2, M2, s_appeals, M_POS, "Предоставление обратной связи, получение результата "
                "рассмотрения обратной связи", DIGITAL),
            row(2, M2, s_appeals, "Ящик для письменных обращений в холле министерства",
                "Представление письменного обращения", OFFLINE, ("MINREG-POINT-UNKNOWN", "point")),
            row(2, M2, "Рассмотрение запрoсов органов государственной власти и местного самоуправления",
                M_SED, "Получение запроса, направление ответа", DIGITAL, ("MINREG-LATIN", "service")),
        ])], datetime(2024, 9, 18, 9, 40), "Павлова Елена Игоревна", fmt="ods"))

    # 4. Returned. Internal client: directions 4, 5а and 5в written with their numbers as «4», «5.1»
    # and «5 в)». A direction not in п. 2.6, a bare «Информационная система», an empty column 6,
    # «нет» as particulars, a number «6» for direction 5в.
    name = "Отдел информационных технологий и организационной работы"
    s_it = "Обслуживание компьютерной техники и программного обеспечения"
    s_access = "Предоставление доступа к информационным системам"
    s_supply = "Обеспечение канцелярскими принадлежностями"
    s_staff = "Оформление служебных командировок"
    out.append(Book(name, "Перечень_ИТ_2024.xlsx", [Sheet(
        "Лист1", headers=dict(HEADERS_MINREG), top=top(MINREG_TITLE, name),
        rows=[
            row(4, M4, "Информирование сотрудников о локальных актах министерства", M_SED,
                "Получение информации о новых приказах, ознакомление под подпись", DIGITAL),
            row("5.1", M5A, s_it, M_SED, "Направление заявки на устранение неисправности, получение "
                "уведомления о выполнении", "Заявки выполняются в порядке очереди"),
            row("5.1", M5A, s_it, "Кабинет отдела информационных технологий", "Получение консультации "
                "по работе с программным обеспечением", "", ("MINREG-EMPTY-FEATURES", "kind")),
            row("5.1", M5A, s_access, "Информационная система", "Направление заявки на предоставление "
                "доступа, получение учетных данных", DIGITAL, ("MINREG-NAME", "point")),
            row("5 в)", M5V, s_supply, "Кабинет отдела материально-технического обеспечения",
                "Подача заявки, получение канцелярских принадлежностей", "нет",
                ("MINREG-FEATURES-STUB", "kind")),
            row(6, M5V, "Обеспечение служебным транспортом", M_SED, "Направление заявки на служебный "
                "транспорт, получение уведомления", DIGITAL, ("MINREG-GROUP-NUM", "num")),
            row(4, "Кадровая работа", s_staff, M_SED, "Представление служебной записки, получение "
                "приказа о командировке", DIGITAL, ("MINREG-GROUP", "group")),
        ])], datetime(2024, 9, 19, 14, 55), "Морозов Дмитрий Андреевич"))

    # 5. Returned at file level: the accounting department filled the inspection's template (its
    # header wording and its groups of п. 2.2 of the inspection's Порядок); a cover letter beside it.
    name = "Отдел бухгалтерского учета и отчетности"
    g6 = "Взаимодействие с внутренним клиентом по вопросам ведения бухгалтерского учета"
    out.append(Book(name, "перечень бухгалтерия.xlsx", [Sheet(
        "Лист1", headers=dict(HEADERS_GSN), top=top("точек взаимодействия с внешними и внутренними "
                                                     "клиентами", name),
        rows=[
            row(6, g6, "Выдача расчетных листков", "Бухгалтерия министерства",
                "Получение расчетного листка", OFFLINE),
            row(6, g6, "Выдача расчетных листков", M_EMAIL, "Получение расчетного листка в электронном "
                "виде", DIGITAL),
            row(6, g6, "Возмещение командировочных расходов", "Бухгалтерия министерства",
                "Представление авансового отчета, получение разъяснений", OFFLINE),
        ])], datetime(2024, 9, 19, 17, 30), "Григорьева Татьяна Павловна",
        file_remarks=(("MINREG-OTHER-FORM", FILE),)))
    return out


MINREG_EXTRAS = {
    "Управление по взаимодействию с органами местного самоуправления/~$Перечень точек взаимодействия.xlsx":
        lock_file("Смирнова О.В."),
    "Отдел бухгалтерского учета и отчетности/Сопроводительное письмо.txt": (
        "Заместителю министра – начальнику управления по взаимодействию с политическими\r\n"
        "организациями и органами государственной власти Бузмакову Е.Л.\r\n\r\n"
        "Направляем информацию отдела для включения в перечень точек взаимодействия.\r\n\r\n"
        "Начальник отдела                                   Т.П. Григорьева\r\n"
    ).encode("utf-8"),
}


# --- инспекция государственного строительного надзора НСО ---------------------------------------

G1 = "Государственный контроль (надзор)"
G2 = "Рассмотрение обращений и запросов"
G3 = "Обеспечение доступа к информации о деятельности инспекции"
G4 = "Взаимодействие с внутренним клиентом"
G5 = "Взаимодействие с внутренним клиентом по вопросам информационно-технического обеспечения"
G6 = "Взаимодействие с внутренним клиентом по вопросам ведения бухгалтерского учета"
G7 = ("Взаимодействие с внутренним клиентом по вопросам осуществления административно-хозяйственной "
      "деятельности")
GSN_TITLE = ("точек взаимодействия с внешними и внутренними клиентами в инспекции государственного "
             "строительного надзора Новосибирской области")

G_SITE = "Официальный сайт инспекции (gsn.nso.ru)"
G_EMAIL = "Электронная почта инспекции"
G_PERSONAL = "Личный прием в инспекции"
G_PHONE = "Телефон приемной инспекции"
G_EPGU = "Единый портал государственных и муниципальных услуг (функций)"
G_ERKNM = "ФГИС «Единый реестр контрольных (надзорных) мероприятий»"
G_SED = "Система электронного документооборота инспекции"
G_SITE_VISIT = "Выездная проверка на объекте капитального строительства"


def gsn_books() -> list[Book]:
    out = []

    # 1. Clean. Title, subdivision line, header on row 5, numbering row, group and process merged.
    name = "Отдел государственного строительного надзора № 1"
    s_sup = ("Региональный государственный строительный надзор при строительстве и реконструкции "
             "объектов капитального строительства")
    s_zos = ("Выдача заключения о соответствии построенного, реконструированного объекта капитального "
             "строительства требованиям проектной документации")
    out.append(Book(name, "Перечень точек взаимодействия.xlsx", [Sheet(
        "Лист1", headers=dict(HEADERS_GSN), top=top(GSN_TITLE, name),
        footer=[None, ("signature", "Начальник отдела", "____________  С.Н. Федоров")],
        rows=[
            row(1, G1, s_sup, G_EPGU, "Прием извещения о начале строительства, направление уведомления "
                "о программе проверок", "Извещение направляется застройщиком не позднее чем за 7 рабочих "
                "дней до начала строительства"),
            row(1, G1, s_sup, G_ERKNM, "Размещение сведений о контрольных (надзорных) мероприятиях, "
                "ознакомление контролируемого лица с решениями и актами", DIGITAL),
            row(1, G1, s_sup, G_SITE_VISIT, "Проведение выездной проверки, вручение акта проверки и "
                "предписания", "Проверка проводится в присутствии представителя застройщика"),
            row(1, G1, s_zos, G_EPGU, "Прием заявления о выдаче заключения, направление заключения или "
                "решения об отказе", DIGITAL),
            row(1, G1, s_zos, G_PERSONAL, "Прием заявления и документов на бумажном носителе, выдача "
                "заключения", OFFLINE),
        ])], datetime(2024, 10, 7, 10, 15), "Федоров Сергей Николаевич"))

    # 2. Returned. Header on row 3 without title, only the group merged. A group outside п. 2.2, a
    # group number that is not the group's place in п. 2.2, a bare «Портал», the same point twice in
    # one process.
    name = "Отдел контроля в области долевого строительства"
    s_dol = "Региональный государственный контроль (надзор) в области долевого строительства"
    s_rep = "Прием ежеквартальной отчетности застройщиков"
    out.append(Book(name, "ДДУ перечень.xlsx", [Sheet(
        "Лист1", headers=dict(HEADERS_GSN), merge=("group",),
        top=[("line", f"Структурное подразделение: {name}"), None],
        rows=[
            row(1, G1, s_dol, G_ERKNM, "Размещение сведений о проверках застройщиков, направление "
                "предостережений", DIGITAL),
            row(3, G1, s_dol, G_SITE_VISIT, "Проведение выездной проверки застройщика, вручение "
                "предписания", OFFLINE, ("GSN-GROUP-NUM", "num")),
            row(1, G1, s_dol, G_ERKNM, "Ознакомление с актом проверки", DIGITAL, ("GSN-DUP", "point")),
            row(1, "Контроль в области долевого строительства", s_rep, "Портал",
                "Прием отчетности застройщиков об осуществлении деятельности", DIGITAL,
                ("GSN-GROUP", "group"), ("GSN-NAME", "point")),
            row(1, G1, s_rep, G_EMAIL, "Направление уведомлений о нарушении сроков представления "
                "отчетности", DIGITAL),
        ])], datetime(2024, 10, 8, 15, 45), "Соколова Ирина Владимировна"))

    # 3. Accepted with warnings. The header with line breaks and the ministry's wording of column 2
    # («Направление деятельности»), a blank row inside the table. A person instead of a point, a
    # Latin «а» in an interaction.
    name = "Отдел правового обеспечения и работы с обращениями"
    headers = dict(HEADERS_GSN, group="Направление\nдеятельности", service="Наименование\nконкретного процесса",
                   kind="Особенности\nвзаимодействия с клиентом")
    s_app = "Рассмотрение обращений граждан и организаций"
    s_pub = "Размещение информации о деятельности инспекции"
    out.append(Book(name, "перечень (правовой отдел).xlsx", [Sheet(
        "Лист1", headers=headers, top=top(GSN_TITLE, name),
        rows=[
            row(2, G2, s_app, G_PERSONAL, "Прием устных обращений, разъяснение порядка обжалования",
                "Прием по графику, утвержденному начальником инспекции"),
            row(2, G2, s_app, G_EMAIL, "Прием обращений в электронной форме, направление ответа", DIGITAL),
            row(2, G2, s_app, "Специалист отдела", "Прием письменных обращений", OFFLINE,
                ("GSN-POINT-UNKNOWN", "point")),
            None,
            row(3, G3, s_pub, G_SITE, "Размещение докладов о правоприменительной прaктике и проектов "
                "нормативных правовых актов", DIGITAL, ("GSN-LATIN", "interaction")),
            row(3, G3, s_pub, "Официальная страница инспекции в социальной сети «ВКонтакте»",
                "Публикация новостей, ответы на комментарии", DIGITAL),
        ])], datetime(2024, 10, 9, 12, 0), "Лебедев Андрей Петрович"))

    # 4. Returned. Internal client, groups 4, 5 and 7. «нет» in column 6, an empty interaction, the
    # electronic document system said to be an offline point.
    name = "Отдел организационно-кадровой работы и информатизации"
    out.append(Book(name, "Перечень ОКРИ.xlsx", [Sheet(
        "Лист1", headers=dict(HEADERS_GSN), top=top(GSN_TITLE, name),
        rows=[
            row(4, G4, "Оформление отпусков сотрудников", G_SED, "Подача заявления на отпуск, "
                "ознакомление с приказом", OFFLINE, ("GSN-KIND-AGREE", "kind")),
            row(4, G4, "Оформление отпусков сотрудников", "Кабинет отдела кадров", "Получение справок "
                "с места работы", "нет", ("GSN-FEATURES-STUB", "kind")),
            row(5, G5, "Обслуживание компьютерной техники", G_SED, "Подача заявки на ремонт, получение "
                "уведомления о выполнении", DIGITAL),
            row(5, G5, "Обслуживание компьютерной техники", G_PHONE, "", DIGITAL,
                ("GSN-EMPTY-INTERACTION", "interaction")),
            row(7, G7, "Обеспечение канцелярскими принадлежностями", "Кабинет отдела кадров",
                "Получение канцелярских принадлежностей по заявке", OFFLINE),
        ])], datetime(2024, 10, 10, 9, 5), "Никитина Мария Олеговна"))

    # 5. Returned at file level, .ods: column 6 «Особенности взаимодействия с клиентом» deleted.
    name = "Отдел бухгалтерского учета и отчетности"
    out.append(Book(name, "Перечень бухгалтерия.ods", [Sheet(
        "Лист1", headers=dict(HEADERS_GSN), order=("num", "group", "service", "point", "interaction"),
        top=top(GSN_TITLE, name),
        rows=[
            row(6, G6, "Выдача расчетных листков", "Бухгалтерия инспекции", "Получение расчетного листка",
                ""),
            row(6, G6, "Выдача расчетных листков", G_EMAIL, "Получение расчетного листка в электронном "
                "виде", ""),
        ])], datetime(2024, 10, 10, 16, 20), "Орлова Наталья Юрьевна", fmt="ods",
        file_remarks=(("GSN-FORM", FILE),)))
    return out


GSN_EXTRAS = {
    "Отдел правового обеспечения и работы с обращениями/~$перечень (правовой отдел).xlsx":
        lock_file("Лебедев А.П."),
}


def write_inbox(profile: str, books: list[Book], extras: dict[str, bytes]) -> None:
    inbox = ROOT / "sample_inputs" / profile
    oracle_path = ROOT / "tests" / f"sample_expectations_{profile}.json"
    errors = ms.error_codes(profile)
    old = inbox if inbox.exists() else None
    inbox.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f"{profile}_inbox_", dir=inbox.parent))
    try:
        oracle = {}
        for book in books:
            found = write_book(book, stage, old)
            oracle[f"{book.folder}/{book.filename}"] = ms.expectation(book, found, errors)
        for rel, data in extras.items():
            (stage / rel).parent.mkdir(parents=True, exist_ok=True)
            (stage / rel).write_bytes(data)
            oracle[rel] = {"verdict": "skipped", "subdivision": rel.split("/")[0], "rows": 0, "remarks": []}
        if old:
            shutil.rmtree(old)
        os.replace(stage, inbox)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    os.chmod(inbox, 0o755)
    oracle_path.write_text(dumps({
        "_about": f"Written by scripts/make_samples_nso.py: the expected result of checking "
                  f"sample_inputs/{profile} with the {profile} profile (and the other profiles as "
                  f"alternatives, as the CLI does). Keys are paths relative to the inbox; rows counts the "
                  f"data rows (data_rows: their Excel rows); remarks are [code, cell], cell null for a "
                  f"file-level remark.",
        "files": dict(sorted(oracle.items())),
    }), encoding="utf-8")
    n = sum(1 for p in inbox.rglob("*") if p.is_file())
    print(f"{inbox.relative_to(ROOT)}: {n} files; oracle {oracle_path.relative_to(ROOT)}")


def main() -> int:
    write_inbox("nso-minreg", minreg_books(), MINREG_EXTRAS)
    write_inbox("nso-gsn", gsn_books(), GSN_EXTRAS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
