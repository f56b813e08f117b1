import sys

from analyzer.site.build import main

sys.exit(main())
