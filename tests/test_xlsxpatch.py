"""The workbook patcher on packages as Excel writes them (and as some tools do: prefixed XML, rows and
cells without numbers), read back by openpyxl and python-calamine."""
from __future__ import annotations

import io
import re
import warnings
import zipfile
import zlib
from xml.etree import ElementTree

import openpyxl
import pytest
import python_calamine

import consolidator.ooxml.package as ooxml
import consolidator.ooxml.xlsx_comments as xlsxcomments
import consolidator.ooxml.xlsx_patch as xlsxpatch
import consolidator.ooxml.xlsx_sheet as xlsxcells
from consolidator.ooxml.xlsx_sheet import MAX_CELL_TEXT, Worksheet
from consolidator.ooxml.xlsx_patch import Mark, NewSheet, PatchError, Style

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
LONG = "Очень длинное описание точки взаимодействия. " * 800  # > 32 767 characters

# --- an Excel 2016 workbook, part by part: two sheets (a cover letter and the form), shared strings,
# --- a custom number format, a column format, merges, a conditional format with an x14 extension,
# --- a data validation, an external hyperlink, print titles, a sheet-local name, the calculation
# --- chain, document properties listing the sheets, and (optionally) the author's own comments.

STRINGS = ["Направляем перечень", "№", "Группа", "Точка", "Дата", "Портал", "=HYPERLINK(\"http://x.ru\")",
           "Личный прием", "Приемная"]
SHARED = (DECL + f'<sst xmlns="{MAIN}" count="11" uniqueCount="{len(STRINGS) + 1}">'
          + "".join(f"<si><t>{s.replace('&', '&amp;').replace('<', '&lt;')}</t></si>" for s in STRINGS)
          + '<si><r><rPr><b/><sz val="11"/><rFont val="Calibri"/></rPr><t>Жирный</t></r><r><t xml:space="preserve"> и '
            'обычный</t></r></si></sst>')
STYLES = (DECL + f'<styleSheet xmlns="{MAIN}" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
          'mc:Ignorable="x14ac x16r2" xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" '
          'xmlns:x16r2="http://schemas.microsoft.com/office/spreadsheetml/2015/02/main">'
          '<numFmts count="1"><numFmt numFmtId="164" formatCode="0.000"/></numFmts>'
          '<fonts count="2" x14ac:knownFonts="1"><font><sz val="12"/><color theme="1"/><name val="Times New Roman"/>'
          '<family val="1"/><charset val="204"/></font><font><b/><i/><sz val="12"/><color rgb="FF0000FF"/>'
          '<name val="Arial"/><family val="2"/><charset val="204"/></font></fonts>'
          '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
          '</fill></fills><borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border><border>'
          '<left style="medium"><color indexed="64"/></left><right style="medium"><color indexed="64"/></right>'
          '<top style="medium"><color indexed="64"/></top><bottom style="medium"><color indexed="64"/></bottom>'
          '<diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
          '</cellStyleXfs><cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
          '<xf numFmtId="0" fontId="1" fillId="0" borderId="1" xfId="0" applyFont="1" applyBorder="1" '
          'applyAlignment="1"><alignment horizontal="center" wrapText="1"/></xf>'
          '<xf numFmtId="164" fontId="0" fillId="0" borderId="1" xfId="0" applyNumberFormat="1" applyBorder="1"/>'
          '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
          '<cellStyles count="1"><cellStyle name="Обычный" xfId="0" builtinId="0"/></cellStyles>'
          '<dxfs count="1"><dxf><font><color rgb="FF9C0006"/></font><fill><patternFill><bgColor rgb="FFFFC7CE"/>'
          '</patternFill></fill></dxf></dxfs><tableStyles count="0" defaultTableStyle="TableStyleMedium2" '
          'defaultPivotStyle="PivotStyleLight16"/><extLst><ext uri="{EB79DEF2-80B8-43e5-95BD-54CBDDF9020C}" '
          'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"><x14:slicerStyles '
          'defaultSlicerStyle="SlicerStyleLight1"/></ext></extLst></styleSheet>')
WORKBOOK = (DECL + f'<workbook xmlns="{MAIN}" xmlns:r="{R}" '
            'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="x15 xr xr6 xr10 xr2" '
            'xmlns:x15="http://schemas.microsoft.com/office/spreadsheetml/2010/11/main" '
            'xmlns:xr="http://schemas.microsoft.com/office/spreadsheetml/2014/revision" '
            'xmlns:xr2="http://schemas.microsoft.com/office/spreadsheetml/2015/revision2">'
            '<fileVersion appName="xl" lastEdited="7" lowestEdited="7" rupBuild="27328"/>'
            '<workbookPr defaultThemeVersion="166925"/><mc:AlternateContent '
            'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"><mc:Choice Requires="x15">'
            '<x15ac:absPath url="C:\\Users\\user\\Desktop\\" '
            'xmlns:x15ac="http://schemas.microsoft.com/office/spreadsheetml/2010/11/ac"/></mc:Choice></mc:AlternateContent>'
            '<xr:revisionPtr revIDLastSave="0" documentId="8_{1}" xr6:coauthVersionLast="47" '
            'xmlns:xr6="http://schemas.microsoft.com/office/spreadsheetml/2016/revision6"/>'
            '<bookViews><workbookView xWindow="-120" yWindow="-120" windowWidth="29040" windowHeight="15840" '
            'firstSheet="1" activeTab="1" xr2:uid="{00000000-000D-0000-FFFF-FFFF00000000}"/></bookViews>'
            '<sheets><sheet name="Письмо" sheetId="1" r:id="rId1"/><sheet name="Перечень" sheetId="2" r:id="rId2"/>'
            '</sheets><definedNames><definedName name="_xlnm.Print_Titles" localSheetId="1">Перечень!$3:$3'
            '</definedName><definedName name="Подпись" localSheetId="0">Письмо!$A$3</definedName>'
            '<definedName name="Точки">Перечень!$D$4:$D$8</definedName></definedNames>'
            '<calcPr calcId="191029"/></workbook>')
