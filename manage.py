#!/usr/bin/env python
from citydesk.cli import main

if __name__ == "__main__":
    main()
