from __future__ import annotations

from marketctl.cli import main

if __name__ == "__main__":
    main()
