from __future__ import annotations

from django.core.management.base import BaseCommand

from readerstudy.studies.demo import PEOPLE, password_for


class Command(BaseCommand):
    help = "Print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/")

    def handle(self, *args, **options):
        self.stdout.write(f"Demo logins ({options['url']}):")
        for username, role in PEOPLE.items():
            note = " (no reads yet: left for a person to read)" if username == "reader1" else ""
            self.stdout.write(f"  {username:<13} {password_for(username):<20} {role}{note}")
        self.stdout.write("  model         (no login)           the model reader")
