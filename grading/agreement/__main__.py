import sys

from grading.agreement.cli import main

sys.exit(main())
