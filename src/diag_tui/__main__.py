from diag_tui.cli import main

raise SystemExit(main())
