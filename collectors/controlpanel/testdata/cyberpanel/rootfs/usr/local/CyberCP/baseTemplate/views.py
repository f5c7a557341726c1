# -*- coding: utf-8 -*-
# Minimal stand-in for CyberPanel's baseTemplate/views.py: only the shape of
# the module-level version constants matters to the collector.
from __future__ import unicode_literals

import json

from django.http import HttpResponse

# Version and build of this CyberPanel release.
VERSION = '2.4'
BUILD = 4


def versionManagment(request):
    currentVersion = VERSION
    currentBuild = str(BUILD)
    return HttpResponse(json.dumps({'version': currentVersion, 'build': currentBuild}))
