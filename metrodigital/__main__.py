import sys

from metrodigital.cli import run

sys.exit(run())
