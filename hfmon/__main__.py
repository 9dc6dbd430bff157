"""`python -m hfmon`: the same as the `hfmon` command."""

from hfmon.cli import main

raise SystemExit(main())
