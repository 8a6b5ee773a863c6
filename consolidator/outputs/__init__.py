"""What the run writes for its readers: the author, the authorised unit and the minister's office.

Holds: the returned copy of a file with its remarks (`returned`: the author's .xlsx patched;
`returned_openpyxl`: every other format; `returned_remarks`: what both say) and its e-mail draft
(`eml`); the consolidated list (`consolidated`); the draft order (`order`) and the blanks it keeps
(`order_blanks`); the check protocol (`protocol`); the technical side of files that could not be read,
for whoever looks after the run (`read_errors`); the journal report (`journal_xlsx`); the blank form
(`template`); the look they share
(`style`); files written atomically (`atomic`) and one run per results folder (`lock`).

Imports: profile, model, inbox (a returned copy is made from the file as it was read), journal,
ooxml, speed. python-docx and openpyxl are imported only by the modules that write with them, and
only when those run.
"""