WORKBOOK_RELS = (DECL + f'<Relationships xmlns="{PKG}">'
                 f'<Relationship Id="rId1" Type="{R}/worksheet" Target="worksheets/sheet1.xml"/>'
                 f'<Relationship Id="rId2" Type="{R}/worksheet" Target="worksheets/sheet2.xml"/>'
                 f'<Relationship Id="rId4" Type="{R}/styles" Target="styles.xml"/>'
                 f'<Relationship Id="rId5" Type="{R}/sharedStrings" Target="sharedStrings.xml"/>'
                 f'<Relationship Id="rId6" Type="{R}/calcChain" Target="calcChain.xml"/></Relationships>')
SHEET1 = (DECL + f'<worksheet xmlns="{MAIN}" xmlns:r="{R}"><dimension ref="A1:A3"/><sheetViews>'
          '<sheetView workbookViewId="0"/></sheetViews><sheetFormatPr defaultRowHeight="15.75"/><sheetData>'
          '<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="3"><c r="A3"><f>1+1</f><v>2</v></c></row></sheetData>'
          '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>')


def sheet2(legacy_drawing: bool) -> str:
    return (DECL + f'<worksheet xmlns="{MAIN}" xmlns:r="{R}" '
            'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="x14ac xr xr2 xr3" '
            'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" '
            'xmlns:xr="http://schemas.microsoft.com/office/spreadsheetml/2014/revision" '
            'xr:uid="{00000000-0001-0000-0100-000000000000}"><dimension ref="A1:E9"/><sheetViews>'
            '<sheetView tabSelected="1" workbookViewId="0"><selection activeCell="B5" sqref="B5"/></sheetView>'
            '</sheetViews><sheetFormatPr defaultRowHeight="15.75" x14ac:dyDescent="0.25"/><cols>'
            '<col min="1" max="1" width="6" customWidth="1"/><col min="5" max="5" width="12" style="3" '
            'customWidth="1"/></cols><sheetData>'
            '<row r="1" spans="1:5" x14ac:dyDescent="0.25"><c r="A1" s="1" t="s"><v>9</v></c></row>'
            '<row r="3" spans="1:5" x14ac:dyDescent="0.25"><c r="A3" s="1" t="s"><v>1</v></c><c r="B3" s="1" t="s">'
            '<v>2</v></c><c r="D3" s="1" t="s"><v>3</v></c><c r="E3" s="1" t="s"><v>4</v></c></row>'
            '<row r="4" spans="1:5" x14ac:dyDescent="0.25"><c r="A4" s="2"><v>1.5</v></c><c r="B4" t="s"><v>5</v></c>'
            '<c r="D4" t="s"><v>7</v></c><c r="E4" s="3"><v>45488</v></c></row>'
            '<row r="5" spans="2:4" s="2" customFormat="1" x14ac:dyDescent="0.25"><c r="B5" t="s"><v>8</v></c>'
            '<c r="D5" t="s"><v>5</v></c></row>'
            '<row r="6" spans="1:5" x14ac:dyDescent="0.25"><c r="A6"><f>SUM(A4:A5)</f><v>1.5</v></c>'
            '<c r="B6" t="s"><v>6</v></c></row>'
            '<row r="9" ht="30" customHeight="1" x14ac:dyDescent="0.25"/></sheetData>'
            '<mergeCells count="1"><mergeCell ref="B5:C5"/></mergeCells>'
            '<conditionalFormatting sqref="D4:D8"><cfRule type="containsText" dxfId="0" priority="1" '
            'operator="containsText" text="Портал"><formula>NOT(ISERROR(SEARCH("Портал",D4)))</formula></cfRule>'
            '</conditionalFormatting><conditionalFormatting sqref="A4:A8"><cfRule type="dataBar" priority="2"><dataBar>'
            '<cfvo type="min"/><cfvo type="max"/><color rgb="FF638EC6"/></dataBar><extLst><ext '
            'uri="{B025F937-C7B1-47D3-B67F-A62EFF666E3E}" '
            'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"><x14:id>'
            '{9F0B5F4C-0000-0000-0000-000000000001}</x14:id></ext></extLst></cfRule></conditionalFormatting>'
            '<dataValidations count="1"><dataValidation type="list" allowBlank="1" showInputMessage="1" '
            'showErrorMessage="1" sqref="E4:E8"><formula1>"Онлайн-точка,Офлайн-точка"</formula1></dataValidation>'
            '</dataValidations><hyperlinks><hyperlink ref="D4" r:id="rId1"/></hyperlinks>'
            '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
            '<pageSetup paperSize="9" orientation="landscape"/>'
            + ('<legacyDrawing r:id="rId3"/>' if legacy_drawing else "")
            + '<extLst><ext uri="{78C0D931-6437-407d-A8EE-F0AAD7539E65}" '
              'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"><x14:conditionalFormattings>'
              '<x14:conditionalFormatting xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><x14:cfRule '
              'type="dataBar" id="{9F0B5F4C-0000-0000-0000-000000000001}"><x14:dataBar minLength="0" maxLength="100">'
              '<x14:cfvo type="autoMin"/><x14:cfvo type="autoMax"/></x14:dataBar></x14:cfRule><xm:sqref>A4:A8'
              '</xm:sqref></x14:conditionalFormatting></x14:conditionalFormattings></ext></extLst></worksheet>')


