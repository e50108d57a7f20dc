"""The Sakera training sandbox served with Panel.

``apps`` only composes the :mod:`sakera_toolkit` package into web pages: the login provider
(:mod:`apps.auth`), the shell around every page (:mod:`apps.shell`), one module per page in
:mod:`apps.pages`, user-facing strings in Bahasa Indonesia and English (:mod:`apps.i18n`) and the
server builder (:mod:`apps.server`, started by ``sakera serve``).
"""
