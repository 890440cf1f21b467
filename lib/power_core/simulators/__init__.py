"""Local simulators of the partners we cannot reach: each speaks the
partner's format (through the same codecs) so that tests, benchmarks and
the demo run the full round trip."""
