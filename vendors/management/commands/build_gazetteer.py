"""Writes the compact town index (``vendors.geocoding``) where the app will read it.

Run at image build time so no web worker ever builds it; without it, the first
lookup in a deployment builds it in a child process (a few seconds, once).
"""

from django.core.management.base import BaseCommand

from vendors.geocoding import gazetteer_build, gazetteer_path


class Command(BaseCommand):
    help = "Build the compact town index used to place shops on the map."

    def handle(self, *args, **options):
        path = gazetteer_path()
        gazetteer_build(path)
        self.stdout.write(f"{path} ({path.stat().st_size / 2**20:.1f} MB)")
