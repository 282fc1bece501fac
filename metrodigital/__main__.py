import sys

from metrodigital.cli import main

sys.exit(main())
