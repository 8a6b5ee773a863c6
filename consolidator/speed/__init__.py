"""Where the time of a run goes, and the tricks that keep it short; and the helper processes they
use, which also keep one file's reader from ending the run. Each is here or named here.

A run of ten files takes about 1.3 s, most of it importing pandas and pandera; a thousand files take
a few seconds, most of it reading. So:

- A second process (`side.EarlyProcess`, used by consolidator.run and consolidator.survey) is started
  before the heavy imports; a survey's writes the report for the minister (matplotlib, python-docx)
  while the main process writes the results workbook. On the other core, meanwhile, it works out the
  working days of the production calendar (importing `holidays`; the main process takes them when it
  first needs a date), reads a small inbox (fewer than `pool.MIN_PARALLEL` workbooks, each in the
  form it fits best; not one checked before into the same results), imports python-docx and babel, and later writes the order while the main
  process writes the consolidated list. Whatever it fails at, the main process does itself.
- Per-file work (reading a workbook, writing its returned copy) runs in helper processes (`pool`):
  `jobs` of them for a large batch, one for a small batch or `--jobs 1`, started by a fork where the
  system has one (about 10 ms). The same processes keep untrusted bytes away from the run: a reader
  that aborts, crashes or runs out of memory ends one file there (the pool gives that file its
  verdict and goes on in a new process), never the batch. Every helper (`child`) ends with the
  process that started it, keeps its stderr (a Rust panic's message) for the log, dumps no core and,
  on Linux, has its address space limited.
- Heavy imports run with the garbage collector off and are frozen out of later collections
  (`imports.heavy_imports`); a survey's run keeps it off while it builds its answers, tallies and
  sheets (`imports.no_collection`); modules a command may not need are imported on first use
  (`imports.on_first_use`: pandas in the check types; openpyxl, python-docx and the e-mail package
  only in the modules that write with them). `--help`, `profiles`, `rules` and `status` import
  neither pandas, pandera, openpyxl nor python-docx.
- Choosing the profile reads each file once, in the form it fits best (inbox.read.survey); the check
  reuses those readings. Equal texts of a batch are held once (inbox.read.intern_rows): a region's
  batch repeats its groups and points hundreds of thousands of times, and a worker's table reaches
  the main process in a fifth of the bytes.
- The rows are checked in pandera calls of 100,000 rows (whole files) as the files are read: the main
  process checks what has come while the helpers read the rest (checks.engine.BatchCheck; one call at
  the end when a rule compares rows of different files). The working arrays of one call over 600,000
  rows stayed with the process to its end. A check works once per distinct value of a column (checks.base.per_value).
- A run with nothing new makes no frame of rows and imports neither pandas nor pandera: the stored
  checks keep each file's rows apart, opened only when an output is written again (journal.checked).
- The order's rows go to the second process as its table's columns only, each coded: its distinct
  values and a number per row (model.coded_columns).
- The consolidated list, the protocol and the order's table are streamed (ooxml.xlsx_writer,
  ooxml.docx_stream); a returned .xlsx is the author's package patched, not loaded and saved
  (ooxml.xlsx_patch).
- The command exits as soon as its work is done (cli.entry): the interpreter's clean-up of pandas
  and pandera took 0.3 s of a 1.5 s run.

Imports: nothing of the package outside itself.
"""
