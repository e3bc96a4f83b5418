"""Read-aloud: every question and its options can be heard (issue 8).

`script` decides what is said, `speech` turns it into a small MP3 with espeak-ng and
lame, `recordings` checks authors' uploads, `services` stores and finds the clips."""
