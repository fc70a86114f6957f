#!/usr/bin/python3
"""Reads an .xlsx with openpyxl, a reader nobody on this project wrote, and prints what it sees
as JSON: the sheet names, the frozen cell, the autofilter range and every row's values (a number
as a JSON number, a boolean as a boolean, text as a string, an empty cell as null). Used by the
xUnit and Pester tests to compare every cell with the record as Cube sent it.

Run with Debian's /usr/bin/python3 and its python3-openpyxl package (build.ps1 -Task Test
installs it as root when missing). A missing openpyxl is an error, never a skip."""
import json
import sys

import openpyxl

workbook = openpyxl.load_workbook(sys.argv[1])
sheet = workbook.worksheets[0]
rows = [list(row) for row in sheet.iter_rows(values_only=True)]
json.dump({
    "sheets": workbook.sheetnames,
    "freeze": sheet.freeze_panes,
    "filter": sheet.auto_filter.ref,
    "rows": rows,
}, sys.stdout, ensure_ascii=True)