SHEET2_RELS = (DECL + f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{R}/hyperlink" '
               'Target="https://www.gosuslugi.ru/" TargetMode="External"/>')
AUTHOR_COMMENTS = (DECL + f'<comments xmlns="{MAIN}" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
                   ' mc:Ignorable="xr" xmlns:xr="http://schemas.microsoft.com/office/spreadsheetml/2014/revision">'
                   '<authors><author>Иванова</author></authors><commentList>'
                   '<comment ref="D4" authorId="0" shapeId="0" xr:uid="{A1}"><text><r><rPr><b/><sz val="9"/>'
                   '<color indexed="81"/><rFont val="Tahoma"/><family val="2"/><charset val="204"/></rPr>'
                   '<t>Иванова:</t></r><r><rPr><sz val="9"/><rFont val="Tahoma"/></rPr><t xml:space="preserve">\n'
                   'уточнить адрес</t></r></text></comment>'
                   '<comment ref="A1" authorId="0" shapeId="0" xr:uid="{A2}"><text><t>Заголовок по форме</t></text>'
                   '</comment></commentList></comments>')
AUTHOR_VML = ('<xml xmlns:v="urn:schemas-microsoft-com:vml"\n xmlns:o="urn:schemas-microsoft-com:office:office"\n '
              'xmlns:x="urn:schemas-microsoft-com:office:excel">\n <o:shapelayout v:ext="edit">\n  <o:idmap '
              'v:ext="edit" data="2"/>\n </o:shapelayout><v:shapetype id="_x0000_t202" coordsize="21600,21600" '
              'o:spt="202"\n  path="m,l,21600r21600,l21600,xe">\n  <v:stroke joinstyle="miter"/>\n  <v:path '
              'gradientshapeok="t" o:connecttype="rect"/>\n </v:shapetype>'
              + "".join(f'<v:shape id="_x0000_s{2049 + i}" type="#_x0000_t202" style=\'position:absolute;'
                        f'margin-left:107.25pt;margin-top:1.5pt;width:108pt;height:59.25pt;z-index:{i + 1};'
                        f'visibility:hidden\' fillcolor="infoBackground [80]" o:insetmode="auto">\n  <v:fill '
                        f'color2="infoBackground [80]"/>\n  <v:shadow color="none [81]" obscured="t"/>\n  <v:path '
                        f'o:connecttype="none"/>\n  <v:textbox style=\'mso-direction-alt:auto\'>\n   <div '
                        f'style=\'text-align:left\'></div>\n  </v:textbox>\n  <x:ClientData ObjectType="Note">\n   '
                        f'<x:MoveWithCells/>\n   <x:SizeWithCells/>\n   <x:Anchor>\n    4, 15, 2, 10, 6, 15, 6, 4'
                        f'</x:Anchor>\n   <x:AutoFill>False</x:AutoFill>\n   <x:Row>{row}</x:Row>\n   <x:Column>{col}'
                        f'</x:Column>\n  </x:ClientData>\n </v:shape>' for i, (row, col) in enumerate([(3, 3), (0, 0)]))
              + "</xml>")
CALC_CHAIN = DECL + f'<calcChain xmlns="{MAIN}"><c r="A6" i="2"/><c r="A3" i="1"/></calcChain>'
APP = (DECL + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
       'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><Application>Microsoft Excel'
       '</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop><HeadingPairs><vt:vector size="4" '
       'baseType="variant"><vt:variant><vt:lpstr>Листы</vt:lpstr></vt:variant><vt:variant><vt:i4>2</vt:i4>'
       '</vt:variant><vt:variant><vt:lpstr>Именованные диапазоны</vt:lpstr></vt:variant><vt:variant><vt:i4>3'
       '</vt:i4></vt:variant></vt:vector></HeadingPairs><TitlesOfParts><vt:vector size="5" baseType="lpstr">'
       '<vt:lpstr>Письмо</vt:lpstr><vt:lpstr>Перечень</vt:lpstr><vt:lpstr>Письмо!Подпись</vt:lpstr><vt:lpstr>'
       'Перечень!Заголовки_для_печати</vt:lpstr><vt:lpstr>Точки</vt:lpstr></vt:vector></TitlesOfParts>'
       '<AppVersion>16.0300</AppVersion></Properties>')
