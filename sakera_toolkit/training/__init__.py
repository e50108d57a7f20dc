"""Operator training sandbox: practice cases, defects, grading and curriculum (no Panel import)."""
