from imagelint.cli import main

raise SystemExit(main())
