"""Tests of the confidential mode: custodians, identity requests, four eyes."""
