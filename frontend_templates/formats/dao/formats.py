# No CLDR locale exists for this language; people here read Vietnamese dates and numbers.
from django.conf.locale.vi.formats import *  # noqa: F403