ROOT_RELS = (DECL + f'<Relationships xmlns="{PKG}"><Relationship Id="rId3" Type="{R}/extended-properties" '
             'Target="docProps/app.xml"/><Relationship Id="rId1" Type="' + R + '/officeDocument" '
             'Target="xl/workbook.xml"/></Relationships>')


def excel_workbook(comments: bool = False) -> bytes:
    rels = SHEET2_RELS + (f'<Relationship Id="rId2" Type="{R}/comments" Target="../comments1.xml"/>'
                          f'<Relationship Id="rId3" Type="{R}/vmlDrawing" Target="../drawings/vmlDrawing1.vml"/>'
                          if comments else "") + "</Relationships>"
    types = (DECL + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Default Extension="bin" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
             'printerSettings"/><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
             'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
             + ('<Default Extension="vml" ContentType="application/vnd.openxmlformats-officedocument.vmlDrawing"/>'
                if comments else "")
             + f'<Override PartName="/xl/workbook.xml" ContentType="{CT}.sheet.main+xml"/>'
             f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{CT}.worksheet+xml"/>'
             f'<Override PartName="/xl/worksheets/sheet2.xml" ContentType="{CT}.worksheet+xml"/>'
             f'<Override PartName="/xl/styles.xml" ContentType="{CT}.styles+xml"/>'
             f'<Override PartName="/xl/sharedStrings.xml" ContentType="{CT}.sharedStrings+xml"/>'
             f'<Override PartName="/xl/calcChain.xml" ContentType="{CT}.calcChain+xml"/>'
             + (f'<Override PartName="/xl/comments1.xml" ContentType="{CT}.comments+xml"/>' if comments else "")
             + '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.'
               'extended-properties+xml"/></Types>')
    parts = {"[Content_Types].xml": types, "_rels/.rels": ROOT_RELS, "docProps/app.xml": APP,
             "xl/workbook.xml": WORKBOOK, "xl/_rels/workbook.xml.rels": WORKBOOK_RELS, "xl/styles.xml": STYLES,
             "xl/sharedStrings.xml": SHARED, "xl/worksheets/sheet1.xml": SHEET1,
             "xl/worksheets/sheet2.xml": sheet2(comments), "xl/worksheets/_rels/sheet2.xml.rels": rels,
             "xl/calcChain.xml": CALC_CHAIN}
    if comments:
        parts.update({"xl/comments1.xml": AUTHOR_COMMENTS, "xl/drawings/vmlDrawing1.vml": AUTHOR_VML})
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text)
    return buf.getvalue()


def remarks_sheet(name: str, marks: list[Mark]) -> NewSheet:
    sheet = NewSheet(name, widths=[5.0, 14.0, 9.0, 60.0])
    sheet.set(1, 1, "Замечания к перечню", Style(bold=True, size=14, vertical="top", wrap=True))
    sheet.merges.append("A1:D1")
    sheet.heights[1] = 20
    for c, h in enumerate(["№", "Лист", "Ячейка", "Замечание"], start=1):
        sheet.set(3, c, h, Style(bold=True, border=True, horizontal="center"))
    for n, m in enumerate(marks, start=1):
        sheet.set(3 + n, 1, n, Style(border=True))
        sheet.set(3 + n, 2, m.sheet, Style(border=True))
        sheet.set(3 + n, 3, m.cell, Style(border=True, color="0563C1", underline=True))
        sheet.set(3 + n, 4, m.comment, Style(border=True, fill=m.fill, wrap=True, vertical="top"))
        sheet.links[f"C{3 + n}"] = f"{xlsxpatch.quote_sheet(m.sheet)}!{m.cell}"
    sheet.freeze_row, sheet.title_row = 4, 3
    return sheet


def patch(data: bytes, marks: list[Mark], name: str = "Замечания") -> bytes:
    wb = xlsxpatch.Workbook(io.BytesIO(data))
    sheet = remarks_sheet(xlsxpatch.free_sheet_name(wb.sheet_names, name, name + " проверки"), marks)
    xlsxpatch.apply(wb, marks, sheet, "Проверка перечня")
    return wb.bytes()


def load(data: bytes, **kw) -> openpyxl.Workbook:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return openpyxl.load_workbook(io.BytesIO(data), **kw)


def calamine(data: bytes) -> dict[str, list[list]]:
    wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    return {n: wb.get_sheet_by_name(n).to_python() for n in wb.sheet_names}


