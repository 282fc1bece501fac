"""METRODIGITAL: prioritisation of the Comuni of a metropolitan city by digital maturity."""

import os

# openpyxl writes and reads through lxml when lxml is installed (python-docx, used for the
# interview briefs, brings it) and through the standard library otherwise; the two write
# different bytes. One XML library whatever is installed: the standard library's, which
# the upload checks and the shipped examples (rebuilt byte for byte) were made with.
# Set before anything imports openpyxl, which reads it once.
os.environ.setdefault("OPENPYXL_LXML", "False")

__version__ = "0.1.0"
