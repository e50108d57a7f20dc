"""Evidence for evaluators: satisfaction index, survey files, before/after KPIs, costs, report.

Modules: :mod:`.ikm` (PermenPAN-RB 14/2017 index, interval table, Krejcie-Morgan), :mod:`.survey`
(questionnaire and survey CSV import), :mod:`.pdf` (HTML to PDF).
"""