# CT_Worksheet's children in the schema's order.
WORKSHEET_ORDER = ["sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData", "sheetCalcPr",
                   "sheetProtection", "protectedRanges", "scenarios", "autoFilter", "sortState", "dataConsolidate",
                   "customSheetViews", "mergeCells", "phoneticPr", "conditionalFormatting", "dataValidations",
                   "hyperlinks", "printOptions", "pageMargins", "pageSetup", "headerFooter", "rowBreaks", "colBreaks",
                   "customProperties", "cellWatches", "ignoredErrors", "smartTags", "drawing", "legacyDrawing",
                   "legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls", "webPublishItems",
                   "tableParts", "extLst"]


def assert_valid_package(data: bytes) -> None:
    """Every XML part parses; every part has a content type and every override names a part; every
    internal relationship targets a part; worksheet children, rows and cells are in order."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None
        names = set(z.namelist())
        parts = {n: z.read(n) for n in names}
    types = ElementTree.fromstring(parts["[Content_Types].xml"])
    ns = "{http://schemas.openxmlformats.org/package/2006/content-types}"
    overrides = {o.get("PartName").lstrip("/") for o in types.iter(ns + "Override")}
    defaults = {d.get("Extension").lower() for d in types.iter(ns + "Default")}
    assert overrides <= names, overrides - names
    for name in names:
        assert name in overrides or name.rsplit(".", 1)[-1].lower() in defaults, name
    for name, xml in parts.items():
        if name.endswith((".xml", ".rels", ".vml")):
            root = ElementTree.fromstring(xml)
        if name.endswith(".rels"):
            base = name.replace("_rels/", "").removesuffix(".rels")
            for rel in root:
                if rel.get("TargetMode") != "External":
                    assert ooxml.resolve(base, rel.get("Target")) in names, (name, rel.get("Target"))
        if root.tag.endswith("}worksheet"):
            order = [WORKSHEET_ORDER.index(child.tag.split("}")[1]) for child in root]
            assert order == sorted(order), (name, [c.tag for c in root])
            rows, last = [], 0
            for row in root.iter(f"{{{MAIN}}}row"):
                last = int(row.get("r") or last + 1)  # a row without r follows the one before
                rows.append(last)
                cols, col = [], 0
                for c in row:
                    col = xlsxcells.address(c.get("r"))[1] if c.get("r") else col + 1
                    cols.append(col)
                assert cols == sorted(set(cols)), (name, last, cols)
            assert rows == sorted(set(rows)), (name, rows)


MARKS = [
    Mark("Перечень", "A4", "FFC7CE", "Ошибка: номер"),  # a number with a custom format and a border
    Mark("Перечень", "C4", "FFEB9C", "Предупреждение: пустая графа"),  # no cell yet, between B4 and D4
    Mark("Перечень", "E3", "FFC7CE", "Ошибка: заголовок"),  # bold italic Arial, centred, bordered
    Mark("Перечень", "E5", "FFC7CE", "Ошибка: в строке со своим форматом"),  # row 5's format (customFormat)
    Mark("Перечень", "B6", "FFEB9C", "Предупреждение: «=…» осталось текстом"),
    Mark("Перечень", "D4", "FFC7CE", "Ошибка: точка"),  # has the author's comment when comments=True
    Mark("Перечень", "E7", "FFC7CE", "Ошибка: строки нет"),  # no row 7: made between 6 and 9
    Mark("Перечень", "B9", "FFC7CE", "Ошибка: пустая строка"),  # <row r="9" …/> with no cells
    Mark("Перечень", "F12", "FFEB9C", "Предупреждение: за таблицей"),  # past the last row
    Mark("Письмо", "A2", "FFEB9C", "Предупреждение: на другом листе"),
]


@pytest.mark.parametrize("comments", [False, True])
def test_excel_workbook_is_patched_and_keeps_everything_else(comments):
    src = excel_workbook(comments)
    out = patch(src, MARKS)
    assert_valid_package(out)
    wb = load(out)
    assert wb.sheetnames == ["Замечания", "Письмо", "Перечень"]
    assert wb.active.title == "Замечания"
    assert [ws.title for ws in wb.worksheets if ws.sheet_view.tabSelected] == ["Замечания"]
    ws = wb["Перечень"]
    for m in MARKS:
        cell = wb[m.sheet][m.cell]
        assert cell.fill.fill_type == "solid" and cell.fill.fgColor.rgb == "FF" + m.fill, m.cell
        assert m.comment in cell.comment.text, m.cell
    # A marked cell keeps its own format; a made cell takes the one it showed (its row's, its column's).
    assert ws["A4"].number_format == "0.000" and ws["A4"].border.left.style == "medium" and ws["A4"].value == 1.5
    assert ws["E3"].font.b and ws["E3"].font.i and ws["E3"].font.name == "Arial"
    assert ws["E3"].alignment.horizontal == "center" and ws["E3"].border.top.style == "medium"
    assert ws["E5"].number_format == "0.000"  # row 5 is formatted as a whole
    assert ws["E7"].number_format == "mm-dd-yy"  # column E's format (a date)
    assert ws["C4"].number_format == "General" and ws["C4"].value is None
    assert ws["B6"].value == '=HYPERLINK("http://x.ru")' and ws["B6"].data_type == "s"
    assert ws.row_dimensions[9].height == 30
    # The author's comments stay; a marked cell that had one keeps its text before ours.
    if comments:
        assert ws["D4"].comment.text.startswith("Иванова:\nуточнить адрес") and "Ошибка: точка" in ws["D4"].comment.text
        assert ws["A1"].comment.text == "Заголовок по форме"
    # Everything else of the author's survives.
    assert ws.print_title_rows == "$3:$3"
    assert "Подпись" in wb["Письмо"].defined_names and wb.defined_names["Точки"].attr_text == "Перечень!$D$4:$D$8"
    assert [str(r) for r in ws.merged_cells.ranges] == ["B5:C5"]
    assert [str(dv.sqref) for dv in ws.data_validations.dataValidation] == ["E4:E8"]
    assert len(ws.conditional_formatting) == 2
    assert ws["D4"].hyperlink.target == "https://www.gosuslugi.ru/"
    assert ws.column_dimensions["E"].width == 12 and ws.page_setup.orientation == "landscape"
    assert wb["Письмо"]["A3"].value == "=1+1"
    # The new sheet: links to the cells, the header repeated on print, frozen below it.
    remarks = wb["Замечания"]
    assert remarks["C4"].hyperlink.location == "'Перечень'!A4" and remarks["C4"].font.u == "single"
    assert remarks.print_title_rows == "$3:$3" and remarks.freeze_panes == "A4"
    assert remarks["A1"].font.b and remarks["A1"].font.sz == 14 and remarks["A1"].font.name == "Times New Roman"
    assert remarks["D4"].fill.fgColor.rgb == "FFFFC7CE" and remarks["D4"].border.left.style == "thin"
    # Values read by calamine: the author's sheets are as they were.
    before, after = calamine(src), calamine(out)
    assert list(after) == ["Замечания", "Письмо", "Перечень"]
    assert {k: after[k] for k in before} == before


def test_calc_chain_app_properties_and_untouched_parts():
    src = excel_workbook(comments=True)
    out = patch(src, MARKS[:1])
    with zipfile.ZipFile(io.BytesIO(src)) as a, zipfile.ZipFile(io.BytesIO(out)) as b:
        assert "xl/calcChain.xml" not in b.namelist()
        assert b"calcChain" not in b.read("[Content_Types].xml") + b.read("xl/_rels/workbook.xml.rels")
        for name in ("xl/sharedStrings.xml", "xl/worksheets/sheet1.xml", "xl/worksheets/_rels/sheet2.xml.rels"):
            assert b.read(name) == a.read(name), name
        app = b.read("docProps/app.xml").decode()
        workbook = b.read("xl/workbook.xml").decode()
    assert '<vt:i4>3</vt:i4>' in app and '<vt:vector size="6" baseType="lpstr"><vt:lpstr>Замечания</vt:lpstr>' in app
    # Names local to a sheet follow their sheet, which moved one place.
    assert 'localSheetId="2">Перечень!$3:$3' in workbook and 'localSheetId="1">Письмо!$A$3' in workbook
    assert "activeTab" not in workbook and "firstSheet" not in workbook


def test_sheet_name_taken_without_regard_to_case():
    src = _rezip(excel_workbook(), {  # «Письмо» renamed «замечания»
                       "xl/workbook.xml": lambda x: x.replace("Письмо!".encode(), "замечания!".encode())
                       .replace('name="Письмо"'.encode(), 'name="замечания"'.encode())})
    out = patch(src, [Mark("Перечень", "A4", "FFC7CE", "x")])
    assert load(out).sheetnames == ["Замечания проверки", "замечания", "Перечень"]


def test_a_sheet_name_with_an_apostrophe_and_an_ampersand():
    name = "Перечень O'Neil & Co"
    esc = name.replace("&", "&amp;").encode()
    src = _rezip(excel_workbook(), {"xl/workbook.xml": lambda x: x.replace(
        'name="Перечень"'.encode(), b'name="' + esc + b'"').replace("Перечень!".encode(), b"'" + esc.replace(
            b"'", b"''") + b"'!")})
    out = patch(src, [Mark(name, "A4", "FFC7CE", "x & y < z")])
    assert_valid_package(out)
    wb = load(out)
    assert wb.sheetnames == ["Замечания", "Письмо", name]
    assert wb["Замечания"]["C4"].hyperlink.location == "'Перечень O''Neil & Co'!A4"
    assert wb[name]["A4"].comment.text == "x & y < z" and wb[name].print_title_rows == "$3:$3"


def _rezip(data: bytes, edits: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for name in src.namelist():
            content = src.read(name)
            if name in edits:
                content = edits[name](content)
            if content is not None:
                out.writestr(name, content)
    return buf.getvalue()


# --- a package with prefixed XML, rows and cells without numbers, no styles part ------------------

PREFIXED_SHEET = (DECL + f'<x:worksheet xmlns:x="{MAIN}"><x:sheetData><x:row><x:c t="inlineStr"><x:is><x:t>№</x:t>'
                  '</x:is></x:c><x:c t="inlineStr"><x:is><x:t>Точка</x:t></x:is></x:c></x:row><x:row><x:c><x:v>1</x:v>'
                  '</x:c><x:c t="inlineStr"><x:is><x:t>Портал</x:t></x:is></x:c></x:row></x:sheetData>'
                  '<x:pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
                  '</x:worksheet>')


def prefixed_workbook(styles: bool = True) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", DECL + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                   'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
                   'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override '
                   f'PartName="/xl/workbook.xml" ContentType="{CT}.sheet.main+xml"/><Override PartName="/xl/worksheets/'
                   f'sheet1.xml" ContentType="{CT}.worksheet+xml"/>'
                   + (f'<Override PartName="/xl/styles.xml" ContentType="{CT}.styles+xml"/>' if styles else "")
                   + "</Types>")
        z.writestr("_rels/.rels", DECL + f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" '
                   f'Type="{R}/officeDocument" Target="/xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", DECL + f'<x:workbook xmlns:x="{MAIN}" xmlns:rel="{R}"><x:sheets><x:sheet '
                   'name="Лист 1" sheetId="1" rel:id="rId1"/></x:sheets></x:workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", DECL + f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" '
                   f'Type="{R}/worksheet" Target="/xl/worksheets/sheet1.xml"/>'
                   + (f'<Relationship Id="rId2" Type="{R}/styles" Target="styles.xml"/>' if styles else "")
                   + "</Relationships>")
        if styles:
            z.writestr("xl/styles.xml", DECL + f'<x:styleSheet xmlns:x="{MAIN}"><x:fonts count="1"><x:font>'
                       '<x:sz val="10"/><x:name val="Arial"/></x:font></x:fonts><x:fills count="2"><x:fill>'
                       '<x:patternFill patternType="none"/></x:fill><x:fill><x:patternFill patternType="gray125"/>'
                       '</x:fill></x:fills><x:borders count="1"><x:border/></x:borders><x:cellXfs count="1"><x:xf '
                       'numFmtId="0" fontId="0" fillId="0" borderId="0"/></x:cellXfs></x:styleSheet>')
        z.writestr("xl/worksheets/sheet1.xml", PREFIXED_SHEET)
    return buf.getvalue()


@pytest.mark.parametrize("styles", [True, False])
def test_prefixed_xml_and_unnumbered_rows(styles):
    marks = [Mark("Лист 1", "B2", "FFC7CE", "Ошибка"), Mark("Лист 1", "A1", "FFEB9C", "Предупреждение"),
             Mark("Лист 1", "C2", "FFC7CE", "Ошибка в пустой ячейке")]
    out = patch(prefixed_workbook(styles), marks)
    assert_valid_package(out)
    with zipfile.ZipFile(io.BytesIO(out)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert '<x:legacyDrawing r:id="' in sheet and f'xmlns:r="{R}"' in sheet  # prefixed, namespace declared
    assert '<x:c r="C2" s="' in sheet
    wb = load(out)
    assert wb.sheetnames == ["Замечания", "Лист 1"]
    for m in marks:
        assert wb["Лист 1"][m.cell].fill.fgColor.rgb == "FF" + m.fill and m.comment in wb["Лист 1"][m.cell].comment.text
    assert wb["Замечания"]["C4"].hyperlink.location == "'Лист 1'!B2"
    assert calamine(out)["Лист 1"] == [["№", "Точка"], [1.0, "Портал"]]


# --- parts of the work, one at a time -----------------------------------------------------------

def _sheet(rows: str) -> bytes:
    return (f'<worksheet xmlns="{MAIN}"><sheetData>{rows}</sheetData></worksheet>').encode()


@pytest.mark.parametrize("rows, cells, expected", [
    ('<row r="2"><c r="B2"/><c r="D2"/></row>', [(2, 1), (2, 3), (2, 5)],
     '<row r="2"><c r="A2" s="9"/><c r="B2"/><c r="C2" s="9"/><c r="D2"/><c r="E2" s="9"/></row>'),
    ('<row r="2" spans="2:4"><c r="B2" s="1"><v>1</v></c></row>', [(2, 2), (1, 1), (3, 3)],
     '<row r="1"><c r="A1" s="9"/></row><row r="2" spans="2:4"><c r="B2" s="9"><v>1</v></c></row>'
     '<row r="3"><c r="C3" s="9"/></row>'),
    ('<row r="2" spans="2:2"><c r="B2" s="1"><v>1</v></c></row>', [(2, 3)],
     '<row r="2"><c r="B2" s="1"><v>1</v></c><c r="C2" s="9"/></row>'),
    ('<row><c><v>1</v></c><c s="4"><v>2</v></c></row><row><c/></row>', [(1, 2), (2, 2)],
     '<row><c><v>1</v></c><c s="9"><v>2</v></c></row><row><c/><c r="B2" s="9"/></row>'),
    ('<row r="1"/><row r="5" ht="20" customHeight="1"/>', [(5, 2), (3, 1)],
     '<row r="1"/><row r="3"><c r="A3" s="9"/></row><row r="5" ht="20" customHeight="1"><c r="B5" s="9"/></row>'),
    ('', [(4, 4)], '<row r="4"><c r="D4" s="9"/></row>'),
])
def test_cells_and_rows_are_made_in_order(rows, cells, expected):
    ws = Worksheet(_sheet(rows))
    ws.restyle({rc: "FFC7CE" for rc in cells}, lambda s, rgb: 9)
    assert ws.xml.decode() == f'<worksheet xmlns="{MAIN}"><sheetData>{expected}</sheetData></worksheet>'


def test_an_empty_sheet_data_gets_rows():
    ws = Worksheet(f'<worksheet xmlns="{MAIN}"><sheetData/></worksheet>'.encode())
    ws.restyle({(2, 2): "x"}, lambda s, rgb: 1)
    assert ws.xml.decode() == f'<worksheet xmlns="{MAIN}"><sheetData><row r="2"><c r="B2" s="1"/></row></sheetData></worksheet>'


def test_comments_merge_counts_every_author():
    """LibreOffice writes a nameless author as <author/>: ours must get the next number all the same."""
    cxml = (f'<comments xmlns="{MAIN}"><authors><author/><author>Иванова</author></authors><commentList>'
            '<comment ref="A1" authorId="1"><text><t>её</t></text></comment></commentList></comments>').encode()
    merged, have = xlsxcomments._merge_comments(cxml, [((2, 2), Mark("Лист1", "B2", "FFC7CE", "наше"))], "Проверка")
    root = ElementTree.fromstring(merged)
    assert [a.text for a in root.iter(f"{{{MAIN}}}author")] == [None, "Иванова", "Проверка"]
    assert [(c.get("ref"), c.get("authorId")) for c in root.iter(f"{{{MAIN}}}comment")] == [("A1", "1"), ("B2", "2")]
    assert have == set()


def test_legacy_drawing_goes_before_what_follows_it_in_the_schema():
    xml = (f'<worksheet xmlns="{MAIN}" xmlns:r="{R}"><sheetData/><pageMargins left="1" right="1" top="1" bottom="1" '
           'header="0" footer="0"/><drawing r:id="rId1"/><tableParts count="1"><tablePart r:id="rId2"/></tableParts>'
           '<extLst><ext uri="x"/></extLst></worksheet>').encode()
    ws = Worksheet(xml)
    ws.add_legacy_drawing("rId9")
    assert b'<drawing r:id="rId1"/><legacyDrawing r:id="rId9"/><tableParts' in ws.xml


def test_texts_longer_than_a_cell_holds_are_cut():
    sst = (f'<sst xmlns="{MAIN}"><si><t>короткий</t></si><si><t>{LONG}</t></si></sst>').encode()
    out = xlsxcells.fit_long_texts(sst).decode()
    texts = re.findall(r"<t>([^<]*)</t>", out)
    assert texts[0] == "короткий" and len(texts[1]) <= MAX_CELL_TEXT and "[текст обрезан: в ячейке было" in texts[1]
    small = _sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>' * 3000)
    assert xlsxcells.fit_long_texts(small) is small


def test_zip_round_trip_keeps_stored_parts_and_utf8_names():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("[Content_Types].xml"), b"<Types/>")
        z.writestr("папка/данные.bin", bytes(range(256)) * 40, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("пусто.txt", b"", compress_type=zipfile.ZIP_STORED)
    members = ooxml.read_zip(buf.getvalue())
    assert members["папка/данные.bin"].inflate("x") == bytes(range(256)) * 40
    deflater = ooxml.Deflater()
    new = [("новое.xml", b"<a/>" * 500), ("пустое.xml", b""), ("ещё.xml", "<б/>".encode() * 3000)]
    out = ooxml.write_zip(list(members.items()) + [(name, deflater.member(data)) for name, data in new])
    with zipfile.ZipFile(io.BytesIO(out)) as z:
        assert z.testzip() is None
        assert z.read("папка/данные.bin") == bytes(range(256)) * 40
        assert z.read("пусто.txt") == b"" and z.namelist()[0] == "[Content_Types].xml"
        for name, data in new:
            assert z.read(name) == data
    written = ooxml.read_zip(out)
    for name, data in new:
        stream = zlib.decompressobj(-15)  # each part's deflate stream ends on its own
        assert stream.decompress(written[name].raw) == data and stream.eof and not stream.unused_data


@pytest.mark.parametrize("damage", [
    lambda d: d[: len(d) // 2],  # cut short: no directory
    lambda d: _rezip(d, {"xl/workbook.xml": lambda x: x.replace(  # Strict OOXML
        MAIN.encode(), b"http://purl.oclc.org/ooxml/spreadsheetml/main")}),
    lambda d: _rezip(d, {"xl/_rels/workbook.xml.rels": lambda x: x.replace(b'Id="rId2"', b'Id="rId7"')}),
    lambda d: _rezip(d, {"xl/worksheets/sheet2.xml": lambda x: x.replace(b"</sheetData>", b"")}),
])
def test_odd_packages_are_refused(damage):
    with pytest.raises(PatchError):
        patch(damage(excel_workbook()), [Mark("Перечень", "A4", "FFC7CE", "x")])
